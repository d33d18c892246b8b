//! What the `tracing` and `metrics` features record for each delivery, for
//! every sender: the documented span fields and counters, a `warn` event per
//! rejection with its reason code, and never a secret or a signature.
#![cfg(all(feature = "tracing", feature = "metrics"))]

mod senders;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use http::HeaderMap;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use time::OffsetDateTime;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use webhook_kit::dedup::{ExactlyOnce, Handled, IdempotencyStore, MemoryStore};
use webhook_kit::{Provider, WebhookEvent};

// --- Capturing spans and events ---

/// A span as it was closed: its name and every field it recorded.
#[derive(Clone, Debug)]
struct SpanSeen {
    name: String,
    fields: BTreeMap<String, String>,
}

/// An event: its level, the span it was in, and its fields (the message
/// is `message`).
#[derive(Clone, Debug)]
struct EventSeen {
    level: Level,
    span: Option<String>,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Seen {
    open: BTreeMap<u64, SpanSeen>,
    spans: Vec<SpanSeen>,
    events: Vec<EventSeen>,
}

impl Seen {
    /// Every name and value recorded, for the leak check.
    fn all_text(&self) -> Vec<String> {
        let spans = self.spans.iter().chain(self.open.values());
        let span_text = spans.flat_map(|span| {
            std::iter::once(span.name.clone()).chain(
                span.fields
                    .iter()
                    .flat_map(|(name, value)| [name.clone(), value.clone()]),
            )
        });
        let event_text = self.events.iter().flat_map(|event| {
            event
                .fields
                .iter()
                .flat_map(|(name, value)| [name.clone(), value.clone()])
        });
        span_text.chain(event_text).collect()
    }

    fn spans_named(&self, name: &str) -> Vec<&SpanSeen> {
        self.spans.iter().filter(|span| span.name == name).collect()
    }
}

/// A `tracing` layer that keeps everything it sees.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Seen>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let span = SpanSeen {
            name: attrs.metadata().name().to_owned(),
            fields,
        };
        self.0
            .lock()
            .expect("lock")
            .open
            .insert(id.into_u64(), span);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut seen = self.0.lock().expect("lock");
        if let Some(span) = seen.open.get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let span = ctx.event_span(event).map(|span| span.name().to_owned());
        self.0.lock().expect("lock").events.push(EventSeen {
            level: *event.metadata().level(),
            span,
            fields,
        });
    }

    fn on_close(&self, id: Id, _: Context<'_, S>) {
        let mut seen = self.0.lock().expect("lock");
        if let Some(span) = seen.open.remove(&id.into_u64()) {
            seen.spans.push(span);
        }
    }
}

/// A metric as the debugging recorder holds it: name, sorted labels, value.
type MetricSeen = (String, Vec<(String, String)>, DebugValue);

/// Runs `f` with a capturing subscriber and a debugging recorder, on this
/// thread only, and gives what they saw.
fn observed(f: impl FnOnce()) -> (Seen, Vec<MetricSeen>) {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    tracing::subscriber::with_default(subscriber, || {
        metrics::with_local_recorder(&recorder, f);
    });
    let metrics = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let mut labels: Vec<(String, String)> = key
                .labels()
                .map(|label| (label.key().to_owned(), label.value().to_owned()))
                .collect();
            labels.sort();
            (key.name().to_owned(), labels, value)
        })
        .collect();
    let seen = std::mem::take(&mut *capture.0.lock().expect("lock"));
    (seen, metrics)
}

/// The counter `name` with exactly `labels`, if recorded.
fn counter(metrics: &[MetricSeen], name: &str, labels: &[(&str, &str)]) -> Option<u64> {
    let mut wanted: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    wanted.sort();
    metrics.iter().find_map(|(n, l, value)| match value {
        DebugValue::Counter(count) if n == name && *l == wanted => Some(*count),
        _ => None,
    })
}

/// How many values the histogram `name` with `labels` holds.
fn histogram_len(metrics: &[MetricSeen], name: &str, labels: &[(&str, &str)]) -> usize {
    let mut wanted: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    wanted.sort();
    metrics
        .iter()
        .find_map(|(n, l, value)| match value {
            DebugValue::Histogram(values) if n == name && *l == wanted => Some(values.len()),
            _ => None,
        })
        .unwrap_or(0)
}

fn metric_text(metrics: &[MetricSeen]) -> Vec<String> {
    metrics
        .iter()
        .flat_map(|(name, labels, _)| {
            std::iter::once(name.clone())
                .chain(labels.iter().flat_map(|(k, v)| [k.clone(), v.clone()]))
        })
        .collect()
}

