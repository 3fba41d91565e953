//! Back-end conformance tests for the Nguồn `Store` trait. The only content is
//! `tests/story.rs`: one realistic story run against SQLite always and against PostgreSQL when
//! `NGUON_TEST_DATABASE_URL` is set (mandatory when `CI=true`).
