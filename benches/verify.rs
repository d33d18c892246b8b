//! Verification speed, in two parts.
//!
//! - The first senders (`funnel`, `fourvenues`, `falu`, `clickfunnels`,
//!   `standard`): `verify_at` and `verify_and_parse_at` at 256 B, 4 KiB,
//!   64 KiB and 1 MiB, beside the floors measured on the same bytes
//!   (HMAC-SHA256 over the same signed pieces with the key state prepared in
//!   advance plus a constant-time compare; `serde_json::from_slice` into the
//!   same typed event) and the peer crates (`standardwebhooks`, `svix`,
//!   `webhook-verify`) on the same Standard Webhooks inputs.
//! - Every other sender in the sender list (`tests/senders/mod.rs`, driven
//!   by it): `verify_at` and `verify_and_parse_at` at 256 B and 4 KiB beside
//!   the floor of its algorithm over the same body (pre-keyed HMAC-SHA1,
//!   -SHA256 or -SHA512 plus a constant-time compare, Ed25519
//!   `verify_strict`, ECDSA P-256 verify, or a constant-time token compare).
//!   These floors cover the body only, not the few bytes (a timestamp, a
//!   URL) a scheme signs around it, so they are a little below the true
//!   floor.
//!
//! `cargo bench --bench verify` (the senders behind `ed25519` and `ecdsa`
//! with `--features ed25519,ecdsa`); `-- --quick` for a short run;
//! `python3 benches/report.py` prints the ratios. See BENCHMARKS.md.

#[path = "../tests/common/mod.rs"]
mod common;

#[path = "../tests/senders/mod.rs"]
mod senders;

#[path = "padded_body/mod.rs"]
mod padded_body;

#[path = "floor/mod.rs"]
mod floor;

use std::hint::black_box;
use std::time::Duration;

use common::{NOW, at};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use floor::{Floor, hmac_floor};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::Sha256;
use time::OffsetDateTime;
use webhook_kit::Provider;
use webhook_kit::clickfunnels::{ClickFunnels, Contact};
use webhook_kit::falu::{Falu, ObjectData};
use webhook_kit::fourvenues::{Fourvenues, PaymentSuccess};
use webhook_kit::funnel::{Funnel, StatusUpdated};
use webhook_kit::standard::StandardWebhooks;

const SIZES: [usize; 4] = [256, 4 << 10, 64 << 10, 1 << 20];
const SECRET: &[u8] = b"a webhook secret of a usual length";
const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";

/// A provider's sample event grown to `size` bytes with a string field in
/// its data, as long notes or descriptions make real events grow. The
/// sample's fields keep their order (the event type before the data, as
/// every published sample has it); only whitespace between tokens goes.
fn body(sample: &str, data_path: &[&str], size: usize) -> Vec<u8> {
    serde_json::from_str::<Value>(sample).expect("sample is JSON");
    let compact = compact(sample);
    let key = data_path.last().expect("a data path");
    let open = format!("\"{key}\":{{");
    let at = compact.find(&open).expect("the data object") + open.len();
    let field = |text: &str| format!("\"notes\":\"{text}\",");
    let bare = compact.len() + field("").len();
    assert!(
        bare <= size,
        "sample of {bare} bytes does not fit in {size}"
    );
    let out = format!(
        "{}{}{}",
        &compact[..at],
        field(&"n".repeat(size - bare)),
        &compact[at..]
    )
    .into_bytes();
    assert_eq!(out.len(), size);
    serde_json::from_slice::<Value>(&out).expect("still JSON");
    out
}

/// JSON text without the whitespace between its tokens.
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c.is_ascii_whitespace() {
            continue;
        }
        out.push(c);
    }
    out
}

fn decode_hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// What a provider bench needs: its receiver, a body, the signed pieces
/// around the body, and the expected tag for the floor.
struct Case<P> {
    name: &'static str,
    receiver: P,
    sample: &'static str,
    data_path: &'static [&'static str],
    /// The signed content around the body, and the tag, from the headers.
    signed: fn(&HeaderMap) -> (Vec<u8>, Vec<u8>),
}

fn bench_provider<P: Provider, T: DeserializeOwned>(c: &mut Criterion, case: Case<P>) {
    let mut group = c.benchmark_group(case.name);
    let prepared = Hmac::<Sha256>::new_from_slice(SECRET).expect("any key length");
    for size in SIZES {
        let body = body(case.sample, case.data_path, size);
        let headers = case.receiver.sign_at(&body, at(NOW)).expect("sign");
        case.receiver
            .verify_and_parse_at(&headers, &body, at(NOW))
            .expect("genuine");
        serde_json::from_slice::<T>(&body).expect("floor parses");
        group.throughput(Throughput::Bytes(size as u64));

        group.bench_with_input(BenchmarkId::new("verify_at", size), &body, |b, body| {
            b.iter(|| {
                case.receiver
                    .verify_at(black_box(&headers), black_box(body), at(NOW))
            })
        });
        group.bench_with_input(
            BenchmarkId::new("verify_and_parse_at", size),
            &body,
            |b, body| {
                b.iter(|| {
                    case.receiver
                        .verify_and_parse_at(black_box(&headers), black_box(body), at(NOW))
                })
            },
        );
        let (prefix, tag) = (case.signed)(&headers);
        if !tag.is_empty() {
            assert!(
                hmac_floor(&prepared, &[&prefix, &body], &tag),
                "floor agrees"
            );
            group.bench_with_input(BenchmarkId::new("floor_hmac", size), &body, |b, body| {
                b.iter(|| hmac_floor(&prepared, &[black_box(&prefix), black_box(body)], &tag))
            });
        }
        group.bench_with_input(BenchmarkId::new("floor_parse", size), &body, |b, body| {
            b.iter(|| serde_json::from_slice::<T>(black_box(body)).expect("parses"))
        });
    }
    group.finish();
}

