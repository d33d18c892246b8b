//! The nineteen senders described as data on the shared receiver core
//! (`src/engine/`, `src/senders/`): Paddle, Linear, Zoom, Twitch, Twilio,
//! Square, HubSpot, Meta, Calendly, Paystack, Razorpay, Typeform, Discord,
//! Telnyx, SendGrid, GitLab, Lemon Squeezy, Intercom and Dropbox.
//!
//! Input: byte 1 picks the sender (`SENDERS[byte % 19]`); then one line per
//! header of that sender, in the order of [`header_names`] (the headers
//! its `sign_at` sends for a fixed body, in the map's order, then the
//! unsigned ones it reads, in `UNSIGNED`); then the body.
//!
//! Checked for every input: the fuzzed headers through
//! `check_fuzzed_headers`; genuine headers from `sign_at` for the fuzzed
//! body through `check_genuine`, and `check_tamper_detected` except for
//! GitLab's token, which does not cover the body, and Twilio, which signs a
//! form body as its distinct parameters ([`check_twilio_tamper`]); Linear,
//! whose window is read from the signed body, through [`check_linear`];
//! `handshake_at` on the fuzzed request (a `POST` to the fixed URL with
//! the fuzzed headers and body, and a `GET` whose query is the body) and on
//! the genuine one never panics, errors pass `check_error`, and the
//! senders that sign their handshakes (Zoom, Twitch, Discord) answer only a
//! request that verifies, Meta only a `GET` carrying its verify token.

#![no_main]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::sync::OnceLock;

use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use libfuzzer_sys::fuzz_target;
use webhook_kit::calendly::Calendly;
use webhook_kit::discord::Discord;
use webhook_kit::dropbox::Dropbox;
use webhook_kit::gitlab::GitLab;
use webhook_kit::hubspot::HubSpot;
use webhook_kit::intercom::Intercom;
use webhook_kit::lemonsqueezy::LemonSqueezy;
use webhook_kit::linear::Linear;
use webhook_kit::meta::Meta;
use webhook_kit::paddle::Paddle;
use webhook_kit::paystack::Paystack;
use webhook_kit::razorpay::Razorpay;
use webhook_kit::sendgrid::SendGrid;
use webhook_kit::square::Square;
use webhook_kit::telnyx::Telnyx;
use webhook_kit::twilio::Twilio;
use webhook_kit::twitch::Twitch;
use webhook_kit::typeform::Typeform;
use webhook_kit::zoom::Zoom;
use webhook_kit::{Error, Handshake, Provider};
use webhook_kit_fuzz::{
    check_error, check_fuzzed_headers, check_genuine, check_request, check_tamper_detected,
    form_pairs, header_map_named, now,
};

/// The senders, in the order the first input byte picks them.
const SENDERS: [&str; 19] = [
    "paddle",
    "linear",
    "zoom",
    "twitch",
    "twilio",
    "square",
    "hubspot",
    "meta",
    "calendly",
    "paystack",
    "razorpay",
    "typeform",
    "discord",
    "telnyx",
    "sendgrid",
    "gitlab",
    "lemonsqueezy",
    "intercom",
    "dropbox",
];

/// The shared secret of every HMAC and token sender.
const SECRET: &str = "fuzz-sender-secret";
/// Meta's verify token, so its `GET` handshake is answered.
const META_VERIFY_TOKEN: &str = "fuzz-meta-verify-token";
/// The public URL the URL-bound senders (Twilio, Square, HubSpot) were given.
const URL: &str = "https://example.com/webhooks?tenant=1";
/// Ed25519 seeds and the P-256 key of `tests/senders/mod.rs`.
const DISCORD_KEY: &str = "bc84b0be5cfd36b27b1c47d4c547a0a6beb202744d3196f0bbcde91e648a1e14";
const TELNYX_KEY: &str = "b1PB+f2VJ54AARTaeKzBtmdgqJpryVcgUkiKHa+PbV4=";
const SENDGRID_KEY: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1LCPtfns2SOk7BUFCnpBOBJx/JuvnD9yQq0Kl/kuVrOhRANCAAQWzGLN7Vf7pEHIUM/Ete28uTk42gCNMzupyURGffPIeq6LjP8zsKzZTO4yGr4JxAdFNu/VDmkhAe9tRif2JKmw";

