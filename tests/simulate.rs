//! The delivery simulator: every provider's schedule and reply rules on the
//! virtual clock, injected failures, duplicates against an idempotent
//! handler, shuffled batches and slow handlers.

use std::cell::Cell;
use std::time::{Duration, Instant};

use http::{Method, Request, Response, StatusCode};
use time::OffsetDateTime;
use time::macros::datetime;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::dedup::{IdempotencyStore, MemoryStore, ttl_for};
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::simulate::{self, Fate, Reply, Simulator};
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Outcome, Provider, RetrySchedule, WebhookEvent};

const START: OffsetDateTime = datetime!(2024-05-01 12:00:00 UTC);
const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

const FUNNEL_BODY: &str = r#"{"id": 8932127, "event_type": "lease_transaction.status_updated",
  "event_timestamp": 1680064028, "idempotency_key": null,
  "event_data": {"lease_transaction_id": 74824, "lease_transaction_type": "Application",
  "current_status": "Approved", "previous_status": "Submitted", "client_id": 12453, "community_id": 43522}}"#;
const FOURVENUES_BODY: &str = r#"{"id": "wh_1", "event": "payment.success", "payload": {"payment_id": "p1",
  "resource_type": "ticket", "resource_ids": ["t1"], "metadata": {}, "send_resources": true}}"#;
const FALU_BODY: &str = r#"{"id": "evt_1", "type": "message.delivered", "created": "2024-01-02T03:04:05Z",
  "data": {"object": {"id": "msg_1"}}}"#;
const STANDARD_BODY: &str = r#"{"type": "invoice.paid", "data": {"id": 7}}"#;

fn clickfunnels_body(id: &str) -> String {
    format!(r#"{{"event_id": "{id}", "event_type": "contact.created", "data": {{"id": 5}}}}"#)
}

fn funnel() -> Funnel {
    Funnel::new().with_token("api-token").expect("token")
}

fn fourvenues() -> Fourvenues {
    Fourvenues::new("sign-secret").expect("secret")
}

fn falu() -> Falu {
    Falu::new("falu-secret").expect("secret")
}

fn clickfunnels() -> ClickFunnels {
    ClickFunnels::new("webhook-secret").expect("secret")
}

fn standard() -> StandardWebhooks {
    StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("secret")
}

fn reply(status: u16) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(Vec::new())
        .expect("response")
}

/// When each attempt starts if every one fails at once: 0, then the
/// running sum of the schedule's delays.
fn cumulative(schedule: &RetrySchedule) -> Vec<Duration> {
    let mut at = Duration::ZERO;
    let mut times = vec![at];
    for delay in schedule.delays() {
        at += delay;
        times.push(at);
    }
    assert_eq!(times.len() as u32, schedule.max_attempts());
    times
}

/// Asserts the request is what the provider sends, signed at the virtual
/// time it was sent.
fn check_request<P: Provider>(provider: &P, req: &Request<Vec<u8>>) -> OffsetDateTime {
    assert_eq!(req.method(), Method::POST);
    let now = simulate::virtual_now(req);
    provider
        .verify_and_parse_at(req.headers(), req.body(), now)
        .expect("a genuine delivery, at its virtual time");
    now
}

/// Every attempt fails: the provider tries `max_attempts` times, at the
/// schedule's cumulative delays, then gives up.
fn exhausts_on_schedule<P: Provider>(name: &str, provider: &P, body: &str) {
    let schedule = provider.retry_schedule();
    let mut sent_at = Vec::new();
    let delivery = Simulator::new(provider)
        .starting_at(START)
        .deliver(body, |req| {
            sent_at.push(check_request(provider, &req));
            reply(500)
        })
        .expect("delivery");

    assert_eq!(delivery.fate, Fate::Exhausted, "{name}");
    assert_eq!(
        delivery.attempts.len() as u32,
        schedule.max_attempts(),
        "{name}"
    );
    assert_eq!(delivery.offsets(), cumulative(&schedule), "{name}");
    assert!(delivery.duplicates.is_empty());
    for (i, attempt) in delivery.attempts.iter().enumerate() {
        assert_eq!(attempt.number as usize, i + 1, "{name}");
        assert_eq!(attempt.at, START + attempt.offset, "{name}");
        assert_eq!(attempt.at, sent_at[i], "{name}: the handler's virtual now");
        assert_eq!(attempt.status, Some(StatusCode::INTERNAL_SERVER_ERROR));
        assert_eq!(attempt.outcome, Outcome::Retry, "{name}");
        assert!(!attempt.injected && !attempt.timed_out());
    }
}

