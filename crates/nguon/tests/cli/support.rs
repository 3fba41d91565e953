//! Spawning the binary and talking to it over real TCP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a start or a shutdown may take before the test gives up.
const PATIENCE: Duration = Duration::from_secs(30);

/// The binary under test, in `dir`, with configuration from the caller's environment removed so
/// only the test's own flags, files and variables count.
pub fn nguon(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nguon"));
    command.current_dir(dir).env("RUST_LOG", "info");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("NGUON_") {
            command.env_remove(name);
        }
    }
    command
}

/// A running `nguon serve`, killed on drop if a test fails before stopping it.
pub struct Server {
    child: Child,
    lines: Receiver<String>,
    /// The address it reported in its "listening on" log line.
    pub address: SocketAddr,
}

impl Server {
    /// Starts `nguon <args>` and waits for its "listening on http://ADDR" line on stdout.
    pub fn start(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nguon");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (send, lines) = mpsc::channel();
        // A reader thread keeps draining stdout, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(address) = listening_address(&line) {
                        return Self {
                            child,
                            lines,
                            address,
                        };
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("nguon did not report its address in time")
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = child.wait().expect("wait for nguon");
                    let mut stderr = String::new();
                    if let Some(mut pipe) = child.stderr.take() {
                        pipe.read_to_string(&mut stderr).ok();
                    }
                    panic!("nguon exited before listening ({status}): {stderr}");
                }
            }
        }
    }

    /// `GET path` over a fresh connection: the status code and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(self.address).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("read reply");
        let status = reply
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP reply: {reply:?}"));
        let body = reply
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// Sends SIGTERM and waits for the exit; returns the status, the rest of stdout and stderr.
    pub fn terminate(mut self) -> (ExitStatus, Vec<String>, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll nguon") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "nguon did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let rest = self.lines.iter().collect();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).ok();
        }
        (status, rest, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

/// The address in a "listening on http://ADDR" log line.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once("listening on http://")?;
    rest.split(|c: char| c.is_whitespace() || c == '"')
        .next()?
        .parse()
        .ok()
}

/// Runs `nguon <args>` to completion: exit status, stdout, stderr.
pub fn run(mut command: Command) -> (ExitStatus, String, String) {
    let output = command.output().expect("run nguon");
    (
        output.status,
        String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    )
}

/// Whether an SQLite file is in WAL mode: bytes 18 and 19 of its header (file format write and
/// read versions) are both 2 in WAL mode, 1 in rollback-journal mode.
pub fn is_wal(path: &Path) -> bool {
    let header = std::fs::read(path).expect("read database file");
    header.len() >= 100 && header[18] == 2 && header[19] == 2
}