/// Headers a sender reads that its signature does not cover (ids, types,
/// message kinds), fuzzed after the signed ones.
const UNSIGNED: &[(&str, &[&str])] = &[
    ("linear", &["linear-delivery"]),
    ("twitch", &["twitch-eventsub-message-type"]),
    ("twilio", &["i-twilio-idempotency-token"]),
    ("razorpay", &["x-razorpay-event-id"]),
    ("gitlab", &["x-gitlab-event"]),
    ("lemonsqueezy", &["x-event-name"]),
];

/// A fixed body to learn each sender's header names from.
const NAMING_BODY: &[u8] = br#"{"webhookTimestamp": 1712258191000}"#;

/// Every receiver, built once.
struct Receivers {
    paddle: Paddle,
    linear: Linear,
    zoom: Zoom,
    twitch: Twitch,
    twilio: Twilio,
    square: Square,
    hubspot: HubSpot,
    meta: Meta,
    calendly: Calendly,
    paystack: Paystack,
    razorpay: Razorpay,
    typeform: Typeform,
    discord: Discord,
    telnyx: Telnyx,
    sendgrid: SendGrid,
    gitlab: GitLab,
    lemonsqueezy: LemonSqueezy,
    intercom: Intercom,
    dropbox: Dropbox,
}

fn receivers() -> &'static Receivers {
    static RECEIVERS: OnceLock<Receivers> = OnceLock::new();
    RECEIVERS.get_or_init(|| Receivers {
        paddle: Paddle::new(SECRET).expect("valid"),
        linear: Linear::new(SECRET).expect("valid"),
        zoom: Zoom::new(SECRET).expect("valid"),
        twitch: Twitch::new(SECRET).expect("valid"),
        twilio: Twilio::new(SECRET, URL).expect("valid"),
        square: Square::new(SECRET, URL).expect("valid"),
        hubspot: HubSpot::new(SECRET, URL).expect("valid"),
        meta: Meta::new(SECRET)
            .and_then(|m| m.with_verify_token(META_VERIFY_TOKEN))
            .expect("valid"),
        calendly: Calendly::new(SECRET).expect("valid"),
        paystack: Paystack::new(SECRET).expect("valid"),
        razorpay: Razorpay::new(SECRET).expect("valid"),
        typeform: Typeform::new(SECRET).expect("valid"),
        discord: Discord::from_signing_key(DISCORD_KEY).expect("valid"),
        telnyx: Telnyx::from_signing_key(TELNYX_KEY).expect("valid"),
        sendgrid: SendGrid::from_signing_key(SENDGRID_KEY).expect("valid"),
        gitlab: GitLab::new(SECRET).expect("valid"),
        lemonsqueezy: LemonSqueezy::new(SECRET).expect("valid"),
        intercom: Intercom::new(SECRET).expect("valid"),
        dropbox: Dropbox::new(SECRET).expect("valid"),
    })
}

/// What sets a sender apart in the checks.
#[derive(Clone, Copy, Default)]
struct Traits {
    /// A bare token: the body is not authenticated.
    token_only: bool,
    /// Handshakes are signed like deliveries and answered only once they
    /// verify.
    signed_handshake: bool,
    /// The replay window is read from the signed body (Linear).
    body_timestamp: bool,
    /// A form body is signed as its distinct parameters, not its bytes
    /// (Twilio).
    form_params: bool,
    /// The verify token a `GET` handshake must carry to be answered (Meta).
    verify_token: Option<&'static str>,
}

/// The header names of sender `index`: what `sign_at` sends for a fixed
/// body, then the unsigned ones it reads. Learnt once per sender.
fn header_names<P: Provider>(index: usize, receiver: &P) -> &'static [HeaderName] {
    static NAMES: [OnceLock<Vec<HeaderName>>; SENDERS.len()] =
        [const { OnceLock::new() }; SENDERS.len()];
    NAMES[index].get_or_init(|| {
        let signed = receiver
            .sign_at(NAMING_BODY, now())
            .expect("every sender signs a plain JSON body");
        let mut names: Vec<HeaderName> = signed.keys().cloned().collect();
        let unsigned = UNSIGNED
            .iter()
            .filter(|(name, _)| *name == SENDERS[index])
            .flat_map(|(_, names)| names.iter());
        for name in unsigned {
            let name = HeaderName::from_static(name);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    })
}

