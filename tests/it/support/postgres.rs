//! A real PostgreSQL server for one test: Debian's binaries (`/usr/lib/postgresql/<v>/bin`),
//! `initdb` into a temporary folder as an unprivileged user (`nobody` when the tests run as
//! root), listening on its own loopback port with password (SCRAM) authentication; stopped and
//! removed on drop. Each test gets its own server, so tests may run in parallel.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub const USER: &str = "tierwise";
/// Given to tierwise through the environment only; a test checks it never appears in output.
pub const PASSWORD: &str = "pg-test-secret-7d1f";
pub const PASSWORD_VAR: &str = "TIERWISE_TEST_PG_PASSWORD";

pub struct Postgres {
    pub port: u16,
    bin: PathBuf,
    data: PathBuf,
    uid: Option<u32>,
    _dir: tempfile::TempDir,
}

/// The newest installed PostgreSQL's bin folder.
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL binaries in /usr/lib/postgresql (apt-get install postgresql)")
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .collect();
    found.sort();
    found.pop().expect("an initdb under /usr/lib/postgresql/<version>/bin").1
}

impl Postgres {
    pub fn start() -> Self {
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("temp dir");
        let root = running_as_root();
        let uid = root.then_some(65534); // nobody: PostgreSQL refuses to run as root
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if let Some(uid) = uid {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            std::os::unix::fs::chown(&pwfile, Some(uid), None).unwrap();
            std::fs::create_dir(&data).unwrap();
            std::os::unix::fs::chown(&data, Some(uid), Some(65534)).unwrap();
        }
        let run = |cmd: &mut Command| {
            if let Some(uid) = uid {
                cmd.uid(uid).gid(65534);
            }
            let out = cmd.env("LC_ALL", "C").output().expect("PostgreSQL binary runs");
            assert!(
                out.status.success(),
                "{cmd:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(Command::new(bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", USER, "--auth=scram-sha-256", "--no-sync", "-E", "UTF8"])
            .arg(format!("--pwfile={}", pwfile.display())));
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let options = format!("-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off");
        run(Command::new(bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(data.join("server.log"))
            .args(["-w", "-t", "60", "start"]));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "PostgreSQL did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        let server = Self { port, bin, data, uid, _dir: dir };
        server.psql("CREATE DATABASE ledger");
        server
    }

    /// The `state_url` for tierwise (no password: it comes from [`PASSWORD_VAR`]).
    pub fn url(&self) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/ledger", self.port)
    }

    /// Runs SQL with psql in database `db`; its output.
    fn psql_in(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER, "-d", db, "-At", "-c", sql])
            .env("PGPASSWORD", PASSWORD)
            .output()
            .expect("psql runs");
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn psql(&self, sql: &str) -> String {
        self.psql_in("postgres", sql)
    }

    /// Runs SQL in the ledger database.
    pub fn ledger(&self, sql: &str) -> String {
        self.psql_in("ledger", sql)
    }
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut cmd = Command::new(self.bin.join("pg_ctl"));
        cmd.arg("-D").arg(&self.data).args(["-m", "immediate", "-w", "stop"]);
        if let Some(uid) = self.uid {
            cmd.uid(uid).gid(65534);
        }
        let _ = cmd.output();
    }
}
