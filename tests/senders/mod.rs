//! The sender list: every sender the crate has, once, as the conformance
//! suite (`tests/sender_suite.rs`), `tests/no_alloc.rs`, the benches and the
//! demo see it. Adding a sender is one entry in [`all`];
//! `every_sender_in_the_crate_is_in_the_list` fails until it is there.
#![allow(dead_code, reason = "each user reads a different part")]

use std::time::Duration;

use webhook_kit::time::OffsetDateTime;
use webhook_kit::{DynProvider, Error, Provider, Receivers, ReplyRule, RetrySchedule, Tolerance};

/// Parses a body and checks its event survives a JSON round trip.
pub(crate) type RoundTrip = dyn Fn(&[u8]) -> Result<(), String>;

/// One sender as the cross-cutting checks see it.
pub(crate) struct Fixture {
    /// The sender's cargo feature and module name.
    pub(crate) name: &'static str,
    /// Routes `signer` (signs with the first secret or the signing key) and
    /// `stranger` (trusts only another secret or key).
    receivers: Receivers,
    /// What constructing with an empty secret or key gave.
    pub(crate) empty: Result<(), Error>,
    /// A genuine body, JSON the sender's envelope reads.
    pub(crate) body: &'static [u8],
    /// Headers a delivery carries that the signature does not cover.
    pub(crate) unsigned: &'static [&'static str],
    /// Signed headers that may be left out (checked when present).
    pub(crate) optional: &'static [&'static str],
    /// Whether the body is authenticated (not so for a bare token).
    pub(crate) body_signed: bool,
    /// The window of a sender that signs a timestamp.
    pub(crate) window: Option<Tolerance>,
    /// The secret or key text `signer` holds, never to be shown.
    pub(crate) secret: &'static str,
    /// Parses `body` with the concrete receiver and checks that the event
    /// survives a JSON round trip.
    pub(crate) round_trip: Box<RoundTrip>,
    /// The sender's named presets, for a sender that has them.
    pub(crate) presets: Option<Presets>,
    /// The body field that carries the time of sending, in milliseconds,
    /// for a sender that signs its time inside the body.
    body_time: Option<&'static str>,
    /// Adds a receiver holding the signer's secret or key to a
    /// [`Receivers`], under a route name.
    route: Box<Route>,
}

/// Adds a sender's receiver to a [`Receivers`] under a route name.
pub(crate) type Route = dyn Fn(Receivers, String) -> Receivers + Send + Sync;

/// A sender's presets: `ReplyRule::<sender>()`, `RetrySchedule::<sender>()`
/// and, where it signs a timestamp, `Tolerance::<sender>()`.
pub(crate) struct Presets {
    pub(crate) reply: ReplyRule,
    pub(crate) retries: RetrySchedule,
    pub(crate) window: Option<Tolerance>,
}

impl Fixture {
    pub(crate) fn signer(&self) -> &DynProvider {
        self.receivers.get("signer").expect("routed")
    }

    pub(crate) fn stranger(&self) -> &DynProvider {
        self.receivers.get("stranger").expect("routed")
    }

    /// `receivers` with a receiver like `signer` routed as `name`.
    pub(crate) fn route(&self, receivers: Receivers, name: String) -> Receivers {
        (self.route)(receivers, name)
    }

    pub(crate) fn debug(&self) -> String {
        format!("{:?}", self.receivers)
    }

    /// Marks signed headers that a genuine delivery may leave out.
    pub(crate) fn optional(mut self, headers: &'static [&'static str]) -> Self {
        self.optional = headers;
        self
    }

    /// Marks a sender that signs the time of sending inside the body, in
    /// milliseconds in `field`.
    pub(crate) fn signs_time_in_body(mut self, field: &'static str) -> Self {
        self.body_time = Some(field);
        self
    }

    /// `body` as sent at `at`: the list's bodies were written at [`now`];
    /// a sender that signs its time inside the body writes `at` there.
    pub(crate) fn body_at(&self, at: OffsetDateTime) -> Vec<u8> {
        let Some(field) = self.body_time else {
            return self.body.to_vec();
        };
        let mut body: serde_json::Value =
            serde_json::from_slice(self.body).expect("the list's bodies are JSON");
        let millis = i64::try_from(at.unix_timestamp_nanos() / 1_000_000).expect("in range");
        body[field] = millis.into();
        serde_json::to_vec(&body).expect("serialisable")
    }

    /// Marks a sender that authenticates with a token, not the body.
    pub(crate) fn token_only(mut self) -> Self {
        self.body_signed = false;
        self
    }

    /// Names the sender's presets, which the suite checks against what its
    /// receiver starts with.
    pub(crate) fn presets(
        mut self,
        reply: ReplyRule,
        retries: RetrySchedule,
        window: Option<Tolerance>,
    ) -> Self {
        self.presets = Some(Presets {
            reply,
            retries,
            window,
        });
        self
    }
}