/// Splits `data` into `count` lines and the body, as `split` does.
fn split_lines(data: &[u8], count: usize) -> (Vec<&[u8]>, &[u8]) {
    let mut lines = Vec::with_capacity(count);
    let mut rest = data;
    for _ in 0..count {
        match rest.iter().position(|&b| b == b'\n') {
            Some(at) => {
                lines.push(&rest[..at]);
                rest = &rest[at + 1..];
            }
            None => {
                lines.push(rest);
                rest = b"";
            }
        }
    }
    (lines, rest)
}

/// Every byte of a request, for `check_error`'s "unless echoed" rule.
fn request_parts<'a>(headers: &'a HeaderMap, body: &'a [u8], extra: &'a [u8]) -> Vec<&'a [u8]> {
    let mut parts: Vec<&[u8]> = headers.values().map(HeaderValue::as_bytes).collect();
    parts.push(body);
    parts.push(extra);
    parts
}

/// `handshake_at` on one request: never a panic, errors as for any
/// request, and an answer from a sender that signs its handshakes only
/// when the request verifies.
fn check_handshake<P: Provider>(
    receiver: &P,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[&str],
    traits: Traits,
) -> Option<Result<(), Error>> {
    let request = Handshake::new(method, uri, headers, body);
    let reply = receiver.handshake_at(&request, now())?;
    let query = uri.query().unwrap_or("").as_bytes();
    match reply {
        Ok(response) => {
            let _ = (response.status(), response.headers(), response.body().len());
            if traits.signed_handshake {
                let verified = receiver.verify_at(headers, body, now());
                assert!(
                    verified.is_ok(),
                    "answered an unverified handshake: {verified:?}"
                );
            }
            if let Some(token) = traits.verify_token {
                let sent = request.query("hub.verify_token");
                assert_eq!(
                    sent.as_deref(),
                    Some(token),
                    "answered a wrong verify token"
                );
            }
            Some(Ok(()))
        }
        Err(err) => {
            check_error(&err, secrets, &request_parts(headers, body, query));
            Some(Err(err))
        }
    }
}

/// The checks every sender gets; `index` picks its header names.
fn check_sender<P>(index: usize, receiver: &P, secrets: &[&str], traits: Traits, data: &[u8])
where
    P: Provider,
    P::Event: Debug + PartialEq,
{
    let names = header_names(index, receiver);
    let (lines, body) = split_lines(data, names.len());
    let pairs: Vec<(Option<&HeaderName>, &[u8])> =
        names.iter().map(Some).zip(lines.iter().copied()).collect();
    let headers = header_map_named(&pairs);

    if traits.body_timestamp {
        check_linear(receiver, &headers, body, secrets);
    } else {
        check_fuzzed_headers(receiver, &headers, body, secrets);
    }

    let url = Uri::from_static(URL);
    check_handshake(
        receiver,
        &Method::POST,
        &url,
        &headers,
        body,
        secrets,
        traits,
    );
    if let Some(uri) = std::str::from_utf8(body)
        .ok()
        .and_then(|query| format!("/webhooks?{query}").parse::<Uri>().ok())
    {
        check_handshake(receiver, &Method::GET, &uri, &headers, b"", secrets, traits);
    }

    if traits.body_timestamp {
        return;
    }
    let Some((genuine, outcome)) = check_genuine(receiver, body, secrets) else {
        return;
    };
    assert_eq!(outcome, receiver.parse(body));
    if traits.form_params {
        check_twilio_tamper(receiver, &genuine, body);
    } else if !traits.token_only {
        check_tamper_detected(receiver, &genuine, body);
    }
    if let Some(Err(err)) = check_handshake(
        receiver,
        &Method::POST,
        &url,
        &genuine,
        body,
        secrets,
        traits,
    ) && traits.signed_handshake
    {
        assert!(!err.is_auth(), "a genuine handshake was refused: {err:?}");
    }
}

/// What Twilio signs of a form body after the URL: each distinct
/// parameter, sorted by name and value, name then value, no separators
/// (`twilio-python`'s `compute_signature`), written apart from the crate.
fn twilio_form_content(body: &[u8]) -> String {
    let mut sorted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, value) in form_pairs(body) {
        sorted.entry(name).or_default().insert(value);
    }
    sorted
        .iter()
        .flat_map(|(name, values)| values.iter().map(move |value| format!("{name}{value}")))
        .collect()
}