// The same typed events, read by serde_json in one pass.
#[derive(Deserialize)]
#[allow(dead_code, reason = "read to be measured")]
struct FunnelDirect {
    id: u64,
    event_type: String,
    event_timestamp: i64,
    event_data: StatusUpdated,
}

#[derive(Deserialize)]
#[allow(dead_code, reason = "read to be measured")]
struct FourvenuesDirect {
    id: String,
    event: String,
    payload: PaymentSuccess,
}

#[derive(Deserialize)]
#[allow(dead_code, reason = "read to be measured")]
struct FaluDirect {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    #[serde(with = "time::serde::rfc3339")]
    created: OffsetDateTime,
    data: ObjectData,
}

#[derive(Deserialize)]
#[allow(dead_code, reason = "read to be measured")]
struct ClickFunnelsDirect {
    event_id: String,
    event_type: String,
    data: Contact,
}

#[derive(Deserialize)]
#[allow(dead_code, reason = "read to be measured")]
struct StandardDirect {
    #[serde(rename = "type")]
    event_type: String,
    #[serde(with = "time::serde::rfc3339")]
    timestamp: OffsetDateTime,
    data: Value,
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers[name].to_str().expect("ascii")
}

fn providers(c: &mut Criterion) {
    bench_provider::<_, FunnelDirect>(
        c,
        Case {
            name: "funnel",
            receiver: Funnel::new()
                .with_token("a-funnel-api-token")
                .expect("token"),
            sample: r#"{"id": 8932127, "event_type": "lease_transaction.status_updated", "event_timestamp": 1680064028,
            "event_data": {"lease_transaction_id": 74824, "lease_transaction_type": "Application",
                "current_status": "Approved", "client_id": 12453, "community_id": 43522}}"#,
            data_path: &["event_data"],
            signed: |_| (Vec::new(), Vec::new()), // a token: no MAC to compute
        },
    );
    bench_provider::<_, FourvenuesDirect>(
        c,
        Case {
            name: "fourvenues",
            receiver: Fourvenues::new(SECRET).expect("secret"),
            sample: include_str!("../tests/data/fourvenues_payment_success.json"),
            data_path: &["payload"],
            signed: |h| (Vec::new(), decode_hex(header(h, "x-webhook-signature"))),
        },
    );
    bench_provider::<_, FaluDirect>(
        c,
        Case {
            name: "falu",
            receiver: Falu::new(SECRET).expect("secret"),
            sample: r#"{"id": "evt_7", "created": "2022-02-01T10:00:00Z", "type": "payment.updated", "live": true,
            "data": {"object": {"id": "pa_1", "amount": 1000, "status": "succeeded"}, "previous": {"status": "pending"}}}"#,
            data_path: &["data", "object"],
            signed: |h| {
                let value = header(h, "x-falu-signature");
                let (t, sig) = value.split_once(",sha256=").expect("t=…,sha256=…");
                (format!("{}.", &t[2..]).into_bytes(), decode_hex(sig))
            },
        },
    );
    bench_provider::<_, ClickFunnelsDirect>(
        c,
        Case {
            name: "clickfunnels",
            receiver: ClickFunnels::new(SECRET).expect("secret"),
            sample: r#"{"event_id": "123b4741-3f2d-431a-90d1-ddca0f4d6721", "event_type": "contact.identified",
            "data": {"id": 236296209, "email_address": "bob@example.com", "first_name": "Bob"}}"#,
            data_path: &["data"],
            signed: |h| {
                let t = header(h, "x-webhook-clickfunnels-timestamp");
                let sig = header(h, "x-webhook-clickfunnels-signature");
                (format!("{t}.").into_bytes(), decode_hex(sig))
            },
        },
    );
    bench_standard(c);
}

/// The senders `providers` measures at every size, beside floors over
/// exactly their signed pieces and typed events.
const MEASURED_ABOVE: [&str; 5] = ["funnel", "fourvenues", "falu", "clickfunnels", "standard"];
const LIST_SIZES: [usize; 2] = [256, 4 << 10];