#[test]
fn every_provider_retries_on_its_schedule_then_gives_up() {
    exhausts_on_schedule("funnel", &funnel(), FUNNEL_BODY);
    exhausts_on_schedule("fourvenues", &fourvenues(), FOURVENUES_BODY);
    exhausts_on_schedule("falu", &falu(), FALU_BODY);
    exhausts_on_schedule("clickfunnels", &clickfunnels(), &clickfunnels_body("e1"));
    exhausts_on_schedule("standard", &standard(), STANDARD_BODY);
}

#[test]
fn published_schedules_as_seen_by_the_handler() {
    let f = funnel();
    let funnel = Simulator::new(&f)
        .deliver(FUNNEL_BODY, |_| reply(503))
        .expect("delivery")
        .offsets();
    assert_eq!(funnel, [0, 5, 15, 30].map(Duration::from_secs));

    let falu = falu();
    let once = Simulator::new(&falu)
        .deliver(FALU_BODY, |_| reply(500))
        .expect("delivery");
    assert_eq!((once.attempts.len(), once.fate), (1, Fate::Exhausted));

    let fourvenues = fourvenues();
    let all = Simulator::new(&fourvenues)
        .deliver(FOURVENUES_BODY, |_| reply(500))
        .expect("delivery")
        .offsets();
    assert_eq!(all.len(), 41);
    assert_eq!(&all[..4], &[0, 60, 180, 420].map(Duration::from_secs));
    // Capped at an hour between attempts.
    assert_eq!(all[40] - all[39], HOUR);
}

#[test]
fn a_clickfunnels_37_hour_schedule_runs_in_an_instant() {
    let receiver = clickfunnels();
    let started = Instant::now();
    let delivery = Simulator::new(&receiver)
        .starting_at(START)
        .deliver(clickfunnels_body("e1"), |_| reply(500))
        .expect("delivery");
    let took = started.elapsed();
    let last = delivery.attempts.last().expect("attempts");
    assert_eq!(delivery.attempts.len(), 9);
    assert_eq!(last.offset, 37 * HOUR + 21 * MINUTE + 16 * SECOND);
    assert_eq!(last.at, datetime!(2024-05-03 01:21:16 UTC));
    assert!(took < Duration::from_secs(1), "took {took:?} of real time");
}

/// The handler fails until attempt `k`, then acknowledges: the provider
/// stops there, at the schedule's time for attempt `k`.
fn recovers_at<P: Provider>(name: &str, provider: &P, body: &str, k: usize) {
    let calls = Cell::new(0);
    let delivery = Simulator::new(provider)
        .deliver(body, |req| {
            check_request(provider, &req);
            calls.set(calls.get() + 1);
            if calls.get() < k {
                reply(500)
            } else {
                provider.acknowledge().map(Vec::from)
            }
        })
        .expect("delivery");
    assert_eq!(delivery.fate, Fate::Delivered, "{name}");
    assert_eq!(delivery.attempts.len(), k, "{name}");
    assert_eq!(calls.get(), k, "{name}");
    assert_eq!(
        delivery.offsets(),
        cumulative(&provider.retry_schedule())[..k],
        "{name}"
    );
    let last = delivery.attempts.last().expect("attempts");
    assert_eq!(last.outcome, Outcome::Delivered, "{name}");
}

#[test]
fn every_provider_stops_at_the_first_accepted_reply() {
    recovers_at("funnel", &funnel(), FUNNEL_BODY, 3);
    recovers_at("fourvenues", &fourvenues(), FOURVENUES_BODY, 7);
    recovers_at("falu", &falu(), FALU_BODY, 1);
    recovers_at("clickfunnels", &clickfunnels(), &clickfunnels_body("e1"), 9);
    recovers_at("standard", &standard(), STANDARD_BODY, 4);
}

/// The outcome of one delivery whose every attempt gets `answer`.
fn answered<P: Provider>(provider: &P, body: &str, answer: Response<Vec<u8>>) -> (Fate, usize) {
    let delivery = Simulator::new(provider)
        .deliver(body, |_| answer.clone())
        .expect("delivery");
    (delivery.fate, delivery.attempts.len())
}

