//! `nguon epcis-hash [FILE|-]`: the CBV 2.0 event hash of every event in an EPCIS document.

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use nguon_epcis::hash::{Format, event_hashes};

/// Arguments of `nguon epcis-hash`.
#[derive(Debug, clap::Args)]
pub struct EpcisHashArgs {
    /// An EPCIS 2.0 JSON-LD or EPCIS 2.0 / 1.2 XML document (capture or query result); `-` or
    /// nothing reads standard input. XML is recognised by a first character `<`.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Print each event's canonical pre-hash string after its hash, separated by a tab.
    #[arg(long)]
    pub prehash: bool,
}

/// Runs the command: one line per event on stdout and exit code 0, or the reason on stderr and
/// exit code 2.
pub fn run(args: &EpcisHashArgs) -> ExitCode {
    let (source, document) = match read(args.file.as_ref()) {
        Ok(read) => read,
        Err(reason) => {
            eprintln!("error: {reason}");
            return ExitCode::from(2);
        }
    };
    match event_hashes(&document, Format::detect(&document)) {
        Ok(hashes) => {
            let mut out = String::new();
            for event in hashes {
                out.push_str(&event.hash);
                if args.prehash {
                    out.push('\t');
                    out.push_str(&event.pre_hash);
                }
                out.push('\n');
            }
            // A closed pipe (e.g. `| head`) is not an error worth reporting.
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("error: {source}: {reason}");
            ExitCode::from(2)
        }
    }
}

/// The document text and a name for it in messages.
fn read(file: Option<&PathBuf>) -> Result<(String, String), String> {
    let (source, bytes) = match file.filter(|path| path.as_os_str() != "-") {
        Some(path) => (
            path.display().to_string(),
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        ),
        None => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            ("standard input".to_owned(), bytes)
        }
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{source}: the document is not UTF-8 text"))?;
    Ok((source, text))
}
