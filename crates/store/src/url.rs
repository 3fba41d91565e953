//! Database connection strings. A URL picks the back end; a PostgreSQL URL may carry a password,
//! so it is kept secret and every printed form redacts it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};

/// What replaces a password when a URL is printed.
const REDACTED: &str = "***";

/// A database URL could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("database URL: {0}")]
pub struct InvalidDatabaseUrl(String);

/// Where the data lives, which also decides the back end.
///
/// Accepted forms: `sqlite://PATH`, `sqlite:PATH`, a bare file path (SQLite), and
/// `postgres://…` or `postgresql://…`. `Display` and `Debug` never show a password.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum DatabaseUrl {
    /// An SQLite database file, created on first open.
    Sqlite(PathBuf),
    /// A PostgreSQL server.
    Postgres(PostgresUrl),
}

impl DatabaseUrl {
    /// Parses one of the accepted forms.
    pub fn parse(input: &str) -> Result<Self, InvalidDatabaseUrl> {
        let input = input.trim();
        if input.is_empty() {
            return Err(InvalidDatabaseUrl("must not be empty".to_owned()));
        }
        if let Some((scheme, rest)) = input.split_once("://") {
            return match scheme.to_ascii_lowercase().as_str() {
                "sqlite" => Self::sqlite(rest),
                "postgres" | "postgresql" if rest.is_empty() => Err(InvalidDatabaseUrl(
                    "a PostgreSQL URL needs a host, e.g. postgres://user@localhost/nguon"
                        .to_owned(),
                )),
                "postgres" | "postgresql" => Ok(Self::Postgres(PostgresUrl(input.into()))),
                _ => Err(InvalidDatabaseUrl(format!(
                    "scheme {scheme:?} is not supported; use sqlite://PATH, a file path, or postgres://…"
                ))),
            };
        }
        match input.strip_prefix("sqlite:") {
            Some(rest) => Self::sqlite(rest),
            None => Self::sqlite(input),
        }
    }

