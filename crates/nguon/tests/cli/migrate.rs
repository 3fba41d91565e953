//! `nguon migrate`: creates and migrates the database, and is safe to repeat.

use crate::support::{is_wal, nguon, run};

#[test]
fn migrates_a_new_database_and_repeats_safely() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let mut command = nguon(dir.path());
        command.args(["migrate", "--database", "sqlite://registry.db"]);
        let (status, stdout, stderr) = run(command);
        assert_eq!(status.code(), Some(0), "stderr: {stderr}");
        assert!(stdout.contains("database schema is up to date"), "{stdout}");
    }
    assert!(is_wal(&dir.path().join("registry.db")));
}