fn text(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(body.as_bytes().to_vec())
        .expect("response")
}

#[test]
fn funnel_needs_its_acknowledgement_text() {
    let f = funnel();
    assert_eq!(
        answered(&f, FUNNEL_BODY, text(200, "OK")),
        (Fate::Exhausted, 4)
    );
    assert_eq!(answered(&f, FUNNEL_BODY, reply(200)), (Fate::Exhausted, 4));
    assert_eq!(
        answered(&f, FUNNEL_BODY, text(201, "Funnel Event Received")),
        (Fate::Exhausted, 4)
    );
    assert_eq!(
        answered(&f, FUNNEL_BODY, text(200, "Funnel Event Received")),
        (Fate::Delivered, 1)
    );
}

#[test]
fn clickfunnels_accepts_only_its_listed_statuses() {
    let cf = clickfunnels();
    let body = clickfunnels_body("e1");
    for ok in [200, 201, 207, 226] {
        assert_eq!(
            answered(&cf, &body, reply(ok)),
            (Fate::Delivered, 1),
            "{ok}"
        );
    }
    for retried in [208, 299, 301, 404, 410, 429] {
        assert_eq!(
            answered(&cf, &body, reply(retried)),
            (Fate::Exhausted, 9),
            "{retried}"
        );
    }
}

#[test]
fn fourvenues_and_falu_accept_any_2xx() {
    let fv = fourvenues();
    assert_eq!(
        answered(&fv, FOURVENUES_BODY, reply(204)),
        (Fate::Delivered, 1)
    );
    assert_eq!(
        answered(&fv, FOURVENUES_BODY, reply(301)),
        (Fate::Exhausted, 41)
    );
    let falu = falu();
    assert_eq!(answered(&falu, FALU_BODY, reply(202)), (Fate::Delivered, 1));
    assert_eq!(answered(&falu, FALU_BODY, reply(302)), (Fate::Exhausted, 1));
}

#[test]
fn standard_410_disables_and_3xx_retries() {
    let sw = standard();
    assert_eq!(
        answered(&sw, STANDARD_BODY, reply(410)),
        (Fate::Disabled, 1)
    );
    assert_eq!(
        answered(&sw, STANDARD_BODY, reply(308)),
        (Fate::Exhausted, 10)
    );
    assert_eq!(
        answered(&sw, STANDARD_BODY, reply(299)),
        (Fate::Delivered, 1)
    );
}

fn throttled(retry_after: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(429)
        .header("retry-after", retry_after)
        .body(Vec::new())
        .expect("response")
}

#[test]
fn standard_429_waits_for_retry_after_when_longer_than_the_schedule() {
    let sw = standard();
    let calls = Cell::new(0);
    let delivery = Simulator::new(&sw)
        .starting_at(START)
        .deliver(STANDARD_BODY, |_| {
            calls.set(calls.get() + 1);
            match calls.get() {
                1 => throttled("3600"), // longer than the 5 s the schedule says
                2 => throttled("10"),   // shorter than the 5 min the schedule says
                _ => reply(200),
            }
        })
        .expect("delivery");
    assert_eq!(delivery.fate, Fate::Delivered);
    assert_eq!(
        delivery.attempts[0].outcome,
        Outcome::Throttle {
            retry_after: Some(HOUR)
        }
    );
    assert_eq!(
        delivery.offsets(),
        [Duration::ZERO, HOUR, HOUR + 5 * MINUTE]
    );
    assert!(delivery.offsets()[1] - delivery.offsets()[0] >= HOUR);
}

#[test]
fn retry_after_dates_are_read_on_the_virtual_clock() {
    let sw = standard();
    let calls = Cell::new(0);
    let delivery = Simulator::new(&sw)
        .starting_at(START)
        .deliver(STANDARD_BODY, |_| {
            calls.set(calls.get() + 1);
            if calls.get() == 1 {
                // START plus 2 hours, as an HTTP date.
                throttled("Wed, 01 May 2024 14:00:00 GMT")
            } else {
                reply(204)
            }
        })
        .expect("delivery");
    assert_eq!(delivery.offsets(), [Duration::ZERO, 2 * HOUR]);
}

#[test]
fn a_retry_after_past_the_calendar_gives_up() {
    let sw = standard();
    let delivery = Simulator::new(&sw)
        .deliver(STANDARD_BODY, |_| throttled("99999999999999999999"))
        .expect("delivery");
    assert_eq!(
        (delivery.fate, delivery.attempts.len()),
        (Fate::Exhausted, 1)
    );
}

