//! Backups with `pg_dump` and restores with `pg_restore`, the tools that know every PostgreSQL
//! object this store creates (sequences, partial indexes, functions) and take one consistent
//! snapshot while the server keeps serving.

use std::path::Path;
use std::process::Stdio;

use nguon_store::{PostgresUrl, StoreError, io_reason, refuse_existing_file};
use sqlx::{Connection, PgConnection};

use crate::error::store_error;

/// The first bytes of a `pg_dump --format=custom` archive.
const ARCHIVE_MAGIC: &[u8; 5] = b"PGDMP";

/// Writes a custom-format archive of the database at `url` to `target`, which must not exist.
pub async fn dump(url: &PostgresUrl, target: &Path) -> Result<(), StoreError> {
    refuse_existing_file(target)?;
    run_tool(
        "pg_dump",
        url,
        &["--format=custom", "--no-owner", "--no-privileges", "--file"],
        target,
    )
    .await
}

/// Restores the archive `backup` into the database at `url`, which must hold no tables yet, in
/// one transaction: a failure leaves the database empty, never half restored. Open the store
/// afterwards to bring the schema up to date.
pub async fn restore(url: &PostgresUrl, backup: &Path) -> Result<(), StoreError> {
    let mut magic = [0u8; 5];
    let header = async {
        use tokio::io::AsyncReadExt;
        let mut file = tokio::fs::File::open(backup).await?;
        file.read_exact(&mut magic).await
    }
    .await;
    if let Err(error) = header {
        return Err(StoreError::Unavailable(format!(
            "cannot read {}: {}",
            backup.display(),
            io_reason(&error)
        )));
    }
    if &magic != ARCHIVE_MAGIC {
        return Err(StoreError::Unavailable(format!(
            "{} is not a PostgreSQL backup (pg_dump custom format)",
            backup.display()
        )));
    }
    let mut connection = PgConnection::connect(url.expose())
        .await
        .map_err(store_error)?;
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_one(&mut connection)
    .await
    .map_err(store_error)?;
    connection.close().await.map_err(store_error)?;
    if tables > 0 {
        return Err(StoreError::Conflict {
            what: "database",
            detail: format!(
                "the database already holds {tables} tables; restore into an empty database"
            ),
        });
    }
    run_tool(
        "pg_restore",
        url,
        &[
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
        ],
        backup,
    )
    .await
}

/// Runs `pg_dump` or `pg_restore` against `url` with `arguments` then `file`. The password goes
/// through `PGPASSWORD`, never the command line, where other users of the machine could read it.
async fn run_tool(
    tool: &str,
    url: &PostgresUrl,
    arguments: &[&str],
    file: &Path,
) -> Result<(), StoreError> {
    let (address, password) = split_password(url)?;
    let mut command = tokio::process::Command::new(tool);
    command
        .arg(format!("--dbname={address}"))
        .args(arguments)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().await.map_err(|error| {
        StoreError::Unavailable(format!(
            "cannot run {tool} (is the PostgreSQL client installed?): {}",
            io_reason(&error)
        ))
    })?;
    if output.status.success() {
        return Ok(());
    }
    let reason = String::from_utf8_lossy(&output.stderr);
    Err(StoreError::Unavailable(format!(
        "{tool} failed ({}): {}",
        output.status,
        reason.trim()
    )))
}

/// The URL without its password, and the password, percent-decoded.
fn split_password(url: &PostgresUrl) -> Result<(String, Option<String>), StoreError> {
    let mut parsed = url::Url::parse(url.expose())
        .map_err(|error| StoreError::Unavailable(format!("invalid database URL: {error}")))?;
    let mut password = parsed.password().map(percent_decode).transpose()?;
    let _ = parsed.set_password(None);
    let parameters: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(name, value)| {
            if name == "password" {
                password = Some(value.to_string());
                false
            } else {
                true
            }
        })
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    if parameters.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(parameters);
    }
    Ok((parsed.to_string(), password))
}

fn percent_decode(text: &str) -> Result<String, StoreError> {
    url::form_urlencoded::parse(format!("p={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .ok_or_else(|| StoreError::Unavailable("invalid password in database URL".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let url = nguon_store::DatabaseUrl::parse(
            "postgres://nguon:p%40ss+w@db:5433/prod?sslmode=disable",
        )
        .unwrap();
        let nguon_store::DatabaseUrl::Postgres(url) = url else {
            panic!("a PostgreSQL URL")
        };
        let (address, password) = split_password(&url).unwrap();
        assert_eq!(address, "postgres://nguon@db:5433/prod?sslmode=disable");
        assert_eq!(password.as_deref(), Some("p@ss+w"));
    }

    #[test]
    fn a_password_parameter_moves_too() {
        let url =
            nguon_store::DatabaseUrl::parse("postgres://db/prod?password=s3cret&sslmode=require")
                .unwrap();
        let nguon_store::DatabaseUrl::Postgres(url) = url else {
            panic!("a PostgreSQL URL")
        };
        let (address, password) = split_password(&url).unwrap();
        assert_eq!(address, "postgres://db/prod?sslmode=require");
        assert_eq!(password.as_deref(), Some("s3cret"));
    }
}