/// Twilio's tamper detection: a JSON body is signed through its hash, so
/// one more byte always breaks the signature; a form body is signed as its
/// distinct parameters, so one more byte breaks it exactly when that
/// changes them (a trailing `" "` after `"+&"` repeats a parameter, and
/// `"a=b"` → `"a=b "` changes one).
fn check_twilio_tamper<P: Provider>(receiver: &P, genuine: &HeaderMap, body: &[u8]) {
    let mut tampered = body.to_vec();
    tampered.push(b' ');
    let json = body
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|b| matches!(b, b'{' | b'['));
    let changed = json || twilio_form_content(body) != twilio_form_content(&tampered);
    let verified = receiver.verify_at(genuine, &tampered, now());
    if changed {
        assert!(
            matches!(verified, Err(Error::SignatureMismatch)),
            "signature still verifies after the signed parameters changed: {verified:?}"
        );
    } else {
        assert!(
            verified.is_ok(),
            "the same distinct parameters no longer verify: {verified:?}"
        );
    }
}

/// Linear signs the body and reads its window from the body's
/// `webhookTimestamp`, after the signature matched. So fuzzed headers fail
/// authentication unless they carry the genuine signature; genuine headers
/// for a fuzzed body always get past the signature, and then either verify
/// (and give `parse(body)`) or fail on the body's timestamp alone.
fn check_linear<P>(receiver: &P, headers: &HeaderMap, body: &[u8], secrets: &[&str])
where
    P: Provider,
    P::Event: Debug + PartialEq,
{
    let (verified, outcome) = check_request(receiver, headers, body, secrets);
    if verified.is_ok() {
        assert_eq!(outcome, receiver.parse(body));
    }
    let genuine = receiver
        .sign_at(body, now())
        .expect("Linear signs every body");
    let (verified, outcome) = check_request(receiver, &genuine, body, secrets);
    match verified {
        Ok(_) => assert_eq!(outcome, receiver.parse(body)),
        Err(err) => assert!(
            matches!(
                err,
                Error::TimestampTooOld { .. }
                    | Error::TimestampInFuture { .. }
                    | Error::InvalidPayload { .. }
            ),
            "a genuine signature failed other than on the body's timestamp: {err:?}"
        ),
    }
    check_tamper_detected(receiver, &genuine, body);
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let index = usize::from(pick) % SENDERS.len();
    let r = receivers();
    let hmac = [SECRET];
    let plain = Traits::default();
    let signed_handshake = Traits {
        signed_handshake: true,
        ..plain
    };
    match SENDERS[index] {
        "paddle" => check_sender(index, &r.paddle, &hmac, plain, data),
        "linear" => {
            let linear = Traits {
                body_timestamp: true,
                ..plain
            };
            check_sender(index, &r.linear, &hmac, linear, data)
        }
        "zoom" => check_sender(index, &r.zoom, &hmac, signed_handshake, data),
        "twitch" => check_sender(index, &r.twitch, &hmac, signed_handshake, data),
        "twilio" => {
            let form = Traits {
                form_params: true,
                ..plain
            };
            check_sender(index, &r.twilio, &hmac, form, data)
        }
        "square" => check_sender(index, &r.square, &hmac, plain, data),
        "hubspot" => check_sender(index, &r.hubspot, &hmac, plain, data),
        "meta" => {
            let verified_by_token = Traits {
                verify_token: Some(META_VERIFY_TOKEN),
                ..plain
            };
            let secrets = [SECRET, META_VERIFY_TOKEN];
            check_sender(index, &r.meta, &secrets, verified_by_token, data)
        }
        "calendly" => check_sender(index, &r.calendly, &hmac, plain, data),
        "paystack" => check_sender(index, &r.paystack, &hmac, plain, data),
        "razorpay" => check_sender(index, &r.razorpay, &hmac, plain, data),
        "typeform" => check_sender(index, &r.typeform, &hmac, plain, data),
        "discord" => check_sender(index, &r.discord, &[DISCORD_KEY], signed_handshake, data),
        "telnyx" => check_sender(index, &r.telnyx, &[TELNYX_KEY], plain, data),
        "sendgrid" => check_sender(index, &r.sendgrid, &[SENDGRID_KEY], plain, data),
        "gitlab" => {
            let token = Traits {
                token_only: true,
                ..plain
            };
            check_sender(index, &r.gitlab, &hmac, token, data)
        }
        "lemonsqueezy" => check_sender(index, &r.lemonsqueezy, &hmac, plain, data),
        "intercom" => check_sender(index, &r.intercom, &hmac, plain, data),
        "dropbox" => check_sender(index, &r.dropbox, &hmac, plain, data),
        other => unreachable!("{other} is in SENDERS"),
    }
});