#[test]
fn failing_the_first_attempts_keeps_them_from_the_handler() {
    let f = funnel();
    let calls = Cell::new(0);
    let delivery = Simulator::new(&f)
        .fail_first(2)
        .deliver(FUNNEL_BODY, |req| {
            check_request(&f, &req);
            calls.set(calls.get() + 1);
            f.acknowledge()
        })
        .expect("delivery");
    assert_eq!(calls.get(), 1);
    assert_eq!(delivery.fate, Fate::Delivered);
    let injected: Vec<bool> = delivery.attempts.iter().map(|a| a.injected).collect();
    assert_eq!(injected, [true, true, false]);
    assert_eq!(
        delivery.attempts[0].status,
        Some(StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(delivery.offsets(), [0, 5, 15].map(Duration::from_secs));

    // Failing every attempt the schedule allows: the handler never runs.
    calls.set(0);
    let never = Simulator::new(&f)
        .fail_first(4)
        .deliver(FUNNEL_BODY, |_| {
            calls.set(calls.get() + 1);
            f.acknowledge()
        })
        .expect("delivery");
    assert_eq!(
        (never.fate, never.attempts.len(), calls.get()),
        (Fate::Exhausted, 4, 0)
    );
}

/// A handler that verifies, records the id in `store`, counts the events it
/// processed, and acknowledges duplicates without processing them.
fn idempotent<'a, P: Provider>(
    name: &'a str,
    provider: &'a P,
    store: &'a MemoryStore,
    processed: &'a Cell<usize>,
    calls: &'a Cell<usize>,
) -> impl FnMut(Request<Vec<u8>>) -> Reply + 'a {
    move |req| {
        calls.set(calls.get() + 1);
        let now = simulate::virtual_now(&req);
        let event = match provider.verify_and_parse_at(req.headers(), req.body(), now) {
            Ok(event) => event,
            Err(err) => return Reply::empty(err.status()),
        };
        let new = store
            .first_seen(name, &event.id(), ttl_for(provider))
            .unwrap_or(true);
        if new {
            processed.set(processed.get() + 1);
        }
        provider.acknowledge().into()
    }
}

fn duplicates_are_processed_once<P: Provider>(name: &str, provider: &P, body: &str) {
    let store = MemoryStore::default();
    let (processed, calls) = (Cell::new(0), Cell::new(0));
    let retries = provider.retry_schedule().max_attempts() > 1;
    let delivery = Simulator::new(provider)
        .fail_first(u32::from(retries))
        .duplicates(3)
        .deliver(body, idempotent(name, provider, &store, &processed, &calls))
        .expect("delivery");
    assert_eq!(delivery.fate, Fate::Delivered, "{name}");
    assert_eq!(delivery.attempts.len(), 1 + usize::from(retries), "{name}");
    assert_eq!(delivery.duplicates.len(), 3, "{name}");
    for copy in &delivery.duplicates {
        assert_eq!(copy.outcome, Outcome::Delivered, "{name}: {copy:?}");
    }
    assert_eq!(calls.get(), 4, "{name}: the handler saw every copy");
    assert_eq!(processed.get(), 1, "{name}: and processed one");
}

#[test]
fn duplicates_reach_an_idempotent_handler_that_processes_them_once() {
    duplicates_are_processed_once("funnel", &funnel(), FUNNEL_BODY);
    duplicates_are_processed_once("fourvenues", &fourvenues(), FOURVENUES_BODY);
    duplicates_are_processed_once("falu", &falu(), FALU_BODY);
    duplicates_are_processed_once("clickfunnels", &clickfunnels(), &clickfunnels_body("e1"));
    duplicates_are_processed_once("standard", &standard(), STANDARD_BODY);
}

#[test]
fn a_duplicate_is_the_same_signed_request_sent_right_after() {
    let cf = clickfunnels();
    let mut requests = Vec::new();
    let delivery = Simulator::new(&cf)
        .starting_at(START)
        .duplicates(2)
        .deliver(clickfunnels_body("e1"), |req| {
            requests.push((req.headers().clone(), simulate::virtual_now(&req)));
            Reply::new(cf.acknowledge()).took(2 * SECOND)
        })
        .expect("delivery");
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|(headers, _)| *headers == requests[0].0)
    );
    let times: Vec<_> = requests.iter().map(|(_, at)| *at - START).collect();
    assert_eq!(times, [0, 2, 4].map(time::Duration::seconds));
    assert_eq!(
        delivery
            .duplicates
            .iter()
            .map(|d| d.number)
            .collect::<Vec<_>>(),
        [1, 2]
    );
}

