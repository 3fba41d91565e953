//! `nguon gs1`: JSON on stdout for any valid input, the reason and exit code 2 otherwise.

use crate::support::{nguon, run};

fn gs1(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = nguon(dir.path());
    command.arg("gs1").args(args);
    let (status, stdout, stderr) = run(command);
    (status.code(), stdout, stderr)
}

#[test]
fn every_input_form_gives_the_same_identifier() {
    for input in [
        "https://truyxuat.example.vn/qr/01/8934673000017/10/TOM-01?17=261231",
        "(01)08934673000017(17)261231(10)TOM-01",
        "01089346730000171726123110TOM-01",
    ] {
        let (code, stdout, stderr) = gs1(&[input]);
        assert_eq!(code, Some(0), "{input}: {stderr}");
        let json: serde_json::Value =
            serde_json::from_str(&stdout).expect("stdout is one JSON object");
        assert_eq!(json["kind"], "lgtin", "{input}");
        assert_eq!(
            json["canonical_dl"],
            "https://id.gs1.org/01/08934673000017/10/TOM-01?17=261231"
        );
        assert_eq!(
            json["element_string"],
            "(01)08934673000017(10)TOM-01(17)261231"
        );
        assert_eq!(json["epc_urn"], "urn:epc:class:lgtin:893467300.0001.TOM-01");
    }
}

#[test]
fn urns_and_bare_keys_are_read() {
    let (code, stdout, _) = gs1(&["urn:epc:id:sgtin:0614141.107346.2017"]);
    assert_eq!(code, Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["form"], "epc_urn");
    assert_eq!(
        json["canonical_dl"],
        "https://id.gs1.org/01/10614141073464/21/2017"
    );
    assert_eq!(json["element_string"], "(01)10614141073464(21)2017");

    let (code, stdout, _) = gs1(&["--as", "gln", "8934673000017"]);
    assert_eq!(code, Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["kind"], "gln");
    assert_eq!(json["epc_urn"], "urn:epc:id:sgln:893467300.001.0");
}

#[test]
fn the_prefix_length_table_comes_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nguon.toml"),
        "[gs1.prefix_lengths]\n\"8934673\" = 7\n",
    )
    .unwrap();
    let mut command = nguon(dir.path());
    command.args(["gs1", "8934673000017"]);
    let (status, stdout, stderr) = run(command);
    assert!(status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["epc_urn"], "urn:epc:idpat:sgtin:8934673.000001.*");
}

#[test]
fn invalid_input_exits_2_with_the_reason_on_stderr() {
    for (input, reason) in [
        (
            "(01)08934673000018",
            "error: AI (01) GTIN: check digit: must be 7, found 8",
        ),
        (
            "https://id.gs1.org/01/08934673000017/21/S1/10/L1",
            "error: Digital Link URI: key qualifiers of (01) must appear in the order 22, 10, 21 or 235, found 21, 10",
        ),
        (
            "urn:epc:id:sgtin:0614141.107346",
            "error: EPC URN: sgtin URN must have 3 dot-separated parts, found 2",
        ),
        (
            "(10)LOT",
            "error: AI (10) BATCH/LOT must appear together with (01) or (02) or (03) or (8006) or (8026)",
        ),
    ] {
        let (code, stdout, stderr) = gs1(&[input]);
        assert_eq!(code, Some(2), "{input}");
        assert_eq!(stdout, "", "{input}");
        assert_eq!(stderr.trim_end(), reason, "{input}");
    }
}