// --- Every sender ---

/// One sender under test: a receiver holding `primary` first and the
/// `previous` secret under that name, a sender still signing with
/// `previous`, a forger signing with a secret the receiver does not hold,
/// and a body it parses.
struct Sender<P> {
    receiver: P,
    old: P,
    forger: P,
    body: &'static [u8],
    secrets: [&'static str; 3],
}

/// The header values that depend on the secret (signatures, tokens): those
/// that differ between two senders signing the same body at the same time.
fn secret_dependent_values(a: &HeaderMap, b: &HeaderMap) -> Vec<String> {
    a.iter()
        .filter(|(name, value)| b.get(*name) != Some(*value))
        .filter_map(|(_, value)| value.to_str().ok().map(str::to_owned))
        .collect()
}

fn assert_observed<P: Provider>(sender: Sender<P>) {
    let name = sender.receiver.name();
    let now = OffsetDateTime::now_utc();
    let genuine = sender.old.sign_at(sender.body, now).expect("signed");
    let forged = sender.forger.sign_at(sender.body, now).expect("signed");
    let hidden = secret_dependent_values(&genuine, &forged);
    assert!(!hidden.is_empty(), "{name}: no signature header found");

    let mut accepted = None;
    let (seen, metrics) = observed(|| {
        let received = sender
            .receiver
            .receive_at(&genuine, sender.body, now)
            .expect("genuine");
        accepted = Some(received);
        let event = sender
            .receiver
            .verify_and_parse_at(&genuine, sender.body, now)
            .expect("genuine");
        assert_eq!(event.id(), accepted.as_ref().expect("received").event.id());
        let Err(error) = sender
            .receiver
            .verify_and_parse_at(&forged, sender.body, now)
        else {
            panic!("{name}: a forged delivery was accepted");
        };
        assert_eq!(error.reason(), "signature_mismatch", "{name}");
    });
    let received = accepted.expect("received");

    // `receive_at` records nothing; `verify_and_parse_at` one span each.
    let spans = seen.spans_named("webhook.receive");
    assert_eq!(spans.len(), 2, "{name}: {spans:?}");
    let (ok, refused) = (&spans[0].fields, &spans[1].fields);
    let field = |fields: &BTreeMap<String, String>, key: &str| fields.get(key).cloned();
    assert_eq!(field(ok, "messaging.system").as_deref(), Some(name));
    assert_eq!(
        field(ok, "messaging.operation.type").as_deref(),
        Some("receive")
    );
    assert_eq!(field(ok, "webhook.outcome").as_deref(), Some("accepted"));
    assert_eq!(
        field(ok, "webhook.secret.name").as_deref(),
        Some("previous"),
        "{name}"
    );
    assert_eq!(
        field(ok, "http.request.body.size"),
        Some(sender.body.len().to_string())
    );
    assert_eq!(
        field(ok, "cloudevents.event_type").as_deref(),
        Some(received.event.event_type())
    );
    assert_eq!(
        field(ok, "cloudevents.event_id").as_deref(),
        Some(&*received.event.id())
    );
    assert_eq!(
        field(ok, "messaging.message.id").as_deref(),
        received.delivery.id(),
        "{name}"
    );
    let skew = received.delivery.timestamp().map(|_| "0".to_owned());
    assert_eq!(field(ok, "webhook.timestamp.skew"), skew, "{name}");
    assert!(field(ok, "webhook.duration").is_some());
    assert_eq!(field(ok, "error.type"), None);

    assert_eq!(field(refused, "messaging.system").as_deref(), Some(name));
    assert_eq!(
        field(refused, "webhook.outcome").as_deref(),
        Some("rejected")
    );
    assert_eq!(
        field(refused, "error.type").as_deref(),
        Some("signature_mismatch")
    );
    assert_eq!(field(refused, "webhook.secret.name"), None);

    let warnings: Vec<&EventSeen> = seen
        .events
        .iter()
        .filter(|event| event.level == Level::WARN)
        .collect();
    assert_eq!(warnings.len(), 1, "{name}: {warnings:?}");
    assert_eq!(warnings[0].span.as_deref(), Some("webhook.receive"));
    assert_eq!(
        warnings[0].fields.get("error.type").map(String::as_str),
        Some("signature_mismatch")
    );

    let labels = |outcome| [("sender", name), ("outcome", outcome)];
    let deliveries = "webhook_deliveries_total";
    assert_eq!(
        counter(&metrics, deliveries, &labels("accepted")),
        Some(1),
        "{name}"
    );
    assert_eq!(
        counter(&metrics, deliveries, &labels("rejected")),
        Some(1),
        "{name}"
    );
    let reason = [("sender", name), ("reason", "signature_mismatch")];
    assert_eq!(
        counter(&metrics, "webhook_rejections_total", &reason),
        Some(1)
    );
    let timing = [("sender", name), ("operation", "receive")];
    assert_eq!(
        histogram_len(&metrics, "webhook_duration_seconds", &timing),
        2
    );

    // Never a secret, a signature or a token, anywhere.
    let text = seen.all_text().into_iter().chain(metric_text(&metrics));
    for recorded in text {
        for secret in sender.secrets {
            assert!(
                !recorded.contains(secret),
                "{name}: {secret} in {recorded:?}"
            );
        }
        for value in &hidden {
            assert!(
                !recorded.contains(value.as_str()),
                "{name}: {value} in {recorded:?}"
            );
        }
        assert!(
            !recorded.contains(std::str::from_utf8(sender.body).expect("text")),
            "{name}: the body in {recorded:?}"
        );
    }
}

macro_rules! keyed {
    ($new:path, $secrets:expr, $body:expr) => {{
        let [primary, previous, forger] = $secrets;
        Sender {
            receiver: $new(primary)
                .expect("secret")
                .with_secret_named("previous", previous)
                .expect("secret"),
            old: $new(previous).expect("secret"),
            forger: $new(forger).expect("secret"),
            body: $body,
            secrets: $secrets,
        }
    }};
}

#[test]
fn github_deliveries_are_recorded_without_secrets() {
    assert_observed(keyed!(
        webhook_kit::github::GitHub::new,
        [
            "gh-primary-secret",
            "gh-previous-secret",
            "gh-forger-secret"
        ],
        br#"{"action": "opened", "issue": {"number": 1}}"#
    ));
}

#[test]
fn stripe_deliveries_are_recorded_without_secrets() {
    assert_observed(keyed!(
        webhook_kit::stripe::Stripe::new,
        ["whsec_stripe_primary", "whsec_stripe_previous", "whsec_stripe_forger"],
        br#"{"id": "evt_1", "object": "event", "type": "invoice.paid", "created": 1686089970, "livemode": false, "data": {"object": {"id": "in_1"}}}"#
    ));
}

#[test]
fn shopify_deliveries_are_recorded_without_secrets() {
    assert_observed(keyed!(
        webhook_kit::shopify::Shopify::new,
        ["shpss_primary", "shpss_previous", "shpss_forger"],
        br#"{"id": 9554194432293, "title": "T-Shirt"}"#
    ));
}

#[test]
fn slack_deliveries_are_recorded_without_secrets() {
    assert_observed(keyed!(
        webhook_kit::slack::Slack::new,
        ["slack-primary", "slack-previous", "slack-forger"],
        br#"{"type": "event_callback", "event_id": "Ev1", "event_time": 1700000000, "team_id": "T1", "event": {"type": "app_mention", "text": "hi"}}"#
    ));
}

#[test]
fn standard_webhooks_deliveries_are_recorded_without_secrets() {
    assert_observed(keyed!(
        webhook_kit::standard::StandardWebhooks::new,
        [
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "whsec_c2hvcnQtZm9yZ2VyLXNlY3JldA=="
        ],
        br#"{"type": "user.created", "timestamp": "2024-01-01T00:00:00Z", "data": {}}"#
    ));
}

#[test]
fn falu_deliveries_are_recorded_without_secrets() {
    assert_observed(keyed!(
        webhook_kit::falu::Falu::new,
        ["falu-primary", "falu-previous", "falu-forger"],
        br#"{"id": "evt_1", "type": "message.sent", "data": {"object": {}}}"#
    ));
}

#[test]
fn fourvenues_deliveries_are_recorded_without_secrets() {
    assert_observed(keyed!(
        webhook_kit::fourvenues::Fourvenues::new,
        ["fv-primary", "fv-previous", "fv-forger"],
        br#"{"id": "wh_1", "event": "venue.opened", "payload": {"x": 1}}"#
    ));
}

#[test]
fn clickfunnels_deliveries_are_recorded_without_secrets() {
    assert_observed(keyed!(
        webhook_kit::clickfunnels::ClickFunnels::new,
        ["cf-primary", "cf-previous", "cf-forger"],
        br#"{"event_id": "e1", "event_type": "contact.created", "data": {"id": 1}}"#
    ));
}

#[test]
fn funnel_deliveries_are_recorded_without_tokens() {
    use webhook_kit::funnel::Funnel;
    let token = |t| Funnel::new().with_token(t).expect("token");
    let [primary, previous, forger] = ["fl-primary-token", "fl-previous-token", "fl-forger-token"];
    assert_observed(Sender {
        receiver: token(primary)
            .with_token_named("previous", previous)
            .expect("token"),
        old: token(previous),
        forger: token(forger),
        body: br#"{"id": 7, "event": "quote.created", "data": {}}"#,
        secrets: [primary, previous, forger],
    });
}

// --- ExactlyOnce ---

#[test]
fn exactly_once_records_each_outcome_in_a_process_span() {
    let receiver = webhook_kit::falu::Falu::new("falu-secret").expect("secret");
    let store = MemoryStore::default();
    let (seen, metrics) = observed(|| {
        let once = ExactlyOnce::new(&receiver, &store, "falu");
        assert!(matches!(
            once.run("evt_1", || {
                tracing::info!("processing");
                Ok::<(), &str>(())
            }),
            Handled::Processed { .. }
        ));
        assert!(matches!(
            once.run("evt_1", || Ok::<(), &str>(())),
            Handled::Duplicate { .. }
        ));
        assert!(matches!(
            once.run("evt_2", || Err("database down")),
            Handled::Failed(_)
        ));
        let lease = std::time::Duration::from_secs(60);
        let _claimed = store.claim("falu", "evt_3", lease).expect("claimed");
        assert!(matches!(
            once.run("evt_3", || Ok::<(), &str>(())),
            Handled::InProgress { .. }
        ));
    });
    let spans = seen.spans_named("webhook.process");
    let outcomes: Vec<(&str, &str, Option<&str>)> = spans
        .iter()
        .map(|span| {
            let get = |key: &str| span.fields.get(key).map(String::as_str);
            (
                get("cloudevents.event_id").expect("event id"),
                get("webhook.outcome").expect("outcome"),
                get("error.type"),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("evt_1", "processed", None),
            ("evt_1", "duplicate", None),
            ("evt_2", "failed", Some("failed")),
            ("evt_3", "in_progress", None),
        ]
    );
    for span in &spans {
        assert_eq!(
            span.fields.get("messaging.system").map(String::as_str),
            Some("falu")
        );
        assert_eq!(
            span.fields
                .get("messaging.operation.type")
                .map(String::as_str),
            Some("process")
        );
        assert!(span.fields.contains_key("webhook.duration"));
    }
    // What the processing logs is inside the span; a failure is a warning
    // that does not quote the error.
    let inside: Vec<_> = seen
        .events
        .iter()
        .map(|e| (e.level, e.span.as_deref()))
        .collect();
    assert_eq!(
        inside,
        [
            (Level::INFO, Some("webhook.process")),
            (Level::WARN, Some("webhook.process"))
        ]
    );
    assert!(
        !seen
            .all_text()
            .iter()
            .any(|text| text.contains("database down")),
        "the processing error's content is never recorded"
    );

    for (outcome, count) in [
        ("processed", 1),
        ("duplicate", 1),
        ("failed", 1),
        ("in_progress", 1),
    ] {
        let labels = [("sender", "falu"), ("outcome", outcome)];
        assert_eq!(
            counter(&metrics, "webhook_deliveries_total", &labels),
            Some(count),
            "{outcome}"
        );
    }
    let timing = [("sender", "falu"), ("operation", "process")];
    assert_eq!(
        histogram_len(&metrics, "webhook_duration_seconds", &timing),
        4
    );
}

#[test]
fn exactly_once_async_records_its_span_across_awaits() {
    let receiver = webhook_kit::funnel::Funnel::new();
    let store = MemoryStore::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (seen, metrics) = observed(|| {
        runtime.block_on(async {
            let once = ExactlyOnce::new(&receiver, &store, "funnel");
            let handled = once
                .run_async("8932127", || async {
                    tokio::task::yield_now().await;
                    tracing::info!("processing");
                    Ok::<(), &str>(())
                })
                .await;
            assert!(matches!(handled, Handled::Processed { .. }));
        });
    });
    let spans = seen.spans_named("webhook.process");
    assert_eq!(spans.len(), 1);
    assert_eq!(
        spans[0].fields.get("webhook.outcome").map(String::as_str),
        Some("processed")
    );
    assert_eq!(seen.events.len(), 1);
    assert_eq!(seen.events[0].span.as_deref(), Some("webhook.process"));
    let labels = [("sender", "funnel"), ("outcome", "processed")];
    assert_eq!(
        counter(&metrics, "webhook_deliveries_total", &labels),
        Some(1)
    );
}

// --- The framework's own refusals ---

#[cfg(feature = "tower")]
#[test]
fn a_body_refused_while_read_is_recorded_as_a_rejection() {
    use http_body_util::{BodyExt as _, Full};
    use tower::{Layer as _, ServiceExt as _};

    let receiver = webhook_kit::falu::Falu::new("falu-secret")
        .expect("secret")
        .with_max_body(8);
    let inner = tower::service_fn(|_: http::Request<Full<bytes::Bytes>>| async {
        Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(bytes::Bytes::new())))
    });
    let service = webhook_kit::tower::VerifyLayer::new(receiver).layer(inner);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (seen, metrics) = observed(|| {
        let request = http::Request::post("/")
            .body(Full::new(bytes::Bytes::from_static(
                b"{\"id\": \"far too long\"}",
            )))
            .expect("request");
        let reply = runtime
            .block_on(service.oneshot(request))
            .expect("answered");
        assert_eq!(reply.status(), 413);
        let _ = runtime.block_on(reply.into_body().collect());
    });
    let spans = seen.spans_named("webhook.receive");
    assert_eq!(spans.len(), 1, "{spans:?}");
    assert_eq!(
        spans[0].fields.get("error.type").map(String::as_str),
        Some("body_too_large")
    );
    let reason = [("sender", "falu"), ("reason", "body_too_large")];
    assert_eq!(
        counter(&metrics, "webhook_rejections_total", &reason),
        Some(1)
    );
}