#[test]
fn a_handler_slower_than_funnels_5_s_timeout_fails() {
    let f = funnel();
    let took = |d: Duration| {
        Simulator::new(&f)
            .deliver(FUNNEL_BODY, |_| (f.acknowledge(), d))
            .expect("delivery")
    };
    assert!(
        took(5 * SECOND).is_delivered(),
        "exactly the timeout is in time"
    );
    let slow = took(5 * SECOND + Duration::from_millis(1));
    assert_eq!(slow.fate, Fate::Exhausted);
    assert!(
        slow.attempts
            .iter()
            .all(|a| a.timed_out() && a.outcome == Outcome::Retry)
    );
    assert!(slow.attempts.iter().all(|a| a.took == 5 * SECOND));
    // Each wait starts when the provider stopped waiting: 5 s after the attempt.
    assert_eq!(slow.offsets(), [0, 10, 25, 45].map(Duration::from_secs));
}

#[test]
fn a_timed_out_attempt_that_was_processed_is_not_processed_again() {
    let f = funnel();
    let store = MemoryStore::default();
    let (processed, calls) = (Cell::new(0), Cell::new(0));
    let mut inner = idempotent("funnel", &f, &store, &processed, &calls);
    let delivery = Simulator::new(&f)
        .deliver(FUNNEL_BODY, |req| {
            // The first call does the work but answers too late.
            let slow = calls.get() == 0;
            let reply = inner(req);
            if slow { reply.took(6 * SECOND) } else { reply }
        })
        .expect("delivery");
    assert_eq!(delivery.fate, Fate::Delivered);
    assert!(delivery.attempts[0].timed_out());
    assert_eq!(delivery.offsets(), [0, 10].map(Duration::from_secs));
    assert_eq!((calls.get(), processed.get()), (2, 1));
}

#[test]
fn replies_that_take_time_push_the_schedule_back() {
    let f = funnel();
    let delivery = Simulator::new(&f)
        .deliver(FUNNEL_BODY, |_| (reply(500), 2 * SECOND))
        .expect("delivery");
    assert_eq!(delivery.offsets(), [0, 7, 19, 36].map(Duration::from_secs));
    assert!(delivery.attempts.iter().all(|a| !a.timed_out()));
}

#[test]
fn without_a_published_timeout_a_slow_reply_still_counts() {
    let cf = clickfunnels();
    assert_eq!(cf.retry_schedule().timeout(), None);
    let delivery = Simulator::new(&cf)
        .deliver(clickfunnels_body("e1"), |_| (cf.acknowledge(), HOUR))
        .expect("delivery");
    assert!(delivery.is_delivered());
    assert_eq!(delivery.attempts[0].took, HOUR);
}

fn batch(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| clickfunnels_body(&format!("e{i}")))
        .collect()
}