/// Every sender in the sender list not measured above, at 256 B and 4 KiB,
/// beside its algorithm's floor on the same body.
fn every_sender(c: &mut Criterion) {
    let list = senders::all();
    for name in senders::expected_names() {
        assert!(
            list.iter().any(|sender| sender.name == name),
            "{name} is not benched"
        );
    }
    for sender in list.iter().filter(|s| !MEASURED_ABOVE.contains(&s.name)) {
        let receiver = sender.signer();
        let mut group = c.benchmark_group(sender.name);
        for size in LIST_SIZES {
            let body = padded_body::padded(sender.body, size);
            let headers = receiver.sign_at(&body, senders::now()).expect("sign");
            receiver
                .verify_and_parse_at(&headers, &body, senders::now())
                .expect("genuine");
            let floor = Floor::of(sender.name, &body);
            assert!(floor.check(&body), "{}: the floor agrees", sender.name);
            group.throughput(Throughput::Bytes(body.len() as u64));
            group.bench_with_input(BenchmarkId::new("verify_at", size), &body, |b, body| {
                b.iter(|| receiver.verify_at(black_box(&headers), black_box(body), senders::now()))
            });
            group.bench_with_input(
                BenchmarkId::new("verify_and_parse_at", size),
                &body,
                |b, body| {
                    b.iter(|| {
                        receiver.verify_and_parse_at(
                            black_box(&headers),
                            black_box(body),
                            senders::now(),
                        )
                    })
                },
            );
            group.bench_with_input(BenchmarkId::new(floor.name(), size), &body, |b, body| {
                b.iter(|| floor.check(black_box(body)))
            });
        }
        group.finish();
    }
}

const STANDARD_SAMPLE: &str = r#"{"type": "invoice.paid", "timestamp": "2024-04-04T19:16:31Z", "data": {"id": "in_1", "amount": 1900}}"#;

/// Standard Webhooks: ours, the floors, and the three peer crates on the same
/// bytes and headers (signed now: the peers check against the system clock).
fn bench_standard(c: &mut Criterion) {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD
        .decode(WHSEC.trim_start_matches("whsec_"))
        .expect("base64");
    let prepared = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    let ours = StandardWebhooks::new(WHSEC).expect("secret");
    let peer = standardwebhooks::Webhook::new(WHSEC).expect("secret");
    let svix = svix::webhooks::Webhook::new(WHSEC).expect("secret");
    let wv_secret = webhook_verify::Secret::new(WHSEC);
    let wv = |body: &[u8], headers: &HeaderMap| {
        webhook_verify::verify(
            webhook_verify::Provider::StandardWebhooks,
            headers,
            body,
            &wv_secret,
            webhook_verify::VerifyOptions::default(),
        )
    };

    let mut group = c.benchmark_group("standard");
    for size in SIZES {
        let body = body(STANDARD_SAMPLE, &["data"], size);
        let now = OffsetDateTime::now_utc();
        let headers = ours.sign_with_id_at(MSG_ID, &body, now).expect("sign");
        ours.verify_and_parse_at(&headers, &body, now)
            .expect("genuine");
        peer.verify(&body, &headers).expect("the peer agrees");
        svix.verify(&body, &headers).expect("svix agrees");
        wv(&body, &headers).expect("webhook-verify agrees");
        let prefix = format!("{MSG_ID}.{}.", header(&headers, "webhook-timestamp")).into_bytes();
        let tag = base64::engine::general_purpose::STANDARD
            .decode(&header(&headers, "webhook-signature")[3..])
            .expect("base64");
        assert!(hmac_floor(&prepared, &[&prefix, &body], &tag));
        group.throughput(Throughput::Bytes(size as u64));

        group.bench_with_input(BenchmarkId::new("verify_at", size), &body, |b, body| {
            b.iter(|| ours.verify_at(black_box(&headers), black_box(body), now))
        });
        group.bench_with_input(
            BenchmarkId::new("verify_and_parse_at", size),
            &body,
            |b, body| {
                b.iter(|| ours.verify_and_parse_at(black_box(&headers), black_box(body), now))
            },
        );
        group.bench_with_input(BenchmarkId::new("floor_hmac", size), &body, |b, body| {
            b.iter(|| hmac_floor(&prepared, &[black_box(&prefix), black_box(body)], &tag))
        });
        group.bench_with_input(BenchmarkId::new("floor_parse", size), &body, |b, body| {
            b.iter(|| serde_json::from_slice::<StandardDirect>(black_box(body)).expect("parses"))
        });
        group.bench_with_input(
            BenchmarkId::new("peer_standardwebhooks", size),
            &body,
            |b, body| b.iter(|| peer.verify(black_box(body), black_box(&headers))),
        );
        group.bench_with_input(BenchmarkId::new("peer_svix", size), &body, |b, body| {
            b.iter(|| svix.verify(black_box(body), black_box(&headers)))
        });
        group.bench_with_input(
            BenchmarkId::new("peer_webhook_verify", size),
            &body,
            |b, body| b.iter(|| wv(black_box(body), black_box(&headers))),
        );
    }
    group.finish();
}

/// Short and bounded: about 1.3 s a bench (under `--quick`, less).
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = providers, every_sender
}
criterion_main!(benches);