    fn sqlite(path: &str) -> Result<Self, InvalidDatabaseUrl> {
        if path.is_empty() {
            return Err(InvalidDatabaseUrl(
                "an SQLite URL needs a file path, e.g. sqlite://nguon.db".to_owned(),
            ));
        }
        // sqlx would read `?mode=…` as options; we set the options ourselves, so a `?` is more
        // likely a copied URL from another tool than a wanted file name.
        if path.contains('?') {
            return Err(InvalidDatabaseUrl(
                "query parameters are not supported in an SQLite URL; Nguồn sets the SQLite options itself".to_owned(),
            ));
        }
        Ok(Self::Sqlite(Path::new(path).to_path_buf()))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => fmt::Display::fmt(&path.display(), f),
            Self::Postgres(url) => fmt::Display::fmt(url, f),
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = InvalidDatabaseUrl;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for DatabaseUrl {
    type Error = InvalidDatabaseUrl;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

/// A `postgres://` URL, held as a secret because it may contain a password.
#[derive(Clone)]
pub struct PostgresUrl(SecretString);

impl PostgresUrl {
    /// The full URL, password included: only for handing to the driver.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with the password in the user-info part and any `password=` parameter replaced.
    pub fn redacted(&self) -> String {
        redact(self.expose())
    }
}

impl PartialEq for PostgresUrl {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for PostgresUrl {}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({:?})", self.redacted())
    }
}

fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = String::with_capacity(url.len());
    match base.split_once("://") {
        Some((scheme, rest)) => {
            out.push_str(scheme);
            out.push_str("://");
            // The last '@' ends the user info, since a password may itself contain '@' or '/'.
            match rest.rsplit_once('@') {
                Some((user_info, host_and_path)) => {
                    match user_info.split_once(':') {
                        Some((user, _password)) => {
                            out.push_str(user);
                            out.push(':');
                            out.push_str(REDACTED);
                        }
                        None => out.push_str(user_info),
                    }
                    out.push('@');
                    out.push_str(host_and_path);
                }
                None => out.push_str(rest),
            }
        }
        None => out.push_str(base),
    }
    if let Some(query) = query {
        out.push('?');
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                    format!("{key}={REDACTED}")
                }
                _ => param.to_owned(),
            })
            .collect();
        out.push_str(&params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(path: &str) -> DatabaseUrl {
        DatabaseUrl::Sqlite(PathBuf::from(path))
    }

    #[test]
    fn sqlite_forms() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://nguon.db").unwrap(),
            sqlite("nguon.db")
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/nguon/nguon.db").unwrap(),
            sqlite("/var/lib/nguon/nguon.db")
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:data/x.db").unwrap(),
            sqlite("data/x.db")
        );
        assert_eq!(
            DatabaseUrl::parse(" nguon.db ").unwrap(),
            sqlite("nguon.db")
        );
        assert_eq!(
            DatabaseUrl::parse("/tmp/a b.db").unwrap(),
            sqlite("/tmp/a b.db")
        );
        assert_eq!(DatabaseUrl::parse("SQLite://x.db").unwrap(), sqlite("x.db"));
    }

    #[test]
    fn postgres_forms_keep_the_whole_url_for_the_driver() {
        for url in [
            "postgres://nguon:s3cret@db.example:5432/nguon",
            "postgresql://localhost/nguon",
        ] {
            match DatabaseUrl::parse(url).unwrap() {
                DatabaseUrl::Postgres(pg) => assert_eq!(pg.expose(), url),
                other => panic!("{url} parsed as {other:?}"),
            }
        }
    }

    #[test]
    fn rejects_what_it_cannot_serve() {
        let cases = [
            ("", "database URL: must not be empty"),
            ("   ", "database URL: must not be empty"),
            ("sqlite://", "database URL: an SQLite URL needs a file path"),
            ("sqlite:", "database URL: an SQLite URL needs a file path"),
            (
                "sqlite://x.db?mode=rwc",
                "database URL: query parameters are not supported",
            ),
            (
                "mysql://root@localhost/x",
                "database URL: scheme \"mysql\" is not supported",
            ),
            ("postgres://", "database URL: a PostgreSQL URL needs a host"),
        ];
        for (input, expected) in cases {
            let message = DatabaseUrl::parse(input).unwrap_err().to_string();
            assert!(message.starts_with(expected), "{input:?}: {message}");
        }
    }

    #[test]
    fn display_and_debug_redact_passwords() {
        let url =
            DatabaseUrl::parse("postgres://nguon:p@ss/w0rd@db:5432/nguon?sslmode=disable").unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://nguon:***@db:5432/nguon?sslmode=disable"
        );
        let debug = format!("{url:?}");
        assert!(!debug.contains("w0rd"), "{debug}");
        assert!(debug.contains("nguon:***@db"), "{debug}");

        let in_query =
            DatabaseUrl::parse("postgres://db/nguon?user=a&Password=hunter2&x=1").unwrap();
        assert_eq!(
            in_query.to_string(),
            "postgres://db/nguon?user=a&Password=***&x=1"
        );
    }

    #[test]
    fn urls_without_a_password_are_shown_as_given() {
        for url in [
            "postgres://nobody@127.0.0.1:1/x",
            "postgresql://localhost/nguon",
        ] {
            assert_eq!(DatabaseUrl::parse(url).unwrap().to_string(), url);
        }
        assert_eq!(
            DatabaseUrl::parse("sqlite://nguon.db").unwrap().to_string(),
            "nguon.db"
        );
    }

    #[test]
    fn deserialises_from_a_string_and_reports_bad_ones() {
        let url: DatabaseUrl = serde_json::from_str("\"sqlite://a.db\"").unwrap();
        assert_eq!(url, sqlite("a.db"));
        let err = serde_json::from_str::<DatabaseUrl>("\"ftp://x\"").unwrap_err();
        assert!(
            err.to_string().contains("scheme \"ftp\" is not supported"),
            "{err}"
        );
    }
}