/// A sender's receivers, before their types are erased.
pub(crate) struct Keys<P> {
    pub(crate) signer: P,
    pub(crate) stranger: P,
    pub(crate) empty: Result<P, Error>,
    pub(crate) secret: &'static str,
}

/// Receivers of a shared-secret sender, built by `make`.
pub(crate) fn shared<P>(make: impl Fn(&'static str) -> Result<P, Error>) -> Keys<P> {
    Keys {
        signer: make(SECRET).expect("usable secret"),
        stranger: make("suite-secret-2").expect("usable secret"),
        empty: make(""),
        secret: SECRET,
    }
}

pub(crate) const SECRET: &str = "suite-secret-1";

/// Receivers of a key-pair sender: `signer` holds `signing_key`, `stranger`
/// trusts only `other_public_key`, `empty` is built from an empty key.
pub(crate) fn key_pair<P>(
    from_signing_key: fn(&'static str) -> Result<P, Error>,
    new: fn(&'static str) -> Result<P, Error>,
    signing_key: &'static str,
    other_public_key: &'static str,
) -> Keys<P> {
    Keys {
        signer: from_signing_key(signing_key).expect("usable signing key"),
        stranger: new(other_public_key).expect("usable public key"),
        empty: new(""),
        secret: signing_key,
    }
}

/// The public URL a URL-bound sender was given.
pub(crate) const URL: &str = "https://example.com/webhooks?tenant=1";

pub(crate) fn fixture<P>(
    name: &'static str,
    keys: Keys<P>,
    body: &'static [u8],
    unsigned: &'static [&'static str],
    window: Option<Tolerance>,
) -> Fixture
where
    P: Provider + Clone + std::fmt::Debug + Send + Sync + 'static,
    P::Event: std::fmt::Debug
        + PartialEq
        + serde::Serialize
        + serde::de::DeserializeOwned
        + Send
        + Sync
        + 'static,
{
    let parser = keys.signer.clone();
    let routed = keys.signer.clone();
    let route =
        move |receivers: Receivers, name: String| receivers.with_receiver(name, routed.clone());
    let round_trip = move |body: &[u8]| {
        let event = parser.parse(body).map_err(|e| e.to_string())?;
        let text = serde_json::to_string(&event).map_err(|e| e.to_string())?;
        let back: P::Event = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        if back == event {
            Ok(())
        } else {
            Err(format!("{event:?} came back as {back:?}"))
        }
    };
    Fixture {
        name,
        receivers: Receivers::new()
            .with_receiver("signer", keys.signer)
            .with_receiver("stranger", keys.stranger),
        empty: keys.empty.map(|_| ()),
        body,
        unsigned,
        optional: &[],
        body_signed: true,
        window,
        secret: keys.secret,
        round_trip: Box::new(round_trip),
        presets: None,
        body_time: None,
        route: Box::new(route),
    }
}

/// A fixed instant, so the checks never depend on the clock.
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
}

const fn window(past: u64, future: u64) -> Option<Tolerance> {
    Some(Tolerance::new(
        Duration::from_secs(past),
        Duration::from_secs(future),
    ))
}

/// Every sender, each with a genuine body.
#[allow(
    clippy::vec_init_then_push,
    reason = "one push per sender, each behind its feature"
)]
pub(crate) fn all() -> Vec<Fixture> {
    use webhook_kit::*;
    #[allow(unused_mut, reason = "with no sender feature, nothing is pushed")]
    let mut list = Vec::new();
    #[cfg(feature = "funnel")]
    list.push(fixture(
        "funnel",
        shared(|s| funnel::Funnel::new().with_token(s)),
        br#"{"id": 8932127, "event_type": "lease_transaction.status_updated", "event_timestamp": 1680064028, "idempotency_key": null, "event_data": {"lease_transaction_id": 1, "lease_transaction_type": "Application", "current_status": "approved", "previous_status": "pending", "client_id": 2, "community_id": 3}}"#,
        &[],
        None,
    ).token_only().presets(ReplyRule::funnel(), RetrySchedule::funnel(), None));
    #[cfg(feature = "fourvenues")]
    list.push(fixture(
        "fourvenues",
        shared(fourvenues::Fourvenues::new),
        br#"{"id": "fv_1", "event": "payment.success", "payload": {"payment_id": "p1", "resource_type": "ticket", "resource_ids": ["t1"], "metadata": {}, "send_resources": true}}"#,
        &[],
        None,
    ).optional(&["x-webhook-id"]).presets(ReplyRule::fourvenues(), RetrySchedule::fourvenues(), None));
    #[cfg(feature = "falu")]
    list.push(fixture(
        "falu",
        shared(falu::Falu::new),
        br#"{"id": "evt_1", "type": "message.sent", "created": "2023-11-14T22:13:20Z", "data": {"object": {"id": "msg_1"}}}"#,
        &[],
        window(300, 60),
    ).presets(ReplyRule::falu(), RetrySchedule::falu(), Some(Tolerance::falu())));
    #[cfg(feature = "clickfunnels")]
    list.push(
        fixture(
            "clickfunnels",
            shared(clickfunnels::ClickFunnels::new),
            br#"{"event_id": "e-1", "event_type": "contact.identified", "data": {"id": 1}}"#,
            &[],
            window(600, 600),
        )
        .presets(
            ReplyRule::clickfunnels(),
            RetrySchedule::clickfunnels(),
            Some(Tolerance::clickfunnels()),
        ),
    );
    #[cfg(feature = "standard")]
    list.push(fixture(
        "standard",
        Keys {
            signer: standard::StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                .expect("usable"),
            stranger: standard::StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
                .expect("usable"),
            empty: standard::StandardWebhooks::new(""),
            secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
        br#"{"type": "invoice.paid", "timestamp": "2023-11-14T22:13:20Z", "data": {"id": "in_1"}}"#,
        &[],
        window(300, 300),
    ).presets(ReplyRule::standard_webhooks(), RetrySchedule::standard_webhooks(), Some(Tolerance::standard_webhooks())));
    #[cfg(feature = "github")]
    list.push(
        fixture(
            "github",
            shared(github::GitHub::new),
            br#"{"action": "opened", "number": 1, "repository": {"full_name": "o/r"}}"#,
            &["x-github-event", "x-github-delivery"],
            None,
        )
        .presets(ReplyRule::github(), RetrySchedule::github(), None),
    );
    #[cfg(feature = "stripe")]
    list.push(fixture(
        "stripe",
        shared(stripe::Stripe::new),
        br#"{"id": "evt_1", "object": "event", "type": "invoice.paid", "created": 1700000000, "livemode": false, "data": {"object": {"id": "in_1"}}}"#,
        &[],
        window(300, 300),
    ).presets(ReplyRule::stripe(), RetrySchedule::stripe(), Some(Tolerance::stripe())));
    #[cfg(feature = "shopify")]
    list.push(
        fixture(
            "shopify",
            shared(shopify::Shopify::new),
            br#"{"id": 820982911946154508, "email": "jon@example.com"}"#,
            &[
                "x-shopify-topic",
                "x-shopify-webhook-id",
                "x-shopify-triggered-at",
                "x-shopify-shop-domain",
                "x-shopify-api-version",
                "x-shopify-event-id",
            ],
            None,
        )
        .presets(ReplyRule::shopify(), RetrySchedule::shopify(), None),
    );
    #[cfg(feature = "slack")]
    list.push(fixture(
        "slack",
        shared(slack::Slack::new),
        br#"{"type": "event_callback", "event_id": "Ev1", "event_time": 1700000000, "event": {"type": "app_mention", "text": "hi"}}"#,
        &[],
        window(300, 300),
    ).presets(ReplyRule::slack(), RetrySchedule::slack(), Some(Tolerance::slack())));
    #[cfg(feature = "paddle")]
    list.push(
        fixture(
            "paddle",
            shared(paddle::Paddle::new),
            br#"{"event_id": "evt_01", "event_type": "transaction.paid", "occurred_at": "2023-11-14T22:13:20Z", "notification_id": "ntf_01", "data": {"id": "txn_01"}}"#,
            &[],
            window(5, 5),
        )
        .presets(ReplyRule::paddle(), RetrySchedule::paddle(), Some(Tolerance::paddle())),
    );
    // -- group A: linear, meta, paystack, razorpay, typeform, calendly
    #[cfg(feature = "linear")]
    list.push(
        fixture(
            "linear",
            shared(linear::Linear::new),
            br#"{"action": "create", "type": "Issue", "data": {"id": "9f1e"}, "createdAt": "2023-11-14T22:13:20.000Z", "webhookTimestamp": 1700000000000}"#,
            &[],
            window(60, 60),
        )
        .presets(ReplyRule::linear_app(), RetrySchedule::linear_app(), Some(Tolerance::linear_app()))
        .signs_time_in_body("webhookTimestamp"),
    );
    #[cfg(feature = "meta")]
    list.push(
        fixture(
            "meta",
            shared(meta::Meta::new),
            br#"{"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp"}}]}]}"#,
            &[],
            None,
        )
        .presets(ReplyRule::meta(), RetrySchedule::meta(), None),
    );
    #[cfg(feature = "paystack")]
    list.push(
        fixture(
            "paystack",
            shared(paystack::Paystack::new),
            br#"{"event": "charge.success", "data": {"id": 302961, "reference": "qTPrJoy9Bx"}}"#,
            &[],
            None,
        )
        .presets(ReplyRule::paystack(), RetrySchedule::paystack(), None),
    );
    #[cfg(feature = "razorpay")]
    list.push(
        fixture(
            "razorpay",
            shared(razorpay::Razorpay::new),
            br#"{"entity": "event", "account_id": "acc_1", "event": "payment.captured", "contains": ["payment"], "payload": {"payment": {"entity": {"id": "pay_1"}}}, "created_at": 1700000000}"#,
            &[],
            None,
        )
        .presets(ReplyRule::razorpay(), RetrySchedule::razorpay(), None),
    );
    #[cfg(feature = "typeform")]
    list.push(
        fixture(
            "typeform",
            shared(typeform::Typeform::new),
            br#"{"event_id": "01HGZ8", "event_type": "form_response", "form_response": {"form_id": "lT4Z3j", "submitted_at": "2023-11-14T22:13:20Z"}}"#,
            &[],
            None,
        )
        .presets(ReplyRule::typeform(), RetrySchedule::typeform(), None),
    );
    #[cfg(feature = "calendly")]
    list.push(
        fixture(
            "calendly",
            shared(calendly::Calendly::new),
            br#"{"event": "invitee.created", "created_at": "2023-11-14T22:13:20.000000Z", "payload": {"uri": "https://api.calendly.com/scheduled_events/A/invitees/B"}}"#,
            &[],
            window(180, 180),
        )
        .presets(ReplyRule::calendly(), RetrySchedule::calendly(), Some(Tolerance::calendly())),
    );
    // -- end of group A
    // -- group B: twilio, square, hubspot, zoom, twitch
    #[cfg(feature = "zoom")]
    list.push(
        fixture(
            "zoom",
            shared(zoom::Zoom::new),
            br#"{"event": "meeting.started", "event_ts": 1700000000000, "payload": {"account_id": "a1", "object": {"id": "85309"}}}"#,
            &[],
            window(300, 300),
        )
        .presets(ReplyRule::zoom(), RetrySchedule::zoom(), Some(Tolerance::zoom())),
    );
    #[cfg(feature = "twitch")]
    list.push(
        fixture(
            "twitch",
            shared(twitch::Twitch::new),
            br#"{"subscription": {"id": "f1c2a387", "status": "enabled", "type": "channel.follow", "version": "2", "condition": {"broadcaster_user_id": "1337"}, "transport": {"method": "webhook"}, "created_at": "2019-11-16T10:11:12.634234626Z"}, "event": {"user_login": "cool_user"}}"#,
            &["twitch-eventsub-message-type"],
            window(600, 600),
        )
        .presets(ReplyRule::twitch(), RetrySchedule::twitch(), Some(Tolerance::twitch())),
    );
    #[cfg(feature = "square")]
    list.push(
        fixture(
            "square",
            shared(|s| square::Square::new(s, URL)),
            br#"{"merchant_id": "M1", "type": "payment.updated", "event_id": "e1", "created_at": "2023-11-14T22:13:20Z", "data": {"type": "payment", "id": "p1"}}"#,
            &[],
            None,
        )
        .presets(ReplyRule::square(), RetrySchedule::square(), None),
    );
    #[cfg(feature = "hubspot")]
    list.push(
        fixture(
            "hubspot",
            shared(|s| hubspot::HubSpot::new(s, URL)),
            br#"[{"eventId": 1, "subscriptionId": 12345, "portalId": 62515, "occurredAt": 1700000000000, "subscriptionType": "contact.creation", "attemptNumber": 0, "objectId": 123, "changeSource": "CRM", "changeFlag": "NEW", "appId": 54321}]"#,
            &[],
            window(300, 300),
        )
        .presets(ReplyRule::hubspot(), RetrySchedule::hubspot(), Some(Tolerance::hubspot())),
    );
    #[cfg(feature = "twilio")]
    list.push(
        fixture(
            "twilio",
            shared(|s| twilio::Twilio::new(s, URL)),
            br#"{"specversion": "1.0", "type": "com.twilio.messaging.message.delivered", "source": "/2010-04-01/Accounts/AC1/Messages/SM1.json", "id": "EZ1", "time": "2023-11-14T22:13:20Z", "data": {"messageSid": "SM1"}}"#,
            &[],
            None,
        )
        .presets(ReplyRule::twilio(), RetrySchedule::twilio(), None),
    );
    // -- end of group B
    // -- group C: discord, telnyx (with `ed25519`), sendgrid (with `ecdsa`)
    #[cfg(all(feature = "discord", feature = "ed25519"))]
    list.push(
        fixture(
            "discord",
            // tests/data/discord's primary seed, and the rotated key's public half.
            key_pair(
                discord::Discord::from_signing_key,
                discord::Discord::new,
                "bc84b0be5cfd36b27b1c47d4c547a0a6beb202744d3196f0bbcde91e648a1e14",
                "32fcb550c93d50934cee7627164921715eac458dc3fe6e7daf055df2a33dcad6",
            ),
            br#"{"application_id": "1227000000000000000", "id": "1227086452651560960", "type": 2, "token": "dG9rZW4", "data": {"name": "roll"}, "version": 1}"#,
            &[],
            window(300, 300),
        )
        .presets(ReplyRule::discord(), RetrySchedule::discord(), Some(Tolerance::discord())),
    );
    #[cfg(all(feature = "telnyx", feature = "ed25519"))]
    list.push(
        fixture(
            "telnyx",
            key_pair(
                telnyx::Telnyx::from_signing_key,
                telnyx::Telnyx::new,
                "b1PB+f2VJ54AARTaeKzBtmdgqJpryVcgUkiKHa+PbV4=",
                "pfg6pnzSs8Z//bIZ6TYxtp5Gfrp2rQ3QgzirujXFLeY=",
            ),
            br#"{"data": {"event_type": "message.received", "id": "b301ed3f-1490-491f-995f-6e64e69674d4", "occurred_at": "2023-11-14T22:13:20Z", "record_type": "event", "payload": {"text": "hi"}}, "meta": {"attempt": 1}}"#,
            &[],
            window(300, 300),
        )
        .presets(ReplyRule::telnyx(), RetrySchedule::telnyx(), Some(Tolerance::telnyx())),
    );
    #[cfg(all(feature = "sendgrid", feature = "ecdsa"))]
    list.push(
        fixture(
            "sendgrid",
            // tests/data/sendgrid's primary PKCS #8 key, and the rotated key's SPKI.
            key_pair(
                sendgrid::SendGrid::from_signing_key,
                sendgrid::SendGrid::new,
                "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1LCPtfns2SOk7BUFCnpBOBJx/JuvnD9yQq0Kl/kuVrOhRANCAAQWzGLN7Vf7pEHIUM/Ete28uTk42gCNMzupyURGffPIeq6LjP8zsKzZTO4yGr4JxAdFNu/VDmkhAe9tRif2JKmw",
                "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7vBqXl4yyTQ+c5UjpdHinbLPOY5GG0ySHB9YKUwgv/wwqHsGja+Hd+0R/didG7kj2o1aPsy3TlzqIaFc5FIPDA==",
            ),
            b"[{\"email\": \"ada@example.com\", \"event\": \"delivered\", \"sg_event_id\": \"ZGVs\", \"timestamp\": 1700000000},\r\n{\"email\": \"ada@example.com\", \"event\": \"open\", \"sg_event_id\": \"b3Bl\", \"timestamp\": 1700000001}]\r\n",
            &[],
            window(300, 300),
        )
        .presets(ReplyRule::sendgrid(), RetrySchedule::sendgrid(), Some(Tolerance::sendgrid())),
    );
    // -- end of group C
    // -- group D: gitlab, lemonsqueezy, intercom, dropbox
    #[cfg(feature = "gitlab")]
    list.push(
        fixture(
            "gitlab",
            shared(gitlab::GitLab::new),
            br#"{"object_kind": "push", "event_name": "push", "ref": "refs/heads/main", "project": {"path_with_namespace": "mike/diaspora"}}"#,
            &["x-gitlab-event"],
            None,
        )
        .token_only()
        .presets(ReplyRule::gitlab(), RetrySchedule::gitlab(), None),
    );
    #[cfg(feature = "lemonsqueezy")]
    list.push(
        fixture(
            "lemonsqueezy",
            shared(lemonsqueezy::LemonSqueezy::new),
            br#"{"meta": {"event_name": "subscription_created", "custom_data": {"user_id": "u1"}}, "data": {"type": "subscriptions", "id": "1", "attributes": {"status": "active"}}}"#,
            &["x-event-name"],
            None,
        )
        .presets(ReplyRule::lemonsqueezy(), RetrySchedule::lemonsqueezy(), None),
    );
    #[cfg(feature = "intercom")]
    list.push(
        fixture(
            "intercom",
            shared(intercom::Intercom::new),
            br#"{"type": "notification_event", "id": "notif_01", "topic": "conversation.user.created", "app_id": "a86dr8yl", "created_at": 1700000000, "data": {"type": "notification_event_data", "item": {"type": "conversation", "id": "c1"}}}"#,
            &[],
            None,
        )
        .presets(ReplyRule::intercom(), RetrySchedule::intercom(), None),
    );
    #[cfg(feature = "dropbox")]
    list.push(
        fixture(
            "dropbox",
            shared(dropbox::Dropbox::new),
            br#"{"list_folder": {"accounts": ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]}, "delta": {"users": [12345]}}"#,
            &[],
            None,
        )
        .presets(ReplyRule::dropbox(), RetrySchedule::dropbox(), None),
    );
    // -- end of group D
    // A scheme described at run time (always built: `custom` has no feature).
    list.push(fixture(
        "custom",
        shared(|s| {
            custom::SchemeBuilder::new("x-acme-signature")
                .signature_prefix("v1=")
                .id_header("x-acme-id")
                .timestamp_header("x-acme-timestamp")
                .sign_id_and_timestamp('.')
                .id_field("id")
                .type_field("type")
                .build()
                .and_then(|scheme| scheme.receiver(s))
        }),
        br#"{"id": "evt_1", "type": "order.paid", "data": {"id": 7}}"#,
        &[],
        window(300, 300),
    ));
    list
}

/// The senders this build should have: the crate's default features (one
/// per sender), less those whose algorithm's feature is off.
#[allow(
    clippy::match_like_matches_macro,
    reason = "without the algorithm features every named arm is `false`"
)]
pub(crate) fn expected_names() -> Vec<String> {
    let manifest = include_str!("../../Cargo.toml");
    let start = manifest.find("default = [").expect("default features");
    let end = start + manifest[start..].find(']').expect("closing bracket");
    manifest[start + "default = [".len()..end]
        .split(',')
        .map(|name| name.trim().trim_matches('"').to_owned())
        .filter(|name| !name.is_empty())
        .filter(|name| match name.as_str() {
            "discord" | "telnyx" => cfg!(feature = "ed25519"),
            "sendgrid" => cfg!(feature = "ecdsa"),
            _ => true,
        })
        .collect()
}
