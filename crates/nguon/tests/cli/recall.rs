//! `nguon recall drill`: the drill from a database prepared through the store, as text, as the
//! report in each format, with `--timing`; unknown identifiers and a binary report without a
//! file are refused.

use crate::support::{nguon, run};
use crate::trace::{CARTON, FROZEN, PALLET, POND, SEED, prepare};

fn drill(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = nguon(dir);
    command
        .args(["recall", "drill"])
        .args(args)
        .args(["--database", "sqlite://chain.db"]);
    let (status, stdout, stderr) = run(command);
    (status.code(), stdout, stderr)
}

#[test]
fn a_drill_prints_what_is_affected_and_writes_the_report_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(prepare(&dir.path().join("chain.db")));

    let (code, stdout, stderr) = drill(dir.path(), &[POND]);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    for expected in [
        format!("recall drill from {POND}"),
        "affected (4):".to_owned(),
        format!("  {POND} [lot]  Chế biến Sóc Trăng  895 KGM  (made into or packed in the next)"),
        format!("  {FROZEN} [lot]  Chế biến Sóc Trăng  550 KGM  (made into or packed in the next)"),
        format!(
            "  {CARTON} [serial]  Chế biến Sóc Trăng  1 H87  (made into or packed in the next)"
        ),
        format!("  {PALLET} [logistic_unit]  Chế biến Sóc Trăng  1 H87"),
        "  Chế biến Sóc Trăng: 1 H87 (1 identifiers)".to_owned(),
        "suspects (1):".to_owned(),
        format!("  {SEED} [lot]"),
    ] {
        assert!(
            stdout.lines().any(|line| line == expected),
            "{expected:?} not in:\n{stdout}"
        );
    }

    let (code, stdout, stderr) = drill(dir.path(), &[POND, "--format", "csv"]);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "Vai trò / Role");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[1][1], FROZEN);
    assert_eq!(&rows[1][3], "Chế biến Sóc Trăng");
    assert_eq!(&rows[4][0], "nguồn nghi vấn / suspect");
    assert_eq!(&rows[4][3], "Trại tôm Cà Mau");

    let (code, _, stderr) = drill(
        dir.path(),
        &[
            POND,
            "--format",
            "pdf",
            "--output",
            "recall.pdf",
            "--timing",
        ],
    );
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let pdf = std::fs::read(dir.path().join("recall.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let timing = stderr
        .lines()
        .find(|line| line.starts_with("timing: 5 identifiers; drill "))
        .unwrap_or_else(|| panic!("no timing line in {stderr}"));
    assert!(timing.contains("; lot to complete report "), "{timing}");

    let (code, _, stderr) = drill(
        dir.path(),
        &[POND, "--format", "xlsx", "--output", "r.xlsx"],
    );
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(
        std::fs::read(dir.path().join("r.xlsx"))
            .unwrap()
            .starts_with(b"PK")
    );
}

#[test]
fn unknown_identifiers_and_binary_reports_without_a_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(prepare(&dir.path().join("chain.db")));
    let unknown = "https://id.gs1.org/01/08931234560027/10/NONE";
    let (code, _, stderr) = drill(dir.path(), &[unknown]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(&format!("no event names {unknown}")),
        "{stderr}"
    );
    let (code, _, stderr) = drill(dir.path(), &[POND, "--format", "pdf"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("--output FILE is required for --format xlsx and pdf"),
        "{stderr}"
    );
}
