//! The Redis stores against a real server: the shared idempotency suite
//! (sync `RedisStore`, and `AsyncRedisStore` with the `redis-async`
//! feature), key layout, TTLs, and faults: a restart between claim and
//! complete, a killed connection, a reply lost mid-command; ids of any
//! length keyed within a bound.
//!
//! Uses `REDIS_URL` when set; otherwise starts `redis-server` on a free
//! port of 127.0.0.1 for each test and stops it afterwards. Under
//! `REDIS_URL` the tests that restart the server or kill its clients are
//! skipped: they would cut the other tests' connections. Without a
//! `redis-server` binary the tests fail under CI (`CI` set) and are skipped
//! with a printed reason elsewhere.
#![cfg(feature = "redis")]

mod idempotency_suite;
mod redis_server;

use std::convert::Infallible;
use std::fmt::Debug;
use std::time::{Duration, Instant};

use idempotency_suite::{Blocking, unique};
use redis_server::{Proxy, Server, own_server, persistent_server, server};
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::dedup::{
    Claim, ExactlyOnce, Handled, IdempotencyStore, MAX_ID_LEN, RedisStore, Settled,
};

fn store() -> Option<(RedisStore, Server)> {
    let server = server()?;
    let store = RedisStore::open(&server.url).expect("a Redis URL");
    Some((store, server))
}

/// A store on a server of the test's own, for tests that kill clients.
fn own_store() -> Option<(RedisStore, Server)> {
    let server = own_server()?;
    let store = RedisStore::open(&server.url).expect("a Redis URL");
    Some((store, server))
}

fn blocking() -> Option<(Blocking<RedisStore>, Server)> {
    store().map(|(store, server)| (Blocking(store), server))
}

idempotency_suite!(redis_sync, blocking);

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
        redis_server::skip("a fault test", "needs a server of its own, not REDIS_URL");
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
    server.stop();
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
fn huge_ids_are_keyed_by_their_digest_on_the_server() {
    let Some((store, server)) = store() else {
        return;
    };
    let prefix = unique("bounded");
    let store = store.with_prefix(prefix.as_str());
    let lease = Duration::from_secs(30);
    let ttl = Duration::from_secs(60);
    // One captured delivery replayed under 50 ids of 64 KiB each.
    let ids: Vec<String> = (0..50)
        .map(|i| format!("{i:04}{}", "x".repeat(64 * 1024)))
        .collect();
    for id in &ids {
        let Claim::Claimed(token) = store.claim("github", id, lease).expect("reachable") else {
            panic!("a new id is claimed")
        };
        assert_eq!(
            store.complete(&token, ttl).expect("reachable"),
            Settled::Applied
        );
        assert_eq!(
            store.claim("github", id, lease).expect("reachable"),
            Claim::Done
        );
        assert!(!store.first_seen("github", id, ttl).expect("reachable"));
    }
    let mut admin = server.admin();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query(&mut admin)
        .expect("KEYS");
    assert_eq!(keys.len(), ids.len(), "one key per id");
    let longest = format!("{prefix}:github:#").len() + 64;
    let expected: std::collections::HashSet<String> =
        ids.iter().map(|id| store.key("github", id)).collect();
    for key in &keys {
        assert!(key.len() <= longest, "{} bytes", key.len());
        assert!(expected.contains(key), "{key}");
    }
    // An id at the limit is kept as it is.
    let at_limit = "y".repeat(MAX_ID_LEN);
    assert!(
        store
            .first_seen("github", &at_limit, ttl)
            .expect("reachable")
    );
    let exists: u8 = redis::cmd("EXISTS")
        .arg(format!("{prefix}:github:{at_limit}"))
        .query(&mut admin)
        .expect("EXISTS");
    assert_eq!(exists, 1);
}

