//! A Postgres server of the test's own on 127.0.0.1: `initdb` into a temp
//! dir, `pg_ctl start` on a free port (its unix socket in the same dir),
//! restartable, stopped and removed on drop.
//!
//! Finds `initdb` and `pg_ctl` on `PATH` or in Debian's
//! `/usr/lib/postgresql/<version>/bin`. As root (CI), runs them as the
//! `postgres` user, since `initdb` refuses root. Without the binaries the
//! tests fail under CI (`CI` set) and are skipped, with the reason printed,
//! elsewhere.
#![allow(dead_code, reason = "each test uses a different subset")]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Says that a test is skipped, past the test harness's output capture.
pub(crate) fn skip(test: &str, reason: &str) {
    let _ = writeln!(std::io::stderr(), "skipping {test}: {reason}");
}

/// A server this test started; stopped (`immediate`) and its files removed
/// on drop.
pub(crate) struct Server {
    bin: PathBuf,
    /// `Some("postgres")` when the binaries must run as that user.
    user: Option<&'static str>,
    dir: PathBuf,
    port: u16,
    running: bool,
    /// `postgres://postgres@127.0.0.1:<port>/postgres`
    pub(crate) url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh server, or `None` (reason printed) when none can be had outside
/// CI. `fsync` off: the tests crash the server's processes, not the
/// machine, so what was written survives without it.
pub(crate) fn server() -> Option<Server> {
    start(false)
}

/// A server that syncs its commits to disk, as a production one does (for
/// measurements).
pub(crate) fn durable_server() -> Option<Server> {
    start(true)
}

fn start(durable: bool) -> Option<Server> {
    let test = std::thread::current()
        .name()
        .unwrap_or("a Postgres test")
        .to_owned();
    match try_start(durable) {
        Ok(server) => Some(server),
        Err(reason) if std::env::var_os("CI").is_some() => {
            panic!("CI must run the Postgres inbox tests, but no server starts: {reason}")
        }
        Err(reason) => {
            skip(
                &test,
                &format!("{reason}; install Debian's `postgresql` to run it"),
            );
            None
        }
    }
}

/// The directory holding `initdb` and `pg_ctl`: `PATH` first, then the
/// newest of Debian's versioned directories.
fn bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>());
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin"));
    let mut debian: Vec<PathBuf> = debian.collect();
    // Newest version first ("9" < "15" as numbers, not as text).
    debian.sort_by_key(|dir| {
        let version = dir
            .parent()
            .and_then(Path::file_name)
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok());
        std::cmp::Reverse(version)
    });
    on_path
        .chain(debian)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

fn try_start(durable: bool) -> Result<Server, String> {
    let bin = bin_dir().ok_or("no initdb and pg_ctl on PATH or in /usr/lib/postgresql")?;
    let user = is_root().then_some("postgres");
    // Ports found free may be taken before the server binds: try another.
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let dir =
            std::env::temp_dir().join(format!("webhook-kit-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("temp dir: {e}"))?;
        let mut server = Server {
            bin: bin.clone(),
            user,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            dir,
            port,
            running: false,
        };
        if let Some(user) = user {
            let chown = Command::new("chown")
                .arg(user)
                .arg(&server.dir)
                .output()
                .map_err(|e| format!("chown: {e}"))?;
            if !chown.status.success() {
                return Err(format!(
                    "cannot give the temp dir to the `{user}` user: {}",
                    String::from_utf8_lossy(&chown.stderr).trim()
                ));
            }
        }
        server.initdb(durable)?;
        match server.start() {
            Ok(()) => return Ok(server),
            // Most likely the port: the log says.
            Err(_) => continue,
        }
    }
    Err("postgres exited at start five times".into())
}

impl Server {
    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut command = match self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        };
        command.stdin(Stdio::null());
        command
    }

    fn run(&self, mut command: Command, what: &str) -> Result<Output, String> {
        let out = command.output().map_err(|e| format!("{what}: {e}"))?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(format!(
                "{what} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    fn initdb(&self, durable: bool) -> Result<(), String> {
        let mut initdb = self.command("initdb");
        initdb.arg("-D").arg(self.data()).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
        ]);
        if !durable {
            initdb.arg("--no-sync");
        }
        self.run(initdb, "initdb")?;
        let settings = format!(
            "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nfsync = {}\nmax_connections = 100\n",
            self.port,
            self.dir.display(),
            if durable { "on" } else { "off" },
        );
        let conf = self.data().join("postgresql.conf");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .map_err(|e| format!("{}: {e}", conf.display()))?;
        file.write_all(settings.as_bytes())
            .map_err(|e| format!("{}: {e}", conf.display()))
    }

    /// Starts the server and waits until it accepts connections.
    pub(crate) fn start(&mut self) -> Result<(), String> {
        let mut pg_ctl = self.command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60", "start"]);
        self.run(pg_ctl, "pg_ctl start")?;
        self.running = true;
        Ok(())
    }

    /// Stops the server at once, as a crash would (`-m immediate`: no
    /// checkpoint, recovery on the next start).
    pub(crate) fn kill(&mut self) {
        if !self.running {
            return;
        }
        let mut pg_ctl = self.command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = self.run(pg_ctl, "pg_ctl stop");
        self.running = false;
    }

    /// Crashes the server and starts it again on the same port and files.
    pub(crate) fn restart(&mut self) {
        self.kill();
        if let Err(reason) = self.start() {
            panic!("postgres restarts: {reason}");
        }
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The server's log, for a failing assertion's message.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}
