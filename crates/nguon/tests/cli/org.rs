//! `nguon org add` with an address: the commune by code or by a name only one commune has,
//! refused (nothing stored, exit code 1 with the reason) when it is outside the province or
//! ambiguous.

use nguon_domain::{AdminUnits, CommuneCode, TaxCode};
use nguon_store::{OrganisationQuery, Store};
use nguon_store_sqlite::SqliteStore;

use crate::support::nguon;

fn org_add(dir: &std::path::Path, tax_code: &str, extra: &[&str]) -> std::process::Output {
    nguon(dir)
        .args([
            "org",
            "add",
            "--name",
            "HTX Muối Đông Hải",
            "--kind",
            "cooperative",
        ])
        .args(["--tax-code", tax_code, "--database", "org.db"])
        .args(extra)
        .output()
        .expect("run nguon")
}

#[tokio::test]
async fn an_organisation_is_registered_with_its_address_in_a_commune_of_the_province() {
    let dir = tempfile::tempdir().unwrap();
    let by_name = org_add(
        dir.path(),
        "0300000051",
        &["--street", "Ấp Diêm Điền", "--commune", "long dien"],
    );
    assert!(
        by_name.status.success(),
        "{}",
        String::from_utf8_lossy(&by_name.stderr)
    );
    let long_dien = AdminUnits::embedded()
        .search(
            nguon_domain::ProvinceCode::parse("96").unwrap(),
            "Long Điền",
        )
        .unwrap()[0]
        .code();
    let by_code = org_add(
        dir.path(),
        "0300000052",
        &["--street", "Khóm 2", "--commune", long_dien.as_str()],
    );
    assert!(
        by_code.status.success(),
        "{}",
        String::from_utf8_lossy(&by_code.stderr)
    );

    // Hà Nội's Phường Ba Đình is not in Cà Mau; "Vĩnh" starts many names; nothing is stored.
    let elsewhere = org_add(
        dir.path(),
        "0300000053",
        &["--street", "Số 1", "--commune", "00004"],
    );
    assert_eq!(elsewhere.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&elsewhere.stderr);
    assert!(
        stderr.contains("--commune: 00004 is not a current commune of province 96"),
        "{stderr}"
    );
    let vague = org_add(
        dir.path(),
        "0300000054",
        &["--street", "Ấp 1", "--commune", "vinh"],
    );
    assert_eq!(vague.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&vague.stderr);
    assert!(stderr.contains("names several communes"), "{stderr}");
    assert!(stderr.contains("Xã Vĩnh Hậu"), "{stderr}");
    let street_alone = org_add(dir.path(), "0300000055", &["--street", "Ấp 1"]);
    assert_eq!(
        street_alone.status.code(),
        Some(2),
        "clap: --street needs --commune"
    );

    let store = SqliteStore::open(&dir.path().join("org.db")).await.unwrap();
    let stored = store
        .list_organisations(&OrganisationQuery::default())
        .await
        .unwrap()
        .organisations;
    assert_eq!(stored.len(), 2, "the refused registrations stored nothing");
    let named = stored
        .iter()
        .find(|o| o.tax_code == TaxCode::parse("0300000051").unwrap())
        .unwrap();
    let address = named.address.as_ref().unwrap();
    assert_eq!(address.street(), "Ấp Diêm Điền");
    assert_eq!(address.commune(), long_dien);
    let coded = stored
        .iter()
        .find(|o| o.tax_code == TaxCode::parse("0300000052").unwrap())
        .unwrap();
    assert_eq!(
        coded.address.as_ref().map(|a| a.commune()),
        Some(CommuneCode::parse(long_dien.as_str()).unwrap())
    );
    store.close().await;
}

/// On PostgreSQL, opening an existing database makes the server send notices, which are logged:
/// they go to stderr, and stdout holds only the answer a script reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_add_and_key_create_print_only_their_answer_on_postgresql() {
    let Some(server) = crate::backup::postgres_server("org and key on PostgreSQL") else {
        return;
    };
    let database = nguon_store_postgres::ScratchDatabase::create(&server, "nguon_cli_key")
        .await
        .expect("scratch database");
    let url = database.url().expose().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let answer = |args: &[&str]| {
        let output = nguon(dir.path())
            .args(args)
            .args(["--database", &url])
            .output()
            .expect("run nguon");
        assert!(output.status.success(), "{args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    answer(&["migrate"]);
    let id = answer(&[
        "org",
        "add",
        "--name",
        "HTX Tôm Vĩnh Hậu",
        "--tax-code",
        "0312345679",
    ]);
    assert!(
        id.trim_end()
            .parse::<nguon_domain::OrganisationId>()
            .is_ok()
            && id.lines().count() == 1,
        "{id:?}"
    );
    let key = answer(&["key", "create", "--org", "0312345679"]);
    assert!(
        key.starts_with("nguon_") && key.lines().count() == 1,
        "{key:?}"
    );
}