/// Every sender in the sender list (the described ones included): its
/// name on the span and the counters, a forged delivery recorded as a
/// rejection, and neither its secret (or signing key) nor any signature
/// header value anywhere in what is recorded.
#[test]
fn every_sender_in_the_list_is_recorded_by_name_without_its_secret() {
    for sender in senders::all() {
        let receiver = sender.signer();
        let name = receiver.name();
        assert!(
            !name.is_empty() && name != "unnamed",
            "{}: named {name:?}",
            sender.name
        );
        let now = senders::now();
        let genuine = receiver.sign_at(sender.body, now).expect("signed");
        let forged = sender.stranger().sign_at(sender.body, now).ok();
        // The values that depend on the key: those a stranger's signature
        // changes; where the stranger cannot sign (a public key), the long
        // values (signatures, never ids or timestamps here).
        let hidden: Vec<String> = match &forged {
            Some(forged) => secret_dependent_values(&genuine, forged),
            None => genuine
                .values()
                .filter_map(|value| value.to_str().ok().map(str::to_owned))
                .filter(|value| value.len() >= 40)
                .collect(),
        };
        assert!(!hidden.is_empty(), "{name}: no signature found");
        let (seen, metrics) = observed(|| {
            receiver
                .verify_and_parse_at(&genuine, sender.body, now)
                .expect("genuine");
            if let Some(forged) = &forged {
                assert!(
                    receiver
                        .verify_and_parse_at(forged, sender.body, now)
                        .is_err()
                );
            }
        });
        let spans = seen.spans_named("webhook.receive");
        assert!(!spans.is_empty(), "{name}: no span");
        for span in &spans {
            assert_eq!(
                span.fields.get("messaging.system").map(String::as_str),
                Some(name)
            );
        }
        let accepted = [("sender", name), ("outcome", "accepted")];
        assert_eq!(
            counter(&metrics, "webhook_deliveries_total", &accepted),
            Some(1),
            "{name}"
        );
        let text: Vec<String> = seen
            .all_text()
            .into_iter()
            .chain(metric_text(&metrics))
            .collect();
        for recorded in &text {
            assert!(
                !recorded.contains(sender.secret),
                "{name}: its secret in {recorded:?}"
            );
            for value in &hidden {
                // The timestamp and id headers are not secret; signature
                // values are long and appear nowhere else.
                if recorded == value || value.chars().all(|c| c.is_ascii_digit()) {
                    continue;
                }
                assert!(
                    !recorded.contains(value.as_str()),
                    "{name}: {value} in {recorded:?}"
                );
            }
        }
    }
}
