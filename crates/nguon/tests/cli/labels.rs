//! `nguon labels`: a lot's stamps printed from a database prepared through the store, as a PDF
//! sheet and as one PNG per stamp, capped and logged; a lot whose amount cannot be counted in
//! stamps, a count over the run limit and an unknown lot are refused with the reason; a run is
//! activated once and then deactivated.

use crate::support::{nguon, run};
use crate::trace::{FROZEN, SEED, prepare};

fn labels(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = nguon(dir);
    command
        .arg("labels")
        .args(args)
        .args(["--database", "sqlite://chain.db"]);
    let (status, stdout, stderr) = run(command);
    (status.code(), stdout, stderr)
}

#[test]
fn stamps_are_printed_numbered_on_activated_and_refused_past_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(prepare(&dir.path().join("chain.db")));

    // The seed lot was counted in pieces (50,000 post-larvae).
    let (code, stdout, stderr) = labels(dir.path(), &["--lot", SEED, "--count", "30"]);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(
        stdout.contains("30 stamps of lot PL9 (1 to 30)") && stdout.contains("stamps-PL9.pdf"),
        "{stdout}"
    );
    let pdf = std::fs::read(dir.path().join("stamps-PL9.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let run_id = stdout
        .strip_prefix("run ")
        .and_then(|rest| rest.split(':').next())
        .unwrap()
        .to_owned();

    let (code, stdout, stderr) = labels(
        dir.path(),
        &[
            "--lot",
            "(01)08931234560010(10)PL9",
            "--count",
            "3",
            "--format",
            "png",
            "--symbology",
            "datamatrix",
            "--layout",
            "thermal-50x30",
            "--out",
            "pngs",
        ],
    );
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(stdout.contains("(31 to 33)"), "{stdout}");
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("pngs"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(
        files[0].starts_with("000031-") && files[0].ends_with(".png"),
        "{files:?}"
    );

    for (args, reason) in [
        (
            vec!["--lot", FROZEN, "--count", "1"],
            "register the product's net content",
        ),
        (
            vec!["--lot", SEED, "--count", "20000"],
            "count: must be a whole number from 1 to 10000",
        ),
        (
            vec!["--lot", "(01)08931234560010(10)NOPE", "--count", "1"],
            "lot: no event names (01)08931234560010(10)NOPE",
        ),
    ] {
        let (code, _, stderr) = labels(dir.path(), &args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }

    let (code, stdout, stderr) = labels(dir.path(), &["activate", &run_id]);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(stdout.contains("30 stamps now active"), "{stdout}");
    let (code, _, stderr) = labels(dir.path(), &["activate", &run_id]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("cannot change from active to active"),
        "{stderr}"
    );
    let (code, stdout, _) = labels(dir.path(), &["deactivate", &run_id]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("now deactivated"), "{stdout}");
}
