//! Logging as text or JSON lines. Level filtering follows `RUST_LOG` (default `info`).
//!
//! A service (`serve`, `demo`) and `migrate`, whose log is all they say, log to stdout, the
//! usual place a service manager or a log collector reads, and keep stderr for the one-line
//! fatal error, so a failed start shows exactly one line there. Every other command's stdout is its answer (a key, an id, JSON), which
//! scripts read, so its log lines (a PostgreSQL notice during migration, a warning) go to stderr.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::BoxMakeWriter;

use crate::config::LogFormat;

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// Standard output: a service's log.
    Stdout,
    /// Standard error: beside a command's answer on stdout.
    Stderr,
}

/// Installs the global subscriber. Call once, before anything logs.
pub fn init(format: LogFormat, destination: Destination) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, terminal) = match destination {
        Destination::Stdout => (
            BoxMakeWriter::new(std::io::stdout),
            std::io::stdout().is_terminal(),
        ),
        Destination::Stderr => (
            BoxMakeWriter::new(std::io::stderr),
            std::io::stderr().is_terminal(),
        ),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        // Colour codes only on a terminal: they garble files and log collectors.
        .with_ansi(terminal);
    match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    }
    .map_err(|error| anyhow::anyhow!("cannot start logging: {error}"))
}
