//! `RedisStore` against a real server: the shared idempotency suite, key
//! layout, TTLs and failures.
//!
//! Uses `REDIS_URL` when set; otherwise starts `redis-server` on a free
//! port of 127.0.0.1 for each test and stops it afterwards. Without a
//! `redis-server` binary the tests fail under CI (`CI` set) and are skipped
//! with a printed reason elsewhere.
#![cfg(feature = "redis")]

mod idempotency_suite;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use webhook_kit::dedup::{IdempotencyStore, RedisStore};

/// A `redis-server` this test started; killed on drop.
struct Server {
    child: Option<Child>,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A server to test against, or `None` (reason printed) when none can be
/// had outside CI.
fn server() -> Option<Server> {
    if let Ok(url) = std::env::var("REDIS_URL") {
        return Some(Server { child: None, url });
    }
    // A port found free may be taken before redis-server binds it: then the
    // server exits, and another port is tried.
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(err) if std::env::var_os("CI").is_some() => {
                panic!("CI must run the RedisStore tests, but redis-server cannot start: {err}")
            }
            Err(err) => {
                eprintln!(
                    "skipping: redis-server cannot start ({err}); install it or set REDIS_URL"
                );
                return None;
            }
        };
        let mut server = Server {
            child: Some(child),
            url: format!("redis://127.0.0.1:{port}/"),
        };
        if answers_ping(&mut server) {
            return Some(server);
        }
    }
    panic!("redis-server exited at start five times");
}

fn exited(server: &mut Server) -> bool {
    server
        .child
        .as_mut()
        .is_some_and(|child| child.try_wait().ok().flatten().is_some())
}

/// Waits (at most 10 s) until our server answers PING; `false` if it exited.
fn answers_ping(server: &mut Server) -> bool {
    let client = redis::Client::open(server.url.as_str()).expect("url");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if exited(server) {
            return false;
        }
        let pong = client
            .get_connection_with_timeout(Duration::from_millis(200))
            .and_then(|mut con| redis::cmd("PING").query::<String>(&mut con));
        match pong {
            // Still ours: not an exited server whose port someone else holds.
            Ok(reply) if reply == "PONG" => return !exited(server),
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(25)),
            result => panic!(
                "redis-server at {} does not answer PING: {result:?}",
                server.url
            ),
        }
    }
}

fn store() -> Option<(RedisStore, Server)> {
    let server = server()?;
    let store = RedisStore::open(&server.url).expect("a Redis URL");
    Some((store, server))
}

idempotency_suite!(store);

#[test]
fn one_key_per_event_with_the_ttl_in_milliseconds() {
    let Some((store, server)) = store() else {
        return;
    };
    let id = idempotency_suite::unique("evt");
    let ttl = Duration::from_secs(90);
    assert!(
        store
            .first_seen("clickfunnels", &id, ttl)
            .expect("reachable")
    );

    let mut con = redis::Client::open(server.url.as_str())
        .and_then(|c| c.get_connection())
        .expect("connection");
    let key = format!("webhook-kit:clickfunnels:{id}");
    assert_eq!(store.key("clickfunnels", &id), key);
    let value: String = redis::cmd("GET").arg(&key).query(&mut con).expect("GET");
    assert_eq!(value, "1");
    let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut con).expect("PTTL");
    assert!((80_000..=90_000).contains(&pttl), "PTTL {pttl}");

    // A duplicate leaves the original expiry alone (NX).
    assert!(
        !store
            .first_seen("clickfunnels", &id, ttl * 100)
            .expect("reachable")
    );
    let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut con).expect("PTTL");
    assert!(pttl <= 90_000, "PTTL {pttl}");
}

#[test]
fn prefixes_separate_stores_on_one_server() {
    let Some((store, server)) = store() else {
        return;
    };
    let other = RedisStore::open(&server.url)
        .expect("url")
        .with_prefix("other-app");
    let id = idempotency_suite::unique("evt");
    let ttl = Duration::from_secs(60);
    assert!(store.first_seen("falu", &id, ttl).expect("reachable"));
    assert!(other.first_seen("falu", &id, ttl).expect("reachable"));
    assert!(!other.first_seen("falu", &id, ttl).expect("reachable"));
    assert!(other.key("falu", &id).starts_with("other-app:falu:"));
}

#[test]
fn extreme_ttls_are_accepted() {
    let Some((store, _server)) = store() else {
        return;
    };
    let id = idempotency_suite::unique("evt");
    assert!(
        store
            .first_seen("p", &id, Duration::MAX)
            .expect("huge TTL clamped")
    );
    assert!(
        !store
            .first_seen("p", &id, Duration::MAX)
            .expect("reachable")
    );
    let id = idempotency_suite::unique("evt");
    assert!(
        store
            .first_seen("p", &id, Duration::ZERO)
            .expect("zero TTL taken as 1 ms")
    );
}

#[test]
fn forget_lets_the_retry_through() {
    let Some((store, _server)) = store() else {
        return;
    };
    let id = idempotency_suite::unique("evt");
    let ttl = Duration::from_secs(60);
    assert!(store.first_seen("funnel", &id, ttl).expect("reachable"));
    assert!(store.forget("funnel", &id).expect("reachable"));
    assert!(!store.forget("funnel", &id).expect("reachable"));
    assert!(store.first_seen("funnel", &id, ttl).expect("reachable"));
}

#[test]
fn a_server_that_goes_away_is_an_error_then_a_reconnect() {
    if std::env::var_os("REDIS_URL").is_some() {
        eprintln!("skipping: needs a server of its own, not REDIS_URL");
        return;
    }
    let Some((store, mut server)) = store() else {
        return;
    };
    let store = store.with_timeout(Duration::from_secs(1));
    assert!(
        store
            .first_seen("p", "a", Duration::from_secs(60))
            .expect("reachable")
    );
    if let Some(child) = &mut server.child {
        child.kill().expect("kill");
        child.wait().expect("wait");
    }
    let started = Instant::now();
    let err = store
        .first_seen("p", "b", Duration::from_secs(60))
        .expect_err("server is gone");
    assert!(started.elapsed() < Duration::from_secs(5), "{err}");
    // The dead connection was dropped: the next check connects afresh and
    // fails the same way, without hanging.
    assert!(store.first_seen("p", "b", Duration::from_secs(60)).is_err());
}

#[test]
fn debug_hides_the_connection_details() {
    let store = RedisStore::open("redis://:hunter2@127.0.0.1:1/").expect("url");
    let shown = format!("{store:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("webhook-kit"), "{shown}");
}
