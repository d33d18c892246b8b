//! A `redis-server` of the test's own on 127.0.0.1, which a test can
//! restart, and a proxy in front of it that can drop a connection between a
//! command and its reply.
//!
//! Uses `REDIS_URL` when set (then nothing can be restarted); otherwise
//! starts `redis-server` on a free port. Without a `redis-server` binary
//! the tests fail under CI (`CI` set) and are skipped, with the reason
//! printed, elsewhere.
#![allow(dead_code, reason = "each test uses a different subset")]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Says that a test is skipped, past the test harness's output capture
/// (which would swallow an `eprintln!` of a passing test), so that a run
/// without Redis never looks like one that tested it.
pub(crate) fn skip(test: &str, reason: &str) {
    let _ = writeln!(std::io::stderr(), "skipping {test}: {reason}");
}

/// The name of the running test.
fn current_test() -> String {
    std::thread::current()
        .name()
        .unwrap_or("a Redis test")
        .to_owned()
}

/// A `redis-server` this test started; killed (and its files removed) on
/// drop.
pub(crate) struct Server {
    child: Option<Child>,
    pub(crate) url: String,
    port: u16,
    /// Where an append-only file keeps the data across restarts.
    dir: Option<PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A server without persistence, or `None` (reason printed) when none can
/// be had outside CI.
pub(crate) fn server() -> Option<Server> {
    start(false)
}

/// A server whose every write reaches its append-only file before the
/// reply (`appendfsync always`), so that a restart, even after `SIGKILL`,
/// keeps every acknowledged write. `None` with `REDIS_URL` (reason
/// printed): a shared server cannot be restarted.
pub(crate) fn persistent_server() -> Option<Server> {
    if std::env::var_os("REDIS_URL").is_some() {
        skip(&current_test(), "needs a server of its own, not REDIS_URL");
        return None;
    }
    start(true)
}

/// A server without persistence that this test alone uses, for tests that
/// sabotage it (`kill_clients`). `None` with `REDIS_URL` (reason printed):
/// on a shared server, killing clients cuts the other tests' connections.
pub(crate) fn own_server() -> Option<Server> {
    if std::env::var_os("REDIS_URL").is_some() {
        skip(
            &current_test(),
            "kills client connections: needs a server of its own, not REDIS_URL",
        );
        return None;
    }
    start(false)
}

fn start(persistent: bool) -> Option<Server> {
    if let Ok(url) = std::env::var("REDIS_URL") {
        return Some(Server {
            child: None,
            url,
            port: 0,
            dir: None,
        });
    }
    // A port found free may be taken before redis-server binds it: then the
    // server exits, and another port is tried.
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = persistent.then(|| {
            let dir = std::env::temp_dir()
                .join(format!("webhook-kit-redis-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("a temp dir");
            dir
        });
        let mut server = Server {
            child: None,
            url: format!("redis://127.0.0.1:{port}/"),
            port,
            dir,
        };
        match server.spawn() {
            Ok(()) => {}
            Err(err) if std::env::var_os("CI").is_some() => {
                panic!("CI must run the Redis store tests, but redis-server cannot start: {err}")
            }
            Err(err) => {
                skip(
                    &current_test(),
                    &format!("redis-server cannot start ({err}); install it or set REDIS_URL"),
                );
                return None;
            }
        }
        if server.answers_ping() {
            return Some(server);
        }
    }
    panic!("redis-server exited at start five times");
}

impl Server {
    fn spawn(&mut self) -> std::io::Result<()> {
        let mut command = Command::new("redis-server");
        command.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"]);
        command.args(["--save", ""]);
        match &self.dir {
            Some(dir) => {
                command.args(["--appendonly", "yes", "--appendfsync", "always", "--dir"]);
                command.arg(dir);
            }
            None => {
                command.args(["--appendonly", "no"]);
            }
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        Ok(())
    }

    /// Kills the server (`SIGKILL`: no chance to save anything more).
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts it again on the same port and files;
    /// returns once it answers.
    pub(crate) fn restart(&mut self) {
        assert!(self.dir.is_some(), "only a persistent server restarts");
        self.stop();
        self.spawn().expect("redis-server restarts");
        assert!(self.answers_ping(), "redis-server came back");
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// A connection of the test's own, for inspecting and sabotaging.
    pub(crate) fn admin(&self) -> redis::Connection {
        redis::Client::open(self.url.as_str())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(5)))
            .expect("an admin connection")
    }

    /// Closes every client connection but the admin's, as `CLIENT KILL`
    /// does when an operator or a proxy drops them.
    pub(crate) fn kill_clients(&self) -> u64 {
        assert!(
            self.child.is_some(),
            "kill_clients on a shared server (REDIS_URL) would cut other tests' connections"
        );
        let mut admin = self.admin();
        redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("normal")
            .arg("SKIPME")
            .arg("yes")
            .query(&mut admin)
            .expect("CLIENT KILL")
    }

    fn exited(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| child.try_wait().ok().flatten().is_some())
    }

    /// Waits (at most 10 s) until our server answers PING; `false` if it
    /// exited.
    fn answers_ping(&mut self) -> bool {
        let client = redis::Client::open(self.url.as_str()).expect("url");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if self.exited() {
                return false;
            }
            let pong = client
                .get_connection_with_timeout(Duration::from_millis(200))
                .and_then(|mut con| redis::cmd("PING").query::<String>(&mut con));
            match pong {
                // Still ours: not an exited server whose port someone else holds.
                Ok(reply) if reply == "PONG" => return !self.exited(),
                // Loading the append-only file, or not listening yet.
                _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(25)),
                result => panic!(
                    "redis-server at {} does not answer PING: {result:?}",
                    self.url
                ),
            }
        }
    }
}

/// A TCP proxy on 127.0.0.1 in front of a server. Each connection through
/// it forwards both ways until told to drop replies: then the next reply
/// the server sends is thrown away and both sides of that connection are
/// closed, so the command ran but its sender never learns the answer.
pub(crate) struct Proxy {
    pub(crate) url: String,
    drop_replies: Arc<AtomicUsize>,
}

impl Proxy {
    /// Starts forwarding to `port`. The accepting thread lives as long as
    /// the test process.
    pub(crate) fn to(port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a proxy port");
        let url = format!(
            "redis://127.0.0.1:{}/",
            listener.local_addr().expect("address").port()
        );
        let drop_replies = Arc::new(AtomicUsize::new(0));
        let drops = Arc::clone(&drop_replies);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(("127.0.0.1", port)) else {
                    continue;
                };
                forward(client, server, Arc::clone(&drops));
            }
        });
        Proxy { url, drop_replies }
    }

    /// Drops the next `n` replies, each with its connection.
    pub(crate) fn drop_replies(&self, n: usize) {
        self.drop_replies.store(n, Ordering::SeqCst);
    }

    /// Replies still to drop.
    pub(crate) fn pending_drops(&self) -> usize {
        self.drop_replies.load(Ordering::SeqCst)
    }
}

fn forward(client: TcpStream, server: TcpStream, drops: Arc<AtomicUsize>) {
    let (mut client_in, mut server_out) = (
        client.try_clone().expect("clone"),
        server.try_clone().expect("clone"),
    );
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(Shutdown::Both);
    });
    std::thread::spawn(move || {
        let (mut server_in, mut client_out) = (server, client);
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match server_in.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let dropping = drops
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    left.checked_sub(1)
                })
                .is_ok();
            if dropping || client_out.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = client_out.shutdown(Shutdown::Both);
        let _ = server_in.shutdown(Shutdown::Both);
    });
}