#[test]
fn debug_hides_the_connection_details() {
    let store = RedisStore::open("redis://:hunter2@127.0.0.1:1/").expect("url");
    let shown = format!("{store:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("webhook-kit"), "{shown}");
}

#[test]
fn a_claim_is_one_key_holding_its_token_for_the_lease() {
    let Some((store, server)) = store() else {
        return;
    };
    let id = unique("evt");
    let key = store.key("standard", &id);
    let Claim::Claimed(token) = store
        .claim("standard", &id, Duration::from_secs(30))
        .expect("reachable")
    else {
        panic!("first claim")
    };
    let mut admin = server.admin();
    let value: String = redis::cmd("GET").arg(&key).query(&mut admin).expect("GET");
    assert_eq!(value, format!("c:{}", token.as_str()));
    let pttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query(&mut admin)
        .expect("PTTL");
    assert!((20_000..=30_000).contains(&pttl), "PTTL {pttl}");

    let ttl = Duration::from_secs(90);
    assert_eq!(
        store.complete(&token, ttl).expect("reachable"),
        Settled::Applied
    );
    let value: String = redis::cmd("GET").arg(&key).query(&mut admin).expect("GET");
    assert_eq!(value, format!("d:{}", token.as_str()));
    let pttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query(&mut admin)
        .expect("PTTL");
    assert!((80_000..=90_000).contains(&pttl), "PTTL {pttl}");
}

#[test]
fn a_record_of_first_seen_counts_as_done_for_claims() {
    let Some((store, _server)) = store() else {
        return;
    };
    let id = unique("evt");
    assert!(
        store
            .first_seen("falu", &id, Duration::from_secs(60))
            .expect("reachable")
    );
    assert_eq!(
        store
            .claim("falu", &id, Duration::from_secs(5))
            .expect("reachable"),
        Claim::Done
    );
}

/// What a sender does: deliver until the reply acknowledges, waiting a
/// little between attempts (at most 400 attempts); the statuses it got.
fn deliver_until_acked<E: Debug, SE: Debug>(
    mut attempt: impl FnMut() -> Handled<E, SE>,
) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..400 {
        let handled = attempt();
        let acked = handled.is_acknowledged();
        assert!(
            !matches!(handled, Handled::Unrecorded { .. } | Handled::Failed(_)),
            "{handled:?}"
        );
        statuses.push(handled.into_response().status().as_u16());
        if acked {
            return statuses;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("never acknowledged: {statuses:?}");
}

const SHORT_LEASE: Duration = Duration::from_millis(500);

#[test]
fn a_restart_between_claim_and_complete_loses_nothing_and_processes_once() {
    let Some(mut server) = persistent_server() else {
        return;
    };
    let store = RedisStore::open(&server.url).expect("url");
    let receiver = ClickFunnels::new("s").expect("a usable secret");
    let once = ExactlyOnce::new(&receiver, &store, "clickfunnels").with_lease(SHORT_LEASE);
    let id = unique("restart");
    let mut processed = 0;
    let statuses = deliver_until_acked(|| {
        once.run(&id, || {
            processed += 1;
            if processed == 1 {
                // The claim is on disk; the server dies and comes back
                // before the handler completes.
                server.restart();
            }
            Ok::<(), Infallible>(())
        })
    });
    assert_eq!(statuses, [200]);
    assert_eq!(processed, 1);
    // The sender's later redeliveries are duplicates.
    let again = once.run(&id, || Ok::<(), Infallible>(()));
    assert!(matches!(again, Handled::Duplicate { .. }), "{again:?}");
}

#[test]
fn a_crashed_claim_survives_a_restart_then_runs_out() {
    let Some(mut server) = persistent_server() else {
        return;
    };
    let store = RedisStore::open(&server.url).expect("url");
    let receiver = ClickFunnels::new("s").expect("a usable secret");
    let once = ExactlyOnce::new(&receiver, &store, "clickfunnels");
    let id = unique("crash");
    // The first delivery claims, then its process dies.
    let Claim::Claimed(_) = store
        .claim("clickfunnels", &id, Duration::from_secs(3600))
        .expect("reachable")
    else {
        panic!("first claim")
    };
    server.restart();
    let mut processed = 0;
    let busy = once.run(&id, || {
        processed += 1;
        Ok::<(), Infallible>(())
    });
    assert!(matches!(busy, Handled::InProgress { .. }), "{busy:?}");
    assert_eq!(busy.into_response().status(), 429);
    // Time passes: the lease ends (shortened here rather than waited for).
    let mut admin = server.admin();
    let key = store.key("clickfunnels", &id);
    let _: bool = redis::cmd("PEXPIRE")
        .arg(&key)
        .arg(1)
        .query(&mut admin)
        .expect("PEXPIRE");
    let statuses = deliver_until_acked(|| {
        once.run(&id, || {
            processed += 1;
            Ok::<(), Infallible>(())
        })
    });
    assert_eq!(statuses.last(), Some(&200));
    assert_eq!(processed, 1);
}

#[test]
fn a_connection_killed_between_claim_and_complete_is_replaced() {
    let Some((store, server)) = own_store() else {
        return;
    };
    let receiver = ClickFunnels::new("s").expect("a usable secret");
    let once = ExactlyOnce::new(&receiver, &store, "clickfunnels").with_lease(SHORT_LEASE);
    let id = unique("killed");
    let mut processed = 0;
    let statuses = deliver_until_acked(|| {
        once.run(&id, || {
            processed += 1;
            assert!(
                server.kill_clients() >= 1,
                "the store's connection was open"
            );
            Ok::<(), Infallible>(())
        })
    });
    assert_eq!(statuses, [200]);
    assert_eq!(processed, 1);
    assert_eq!(
        store
            .claim("clickfunnels", &id, SHORT_LEASE)
            .expect("reachable"),
        Claim::Done
    );
}

/// A store behind a proxy, with one connection open and every script
/// loaded, so that a dropped reply is the answer to a step that ran (not
/// to a `NOSCRIPT` that ran nothing).
fn behind_proxy() -> Option<(RedisStore, Proxy, Server)> {
    let server = server()?;
    if server.port() == 0 {
        redis_server::skip("a fault test", "needs a server of its own, not REDIS_URL");
        return None;
    }
    let proxy = Proxy::to(server.port());
    let store = RedisStore::open(&proxy.url).expect("url");
    warm_up(&Blocking(&store));
    Some((store, proxy, server))
}

fn warm_up(store: &impl idempotency_suite::Steps) {
    for settle in [true, false] {
        let Claim::Claimed(token) = store.claim("warm-up", &unique("w"), SHORT_LEASE) else {
            panic!("a fresh id is claimed")
        };
        let settled = if settle {
            store.complete(&token, SHORT_LEASE)
        } else {
            store.release(&token)
        };
        assert_eq!(settled, Settled::Applied);
    }
}

#[test]
fn a_claim_whose_reply_is_lost_is_sent_again_and_still_holds() {
    let Some((store, proxy, _server)) = behind_proxy() else {
        return;
    };
    let receiver = ClickFunnels::new("s").expect("a usable secret");
    let once = ExactlyOnce::new(&receiver, &store, "clickfunnels").with_lease(SHORT_LEASE);
    let id = unique("lost");
    let mut processed = 0;
    proxy.drop_replies(1);
    let statuses = deliver_until_acked(|| {
        once.run(&id, || {
            processed += 1;
            Ok::<(), Infallible>(())
        })
    });
    assert_eq!(proxy.pending_drops(), 0, "the claim's reply was dropped");
    assert_eq!(statuses, [200]);
    assert_eq!(processed, 1);
}

#[test]
fn a_completion_whose_reply_is_lost_is_sent_again_and_applies_once() {
    let Some((store, proxy, _server)) = behind_proxy() else {
        return;
    };
    let receiver = ClickFunnels::new("s").expect("a usable secret");
    let once = ExactlyOnce::new(&receiver, &store, "clickfunnels").with_lease(SHORT_LEASE);
    let id = unique("lost");
    let mut processed = 0;
    let handled = once.run(&id, || {
        processed += 1;
        proxy.drop_replies(1);
        Ok::<(), Infallible>(())
    });
    assert_eq!(
        proxy.pending_drops(),
        0,
        "the completion's reply was dropped"
    );
    assert!(
        matches!(
            handled,
            Handled::Processed {
                settled: Settled::Applied,
                ..
            }
        ),
        "{handled:?}"
    );
    assert_eq!(processed, 1);
    assert_eq!(
        store
            .claim("clickfunnels", &id, SHORT_LEASE)
            .expect("reachable"),
        Claim::Done
    );
}

#[test]
fn a_claim_lost_twice_is_retried_by_the_sender_and_processed_once() {
    let Some((store, proxy, _server)) = behind_proxy() else {
        return;
    };
    let receiver = ClickFunnels::new("s").expect("a usable secret");
    let once = ExactlyOnce::new(&receiver, &store, "clickfunnels").with_lease(SHORT_LEASE);
    let id = unique("lost");
    let mut processed = 0;
    proxy.drop_replies(2);
    let statuses = deliver_until_acked(|| {
        once.run(&id, || {
            processed += 1;
            Ok::<(), Infallible>(())
        })
    });
    // The store gave up: 503, and the sender came back (finding the
    // orphaned claim in progress until its lease ended, or no claim).
    assert_eq!(statuses.first(), Some(&503), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
    assert!(
        statuses[1..statuses.len() - 1].iter().all(|&s| s == 429),
        "{statuses:?}"
    );
    assert_eq!(processed, 1);
}

#[cfg(feature = "redis-async")]
mod on_tokio {
    use super::*;
    use idempotency_suite::OnRuntime;
    use webhook_kit::dedup::{AsyncIdempotencyStore, AsyncRedisStore};

    fn connect(url: &str) -> OnRuntime<AsyncRedisStore> {
        let runtime = idempotency_suite::runtime();
        let store = runtime
            .block_on(AsyncRedisStore::connect(url))
            .expect("connects");
        OnRuntime::new(store, runtime)
    }

    fn async_store() -> Option<(OnRuntime<AsyncRedisStore>, Server)> {
        let server = server()?;
        Some((connect(&server.url), server))
    }

    /// On a server of the test's own, for tests that kill clients.
    fn own_async_store() -> Option<(OnRuntime<AsyncRedisStore>, Server)> {
        let server = own_server()?;
        Some((connect(&server.url), server))
    }

    idempotency_suite!(redis_async, async_store);

    /// How many times the server was sent `EVALSHA`: `calls` counts the
    /// runs, failed ones included; `rejected_calls` those refused before
    /// running (an unknown script).
    fn script_runs(admin: &mut redis::Connection) -> u64 {
        let info: redis::InfoDict = redis::cmd("INFO")
            .arg("commandstats")
            .query(admin)
            .expect("INFO");
        let stats: String = info.get("cmdstat_evalsha").unwrap_or_default();
        stats
            .split(',')
            .filter_map(|field| field.split_once('='))
            .filter(|(name, _)| ["calls", "rejected_calls"].contains(name))
            .map(|(_, count)| count.parse::<u64>().expect("a count"))
            .sum()
    }

    #[test]
    fn a_step_the_server_refuses_is_not_sent_again() {
        let Some((on, server)) = own_async_store() else {
            return;
        };
        let mut admin = redis::Client::open(server.url.as_str())
            .and_then(|c| c.get_connection())
            .expect("connection");
        // One claim loads the script, so that the next runs it once.
        let first = on
            .runtime
            .block_on(on.store.claim("falu", &unique("evt"), SHORT_LEASE))
            .expect("reachable");
        assert!(matches!(first, Claim::Claimed(_)), "{first:?}");
        // A key holding a list: the claim script's GET fails on it.
        let id = unique("evt");
        redis::cmd("RPUSH")
            .arg(on.store.key("falu", &id))
            .arg("not a claim")
            .query::<()>(&mut admin)
            .expect("RPUSH");
        let before = script_runs(&mut admin);
        let error = on
            .runtime
            .block_on(on.store.claim("falu", &id, SHORT_LEASE))
            .expect_err("the server refuses the step");
        assert!(
            !error.is_io_error() && !error.is_connection_dropped(),
            "{error}"
        );
        assert_eq!(
            script_runs(&mut admin),
            before + 1,
            "a refused step was sent again"
        );
    }

    #[test]
    fn an_async_stores_debug_shows_where_its_keys_go() {
        let Some((on, _server)) = async_store() else {
            return;
        };
        assert_eq!(
            format!("{:?}", on.store),
            r#"AsyncRedisStore { prefix: "webhook-kit", .. }"#
        );
    }

    #[test]
    fn claims_from_many_tasks_give_one_claim() {
        let Some((on, _server)) = async_store() else {
            return;
        };
        idempotency_suite::concurrent_claims_from_tasks(&on);
    }

    #[test]
    fn sync_and_async_stores_share_the_records() {
        let Some((on, server)) = async_store() else {
            return;
        };
        let sync = RedisStore::open(&server.url).expect("url");
        let id = unique("shared");
        let Claim::Claimed(token) = sync.claim("funnel", &id, SHORT_LEASE).expect("reachable")
        else {
            panic!("first claim")
        };
        let seen = on
            .runtime
            .block_on(on.store.claim("funnel", &id, SHORT_LEASE))
            .expect("reachable");
        assert!(matches!(seen, Claim::InProgress { .. }), "{seen:?}");
        let done = on
            .runtime
            .block_on(on.store.complete(&token, Duration::from_secs(60)))
            .expect("reachable");
        assert_eq!(done, Settled::Applied);
        assert_eq!(
            sync.claim("funnel", &id, SHORT_LEASE).expect("reachable"),
            Claim::Done
        );
        assert_eq!(on.store.key("funnel", &id), sync.key("funnel", &id));
        // A huge id: both key it by the same digest, and share its record.
        let huge = format!("{id}{}", "z".repeat(64 * 1024));
        assert_eq!(on.store.key("funnel", &huge), sync.key("funnel", &huge));
        assert!(on.store.key("funnel", &huge).len() < 200);
        let first = on
            .runtime
            .block_on(
                on.store
                    .first_seen("funnel", &huge, Duration::from_secs(60)),
            )
            .expect("reachable");
        assert!(first);
        assert_eq!(
            sync.claim("funnel", &huge, SHORT_LEASE).expect("reachable"),
            Claim::Done
        );
    }

    /// The async sender: deliver through `run_async` until acknowledged.
    fn deliver_async(
        on: &OnRuntime<AsyncRedisStore>,
        id: &str,
        mut process: impl FnMut() -> Result<(), Infallible>,
    ) -> Vec<u16> {
        let receiver = ClickFunnels::new("s").expect("a usable secret");
        let once = ExactlyOnce::new(&receiver, &*on.store, "clickfunnels").with_lease(SHORT_LEASE);
        deliver_until_acked(|| {
            on.runtime
                .block_on(once.run_async(id, || std::future::ready(process())))
        })
    }

    #[test]
    fn a_restart_between_claim_and_complete_loses_nothing_and_processes_once() {
        let Some(mut server) = persistent_server() else {
            return;
        };
        let on = connect(&server.url);
        let id = unique("restart");
        let mut processed = 0;
        let statuses = deliver_async(&on, &id, || {
            processed += 1;
            if processed == 1 {
                server.restart();
            }
            Ok(())
        });
        assert_eq!(statuses, [200]);
        assert_eq!(processed, 1);
        let again = on
            .runtime
            .block_on(on.store.claim("clickfunnels", &id, SHORT_LEASE))
            .expect("reachable");
        assert_eq!(again, Claim::Done);
    }

    #[test]
    fn a_connection_killed_between_claim_and_complete_is_replaced() {
        let Some((on, server)) = own_async_store() else {
            return;
        };
        let id = unique("killed");
        let mut processed = 0;
        let statuses = deliver_async(&on, &id, || {
            processed += 1;
            assert!(
                server.kill_clients() >= 1,
                "the store's connection was open"
            );
            Ok(())
        });
        assert_eq!(statuses, [200]);
        assert_eq!(processed, 1);
    }

    #[test]
    fn replies_lost_mid_command_leave_the_event_processed_once() {
        let Some(server) = server() else {
            return;
        };
        if server.port() == 0 {
            redis_server::skip("a fault test", "needs a server of its own, not REDIS_URL");
            return;
        }
        let proxy = Proxy::to(server.port());
        let on = connect(&proxy.url);
        warm_up(&on);
        // The claim's reply is lost.
        let id = unique("lost-claim");
        let mut processed = 0;
        proxy.drop_replies(1);
        let statuses = deliver_async(&on, &id, || {
            processed += 1;
            Ok(())
        });
        assert_eq!(proxy.pending_drops(), 0);
        assert_eq!(statuses, [200]);
        assert_eq!(processed, 1);
        // The completion's reply is lost.
        let id = unique("lost-complete");
        let mut processed = 0;
        let statuses = deliver_async(&on, &id, || {
            processed += 1;
            proxy.drop_replies(1);
            Ok(())
        });
        assert_eq!(proxy.pending_drops(), 0);
        assert_eq!(statuses, [200]);
        assert_eq!(processed, 1);
        let again = on
            .runtime
            .block_on(on.store.claim("clickfunnels", &id, SHORT_LEASE))
            .expect("reachable");
        assert_eq!(again, Claim::Done);
    }
}

/// A URL on 127.0.0.1 where nothing listens: a port bound, then freed.
fn nothing_listening() -> (String, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    drop(listener);
    (format!("redis://:a-password@{addr}/"), addr)
}

#[test]
fn a_store_that_cannot_connect_names_redis_and_the_address_not_the_password() {
    let (url, addr) = nothing_listening();
    let store = RedisStore::open(&url).expect("a Redis URL");
    let error = store
        .claim("falu", "evt_1", Duration::from_secs(5))
        .expect_err("nothing listens");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("Redis at {addr}: ")),
        "{message}"
    );
    assert!(!message.contains("a-password"), "{message}");
    assert!(error.is_connection_refusal(), "{message}");
}

#[cfg(feature = "redis-async")]
#[test]
fn an_async_store_that_cannot_connect_names_redis_and_the_address() {
    let (url, addr) = nothing_listening();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let error = runtime
        .block_on(webhook_kit::dedup::AsyncRedisStore::connect(&url))
        .expect_err("nothing listens");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("Redis at {addr}: ")),
        "{message}"
    );
    assert!(!message.contains("a-password"), "{message}");
}