/// The order in which the handler saw the batch's events, by index.
fn handler_order(seed: Option<u64>, bodies: &[String]) -> (Vec<usize>, Vec<usize>) {
    let cf = clickfunnels();
    let mut seen = Vec::new();
    let mut simulator = Simulator::new(&cf);
    if let Some(seed) = seed {
        simulator = simulator.shuffled(seed);
    }
    let report = simulator
        .deliver_all(bodies, |req| {
            let event = check_request_event(&cf, &req);
            seen.push(
                bodies
                    .iter()
                    .position(|b| b.contains(&format!(r#""{event}""#)))
                    .expect("a known event"),
            );
            cf.acknowledge()
        })
        .expect("delivery");
    assert!(report.all_delivered());
    assert_eq!(report.order(), seen);
    (seen, report.order())
}

fn check_request_event(cf: &ClickFunnels, req: &Request<Vec<u8>>) -> String {
    cf.verify_and_parse_at(req.headers(), req.body(), simulate::virtual_now(req))
        .expect("genuine")
        .id()
        .into_owned()
}

#[test]
fn a_shuffled_batch_is_out_of_order_and_the_same_for_a_seed() {
    let bodies = batch(12);
    let input: Vec<usize> = (0..12).collect();
    assert_eq!(handler_order(None, &bodies).0, input);

    let (first, _) = handler_order(Some(42), &bodies);
    assert_ne!(first, input, "shuffled");
    let mut sorted = first.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, input, "every event once");
    assert_eq!(
        handler_order(Some(42), &bodies).0,
        first,
        "same seed, same order"
    );
    assert_ne!(
        handler_order(Some(43), &bodies).0,
        first,
        "another seed, another order"
    );
}

#[test]
fn a_retried_event_arrives_after_later_ones() {
    let cf = clickfunnels();
    let bodies = batch(3);
    let report = Simulator::new(&cf)
        .starting_at(START)
        .deliver_all(&bodies, |req| {
            if check_request_event(&cf, &req) == "e0" && simulate::virtual_now(&req) == START {
                reply(500)
            } else {
                reply(200)
            }
        })
        .expect("delivery");
    assert!(report.all_delivered());
    assert_eq!(report.sent, [0, 1, 2, 0]);
    assert_eq!(report.deliveries[0].offsets(), [Duration::ZERO, SECOND]);
    assert_eq!(report.deliveries[2].offsets(), [Duration::ZERO]);
    assert_eq!(
        report
            .deliveries
            .iter()
            .map(|d| d.index)
            .collect::<Vec<_>>(),
        [0, 1, 2]
    );
}

#[test]
fn a_disabling_reply_stops_the_whole_endpoint() {
    let sw = standard();
    let bodies: Vec<String> = (0..4)
        .map(|i| format!(r#"{{"type": "t", "data": {{"n": {i}}}}}"#))
        .collect();
    let report = Simulator::new(&sw)
        .deliver_all(&bodies, |req| {
            if req.body().ends_with(b"1}}") {
                reply(410)
            } else {
                reply(200)
            }
        })
        .expect("delivery");
    let fates: Vec<Fate> = report.deliveries.iter().map(|d| d.fate).collect();
    assert_eq!(
        fates,
        [
            Fate::Delivered,
            Fate::Disabled,
            Fate::Disabled,
            Fate::Disabled
        ]
    );
    assert_eq!(report.sent, [0, 1]);
    assert!(report.deliveries[2].attempts.is_empty());
}

#[test]
fn requests_look_like_the_providers() {
    let fv = fourvenues();
    let mut checked = 0;
    Simulator::new(&fv)
        .starting_at(START)
        .uri("/hooks/fourvenues".parse().expect("uri"))
        .deliver(FOURVENUES_BODY, |req| {
            assert_eq!(req.uri(), "/hooks/fourvenues");
            assert_eq!(req.headers()["content-type"], "application/json");
            assert_eq!(req.body(), FOURVENUES_BODY.as_bytes());
            assert_eq!(check_request(&fv, &req), START);
            checked += 1;
            reply(200)
        })
        .expect("delivery");
    assert_eq!(checked, 1);

    // Outside the simulator, the virtual clock is the system clock.
    let before = OffsetDateTime::now_utc();
    let now = simulate::virtual_now(&Request::new(()));
    assert!(now >= before && now - before < time::Duration::minutes(1));
}

#[test]
fn a_custom_signer_keeps_the_standard_message_id_across_retries() {
    let sw = standard();
    let store = MemoryStore::default();
    let (processed, calls) = (Cell::new(0), Cell::new(0));
    let mut inner = idempotent("standard", &sw, &store, &processed, &calls);
    let delivery = Simulator::new(&sw)
        .sign_with(|body, now| sw.sign_with_id_at("msg_stable", body, now))
        .deliver(STANDARD_BODY, |req| {
            assert_eq!(req.headers()["webhook-id"], "msg_stable");
            // Processed every time, answered too late twice.
            let late = calls.get() < 2;
            let reply = inner(req);
            if late { reply.took(HOUR) } else { reply }
        })
        .expect("delivery");
    assert_eq!(delivery.attempts.len(), 3);
    assert_eq!((calls.get(), processed.get()), (3, 1));
}

#[test]
fn signing_errors_are_returned() {
    let sw = standard();
    let result = Simulator::new(&sw)
        .sign_with(|body, now| sw.sign_with_id_at("bad\nid", body, now))
        .deliver(STANDARD_BODY, |_| reply(200));
    assert!(
        matches!(result, Err(webhook_kit::Error::Signing(_))),
        "{result:?}"
    );
}
