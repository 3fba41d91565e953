//! `nguon epcis-hash`: one hash per event on stdout, the reason and exit code 2 otherwise. The
//! documents are the reference implementation's examples kept by `nguon-epcis`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Stdio;

use crate::support::{nguon, run};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../epcis/tests/data/event-hash/examples")
        .join(name)
}

fn lines(name: &str) -> Vec<String> {
    std::fs::read_to_string(example(name))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_json_ld_file_prints_one_hash_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = nguon(dir.path());
    command
        .arg("epcis-hash")
        .arg(example("epcisDocWithShippingAndTransportingEvent.jsonld"));
    let (status, stdout, stderr) = run(command);
    assert!(status.success(), "{stderr}");
    let printed: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        printed,
        lines("epcisDocWithShippingAndTransportingEvent.hashes")
    );
}

#[test]
fn xml_on_standard_input_prints_hashes_and_pre_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let document = std::fs::read(example("ReferenceEventHashAlgorithm.xml")).unwrap();
    let mut child = nguon(dir.path())
        .args(["epcis-hash", "--prehash", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nguon");
    child.stdin.take().unwrap().write_all(&document).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let expected: Vec<String> = lines("ReferenceEventHashAlgorithm.hashes")
        .into_iter()
        .zip(lines("ReferenceEventHashAlgorithm.prehashes"))
        .map(|(hash, pre_hash)| format!("{hash}\t{pre_hash}"))
        .collect();
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn a_bad_document_exits_2_with_the_reason_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.jsonld"),
        r#"{"epcisBody": {"eventList": [{"type": "ObjectEvent", "eventTime": "soon"}]}}"#,
    )
    .unwrap();
    for (file, reason) in [
        (
            "bad.jsonld",
            "error: bad.jsonld: event 0: field eventTime: \"soon\" is not a date-time like 2024-05-01T08:30:00.000+07:00",
        ),
        ("missing.xml", "error: cannot read missing.xml: "),
    ] {
        let mut command = nguon(dir.path());
        command.args(["epcis-hash", file]);
        let (status, stdout, stderr) = run(command);
        assert_eq!(status.code(), Some(2), "{file}");
        assert_eq!(stdout, "", "{file}");
        assert!(stderr.starts_with(reason), "{file}: {stderr}");
    }
}