#[test]
fn a_ttl_past_what_redis_can_hold_is_kept_for_a_century() {
    let Some((store, server)) = store() else {
        return;
    };
    let id = unique("evt");
    assert!(
        store
            .first_seen("p", &id, Duration::MAX)
            .expect("reachable")
    );
    let mut con = redis::Client::open(server.url.as_str())
        .and_then(|c| c.get_connection())
        .expect("connection");
    let pttl: i64 = redis::cmd("PTTL")
        .arg(store.key("p", &id))
        .query(&mut con)
        .expect("PTTL");
    let year_ms: i64 = 365 * 24 * 3600 * 1000;
    assert!(
        (99 * year_ms..=100 * year_ms).contains(&pttl),
        "PTTL {pttl}"
    );
}

#[test]
fn a_step_that_timed_out_is_not_sent_again() {
    // A server that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("redis://{}/", listener.local_addr().expect("addr"));
    let store = RedisStore::open(&url)
        .expect("a Redis URL")
        .with_timeout(Duration::from_millis(200));
    let error = store
        .claim("falu", &unique("evt"), SHORT_LEASE)
        .expect_err("nothing answers");
    assert!(error.is_timeout(), "{error}");
    // Every connection the store opened waits in the listener's backlog.
    listener.set_nonblocking(true).expect("nonblocking");
    let connections = std::iter::from_fn(|| listener.accept().ok()).count();
    assert_eq!(connections, 1, "a timed-out step was sent again");
}

