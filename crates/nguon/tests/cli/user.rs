//! `nguon user add`: the first administrator from the command line, with the password from
//! standard input, checked by the length rule, and never a default.

use std::io::Write;
use std::process::{Output, Stdio};

use nguon_domain::{Email, Role};
use nguon_store::Store;
use nguon_store_sqlite::SqliteStore;

use crate::support::nguon;

/// Runs `nguon user add <args> --database db` with `stdin` piped in.
fn user_add(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = nguon(dir)
        .args(["user", "add", "--database", "users.db"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nguon");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn the_first_admin_is_created_with_a_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let weak = user_add(
        dir.path(),
        &["--email", "admin@camau.gov.vn", "--role", "province_admin"],
        "ngắn\n",
    );
    assert!(!weak.status.success());
    let stderr = String::from_utf8_lossy(&weak.stderr);
    assert!(
        stderr.contains("password: must be 12 to 128 characters long, found 4"),
        "{stderr}"
    );
    let none = user_add(
        dir.path(),
        &["--email", "admin@camau.gov.vn", "--role", "province_admin"],
        "",
    );
    assert!(!none.status.success(), "an empty stdin is no password");

    let staff_without_org = user_add(
        dir.path(),
        &["--email", "x@camau.gov.vn", "--role", "org_staff"],
        "một mật khẩu đủ dài\n",
    );
    let stderr = String::from_utf8_lossy(&staff_without_org.stderr);
    assert!(
        stderr.contains("organisation: the role org_staff belongs to one organisation"),
        "{stderr}"
    );

    let created = user_add(
        dir.path(),
        &[
            "--email",
            "Admin@CaMau.gov.vn",
            "--role",
            "province_admin",
            "--name",
            "Lê Văn Tám",
        ],
        "một mật khẩu đủ dài\r\n",
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let id = String::from_utf8(created.stdout).unwrap();

    let store = SqliteStore::open(&dir.path().join("users.db"))
        .await
        .unwrap();
    let user = store
        .user_by_email(&Email::parse("admin@camau.gov.vn").unwrap())
        .await
        .unwrap()
        .expect("the user exists");
    assert_eq!(user.id.to_string(), id.trim());
    assert_eq!(user.access.role(), Role::ProvinceAdmin);
    assert_eq!(user.display_name(), "Lê Văn Tám");
    assert!(user.password_hash.as_str().starts_with("$argon2id$"));
    assert!(
        nguon_web::password::verify("một mật khẩu đủ dài".into(), Some(user.password_hash)).await
    );
}
