//! `nguon import`: templates on stdout, a file with a bad row refused with its row-level report
//! and exit code 2 (nothing stored), and the fixed file imported into the organisation named
//! by its tax code.

use std::process::Output;

use nguon_domain::FacilityDetails;
use nguon_store::{RecordQuery, Registry, Store};
use nguon_store_sqlite::SqliteStore;

use crate::support::nguon;

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    nguon(dir).args(args).output().expect("run nguon")
}

#[tokio::test]
async fn a_file_is_imported_whole_or_refused_with_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = "import.db";
    let org = run(
        dir.path(),
        &[
            "org",
            "add",
            "--name",
            "HTX Tân Hưng",
            "--tax-code",
            "0300000041",
            "--kind",
            "cooperative",
            "--database",
            db,
        ],
    );
    assert!(
        org.status.success(),
        "{}",
        String::from_utf8_lossy(&org.stderr)
    );

    let template = run(
        dir.path(),
        &["import", "template", "facilities", "--database", db],
    );
    assert!(
        template.status.success(),
        "{}",
        String::from_utf8_lossy(&template.stderr)
    );
    let text = String::from_utf8(template.stdout).unwrap();
    assert!(
        text.trim_start_matches('\u{feff}')
            .starts_with("Loại cơ sở (kind),Tên cơ sở (name),Mã GLN (gln)"),
        "{text}"
    );
    let xlsx = run(
        dir.path(),
        &[
            "import",
            "template",
            "products",
            "--format",
            "xlsx",
            "--database",
            db,
        ],
    );
    assert!(xlsx.status.success());
    assert!(xlsx.stdout.starts_with(b"PK\x03\x04"), "an XLSX workbook");

    let bad = "kind,name,gln\npond,Ao 1,8931234000103\nfarm,Ao 2,8931234000110\npond,Ao 3,8931234000127\n";
    std::fs::write(dir.path().join("bad.csv"), bad).unwrap();
    let refused = run(
        dir.path(),
        &[
            "import",
            "facilities",
            "bad.csv",
            "--org",
            "0300000041",
            "--database",
            db,
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("nothing was imported; 1 problem(s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("dòng/row 3, Loại cơ sở (kind), \"farm\": một trong: hatchery"),
        "{stderr}"
    );
    assert!(stderr.contains("/ one of hatchery, pond"), "{stderr}");

    let good = bad.replace("farm,", "pond,");
    std::fs::write(dir.path().join("good.csv"), good).unwrap();
    let missing_org = run(
        dir.path(),
        &["import", "facilities", "good.csv", "--database", db],
    );
    assert!(!missing_org.status.success());
    assert!(String::from_utf8_lossy(&missing_org.stderr).contains("--org is needed"));
    let imported = run(
        dir.path(),
        &[
            "import",
            "facilities",
            "good.csv",
            "--org",
            "0300000041",
            "--database",
            db,
        ],
    );
    let stderr = String::from_utf8_lossy(&imported.stderr);
    assert!(imported.status.success(), "{stderr}");
    assert!(
        stderr.contains("imported 3 facilities from good.csv"),
        "{stderr}"
    );

    let store = SqliteStore::open(&dir.path().join(db)).await.unwrap();
    let stored = store
        .list::<FacilityDetails>(&RecordQuery::default())
        .await
        .unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[2].details.name.as_str(), "Ao 3");
    store.close().await;
}