#[test]
fn checks_in_a_row_reuse_one_connection() {
    let Some((store, server)) = own_store() else {
        return;
    };
    let mut admin = redis::Client::open(server.url.as_str())
        .and_then(|c| c.get_connection())
        .expect("connection");
    let connections_so_far = |admin: &mut redis::Connection| -> u64 {
        let info: redis::InfoDict = redis::cmd("INFO").arg("stats").query(admin).expect("INFO");
        info.get("total_connections_received").expect("a counter")
    };
    let before = connections_so_far(&mut admin);
    for _ in 0..5 {
        let id = unique("evt");
        assert!(store.first_seen("p", &id, SHORT_LEASE).expect("reachable"));
    }
    assert_eq!(connections_so_far(&mut admin), before + 1);
}

#[test]
fn a_burst_of_checks_leaves_at_most_eight_connections_open() {
    let Some((store, server)) = own_store() else {
        return;
    };
    let mut admin = redis::Client::open(server.url.as_str())
        .and_then(|c| c.get_connection())
        .expect("connection");
    let open_connections = |admin: &mut redis::Connection| -> u64 {
        let info: redis::InfoDict = redis::cmd("INFO")
            .arg("clients")
            .query(admin)
            .expect("INFO");
        info.get("connected_clients").expect("a count")
    };
    // While the server holds every client's commands, each check of the
    // burst waits on a connection of its own: twelve at once.
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(1_000)
        .arg("ALL")
        .query::<()>(&mut admin)
        .expect("CLIENT PAUSE");
    std::thread::scope(|burst| {
        for _ in 0..12 {
            burst.spawn(|| {
                let id = unique("evt");
                assert!(store.first_seen("p", &id, SHORT_LEASE).expect("reachable"));
            });
        }
    });
    // The store keeps eight of them for later and closes the rest; the
    // server counts a closed one gone once it has read the close.
    let kept = 8;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut open = open_connections(&mut admin);
    while open > 1 + kept && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        open = open_connections(&mut admin);
    }
    assert_eq!(open, 1 + kept, "the admin connection and the idle ones");
}
