//! A real SMTP server on loopback for the tests: Python's aiosmtpd with a Maildir handler,
//! installed into the target folder on first use when the machine does not have it.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The PYTHONPATH that makes `aiosmtpd` importable (empty when it already is).
fn python_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let importable = |pp: &str| {
            Command::new("python3").args(["-c", "import aiosmtpd"]).env("PYTHONPATH", pp).status().is_ok_and(|s| s.success())
        };
        if importable("") {
            return String::new();
        }
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-aiosmtpd");
        let dir_text = dir.to_string_lossy().into_owned();
        if !importable(&dir_text) {
            let status = Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--target",
                    &dir_text,
                    "aiosmtpd==1.4.6",
                ])
                .status()
                .expect("python3 runs");
            assert!(status.success(), "could not install aiosmtpd for the SMTP tests");
        }
        dir_text
    })
}

/// A running aiosmtpd; killed on drop.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::with_handler(&["aiosmtpd.handlers.Mailbox"], &[])
    }

    /// A server that answers the first `failures` messages with `code` (451 or 550), then
    /// stores the rest (tests/it/support/flaky_smtp.py).
    pub fn flaky(failures: u32, code: u16) -> Self {
        Self::with_handler(&["flaky_smtp.Flaky"], &[failures.to_string(), code.to_string()])
    }

    /// A server that accepts connections but refuses NOOP (tests/it/support/flaky_smtp.py).
    pub fn refusing_noop() -> Self {
        Self::with_handler(&["flaky_smtp.NoNoop"], &[])
    }

    /// A server that speaks TLS with `cert`/`key`: STARTTLS required (`implicit` false) or TLS
    /// from the first byte (`implicit` true).
    pub fn tls(cert: &Path, key: &Path, implicit: bool) -> Self {
        let flags = if implicit { ["--smtpscert", "--smtpskey"] } else { ["--tlscert", "--tlskey"] };
        let mut args = vec!["aiosmtpd.handlers.Mailbox"];
        let cert = cert.to_str().unwrap();
        let key = key.to_str().unwrap();
        args.splice(0..0, [flags[0], cert, flags[1], key, "-c"]);
        Self::start_with(&args, &[])
    }

    fn with_handler(handler: &[&str], extra: &[String]) -> Self {
        let mut args = vec!["-c"];
        args.extend_from_slice(handler);
        Self::start_with(&args, extra)
    }

    /// Starts aiosmtpd with `args` (ending with the handler), the Maildir, then `extra`.
    fn start_with(args: &[&str], extra: &[String]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let maildir = dir.path().join("Maildir");
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(args)
            .arg(&maildir)
            .args(extra)
            .env(
                "PYTHONPATH",
                format!("{}:{}", python_path(), Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support").display()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port, maildir, _dir: dir }
    }

    /// Every message the server accepted, as raw RFC 822 bytes.
    pub fn received(&self) -> Vec<Vec<u8>> {
        let new = self.maildir.join("new");
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&new).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
        files.sort();
        files.iter().map(|p| std::fs::read(p).expect("message readable")).collect()
    }

    pub fn maildir(&self) -> &Path {
        &self.maildir
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
