//! `custom::SchemeBuilder`: a fuzzed description of a sender, then requests
//! through the receiver it builds.
//!
//! Input: five option bytes, then lines, then the body.
//!
//! | byte | bits | chooses |
//! |---|---|---|
//! | 0 | 0–1 | grammar: one MAC after line 5 as prefix; `versioned_list(line 5)`; `key_value(line 5, line 6)`; one MAC, no prefix call |
//! | 0 | 2–3 | encoding: hex, base64, hex or base64, (default) |
//! | 0 | 4–5 | signed content: body; `sign_timestamp`; `sign_id_and_timestamp`; `signed_parts` read from line 7 |
//! | 0 | 6, 7 | `canonical_timestamp()`; `form_body()` |
//! | 1 | 0–1, 2–3, 4–5 | timestamp, id, type header: none; a name from [`NAMES`] (byte 4); the text of line 2/3/4; a name from [`NAMES`] (byte 4 shifted) |
//! | 1 | 6–7 | signature header: [`NAMES`]\[byte 4 % n\]; line 1; `x-signature`; line 1 |
//! | 2 | | the separator (a byte above 127 is a non-ASCII `char`) |
//! | 3 | 0–1, 2–3, 4–5 | id, type, time field: none; line 8/9/10 as given; `/data/<line>`; a fixed name |
//! | 3 | 6–7 | tolerance: default; byte 4 seconds both ways; zero; 600 s past, byte 4 future |
//! | 4 | | picks names from [`NAMES`], tolerance seconds; `% 3`: the HMAC algorithm (SHA-1, -256, -512); `/ 3 % 3`: the timestamp format (seconds, milliseconds, RFC 3339) |
//!
//! Lines: 1–4 header names (signature, timestamp, id, type), 5 prefix /
//! version / timestamp key, 6 signature key, 7 signed prefix (or, for
//! `signed_parts`, one part per byte: `% 6` timestamp, id, body, URL,
//! sorted form parameters, or the next byte as text), 8–10 field paths
//! (id, type, time), 11–14 the request's header values (signature,
//! timestamp, id, type), 15 an id and 16 a type to sign with
//! `sign_event_at` / `sign_with_id_at`.

#![no_main]

use std::time::Duration;

use http::{HeaderMap, HeaderName};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;
use webhook_kit::custom::{
    Algorithm, CustomReceiver, Event, MacEncoding, SchemeBuilder, SignedPart, TimestampFormat,
};
use webhook_kit::{Delivery, Error, Provider, Tolerance};
use webhook_kit_fuzz::{
    check_request, check_signed, check_tamper_detected, contains, header_map_named, now, split,
    visible_text,
};

const SECRET: &str = "fuzz-custom-secret";
const OLD_SECRET: &str = "fuzz-custom-old-secret";
/// The public URL a scheme that signs the URL is bound to.
const URL: &str = "https://example.com/hooks?tenant=1";
const SECRETS: &[&str] = &[SECRET, OLD_SECRET];

/// Header names the description picks from: real senders' names, and two
/// that differ only in case, which must count as the same header.
const NAMES: &[&str] = &[
    "x-signature",
    "X-Signature",
    "x-timestamp",
    "x-id",
    "x-event",
    "webhook-signature",
    "webhook-timestamp",
    "webhook-id",
    "x-hub-signature-256",
    "x-github-event",
    "content-type",
    "",
];

/// What the description chose, beside the builder, for the checks.
struct Chosen {
    signs_timestamp: bool,
    /// Whether the id is signed.
    signs_id: bool,
    /// `sign_id_and_timestamp`'s separator.
    separator: Option<char>,
    /// Whether the URL is signed (then the scheme is bound to [`URL`]).
    signs_url: bool,
    /// Whether the raw body is signed: with only the sorted form
    /// parameters, bodies that decode alike verify alike.
    signs_body: bool,
    signature: Option<HeaderName>,
    timestamp: Option<HeaderName>,
    id: Option<HeaderName>,
    event_type: Option<HeaderName>,
}

fn text(line: &[u8]) -> String {
    String::from_utf8_lossy(line).into_owned()
}

/// A header name as the builder would take it (`None` when HTTP cannot
/// carry it, in which case `build` must refuse).
fn name(text: &str) -> Option<HeaderName> {
    HeaderName::from_bytes(text.as_bytes()).ok()
}

fn describe(options: &[u8; 5], lines: &[&[u8]]) -> (SchemeBuilder, Chosen) {
    let [o0, o1, sep, o3, pick] = *options;
    let from_set = |shift: u8| NAMES[usize::from(pick.wrapping_add(shift)) % NAMES.len()];
    let signature = match o1 >> 6 {
        0 => from_set(0).to_owned(),
        2 => "x-signature".to_owned(),
        _ => text(lines[0]),
    };
    let mut builder = SchemeBuilder::new(&signature);
    let header = |bits: u8, line: &[u8], shift: u8| match bits & 3 {
        0 => None,
        1 => Some(from_set(shift).to_owned()),
        2 => Some(text(line)),
        _ => Some(from_set(shift.wrapping_mul(3))).map(str::to_owned),
    };
    let timestamp = header(o1, lines[1], 1);
    let id = header(o1 >> 2, lines[2], 2);
    let event_type = header(o1 >> 4, lines[3], 3);
    if let Some(t) = &timestamp {
        builder = builder.timestamp_header(t);
    }
    if let Some(i) = &id {
        builder = builder.id_header(i);
    }
    if let Some(e) = &event_type {
        builder = builder.event_type_header(e);
    }
    builder = match o0 & 3 {
        0 => builder.signature_prefix(&text(lines[4])),
        1 => builder.versioned_list(&text(lines[4])),
        2 => builder.key_value(&text(lines[4]), &text(lines[5])),
        _ => builder,
    };
    builder = match (o0 >> 2) & 3 {
        0 => builder.encoding(MacEncoding::Hex),
        1 => builder.encoding(MacEncoding::Base64),
        2 => builder.encoding(MacEncoding::HexOrBase64),
        _ => builder,
    };
    let separator = char::from(sep);
    builder = builder
        .algorithm(
            [Algorithm::HmacSha1, Algorithm::HmacSha256, Algorithm::HmacSha512]
                [usize::from(pick % 3)],
        )
        .timestamp_format(
            [
                TimestampFormat::UnixSeconds,
                TimestampFormat::UnixMillis,
                TimestampFormat::Rfc3339,
            ][usize::from(pick / 3 % 3)],
        );
    let parts = match (o0 >> 4) & 3 {
        0 => vec![SignedPart::Body],
        1 => vec![SignedPart::Timestamp, SignedPart::Body],
        2 => vec![SignedPart::Id, SignedPart::Timestamp, SignedPart::Body],
        _ => parts_of(lines[6]),
    };
    builder = match (o0 >> 4) & 3 {
        1 => builder.sign_timestamp(separator),
        2 => builder.sign_id_and_timestamp(separator),
        3 => builder.signed_parts(parts.clone()),
        _ => builder,
    };
    if !lines[6].is_empty() && (o0 >> 4) & 3 != 3 {
        builder = builder.signed_prefix(&text(lines[6]));
    }
    if o0 & 0x40 != 0 {
        builder = builder.canonical_timestamp();
    }
    if o0 & 0x80 != 0 {
        builder = builder.form_body();
    }
    let field = |bits: u8, line: &[u8], fixed: &str| match bits & 3 {
        0 => None,
        1 => Some(text(line)),
        2 => Some(format!("/data/{}", text(line))),
        _ => Some(fixed.to_owned()),
    };
    if let Some(path) = field(o3, lines[7], "id") {
        builder = builder.id_field(&path);
    }
    if let Some(path) = field(o3 >> 2, lines[8], "type") {
        builder = builder.type_field(&path);
    }
    if let Some(path) = field(o3 >> 4, lines[9], "created") {
        builder = builder.time_field(&path);
    }
    let seconds = Duration::from_secs(u64::from(pick));
    builder = match o3 >> 6 {
        1 => builder.tolerance(Tolerance::symmetric(seconds)),
        2 => builder.tolerance(Tolerance::symmetric(Duration::ZERO)),
        3 => builder.tolerance(Tolerance::new(Duration::from_secs(600), seconds)),
        _ => builder,
    };
    let chosen = Chosen {
        signs_timestamp: parts.contains(&SignedPart::Timestamp),
        signs_id: parts.contains(&SignedPart::Id),
        separator: ((o0 >> 4) & 3 == 2).then_some(separator),
        signs_url: parts.contains(&SignedPart::Url),
        signs_body: parts.contains(&SignedPart::Body),
        signature: name(&signature),
        timestamp: timestamp.as_deref().and_then(name),
        id: id.as_deref().and_then(name),
        event_type: event_type.as_deref().and_then(name),
    };
    (builder, chosen)
}

/// Signed parts, one per byte of `line` (see the table above).
fn parts_of(line: &[u8]) -> Vec<SignedPart> {
    let mut parts = Vec::new();
    let mut bytes = line.iter();
    while let Some(byte) = bytes.next() {
        parts.push(match byte % 6 {
            0 => SignedPart::Timestamp,
            1 => SignedPart::Id,
            2 => SignedPart::Body,
            3 => SignedPart::Url,
            4 => SignedPart::SortedFormParams,
            _ => SignedPart::Text(bytes.next().map(|&b| char::from(b).to_string()).unwrap_or_default()),
        });
    }
    parts
}

/// What `receive_at` must give once `headers` authenticated as `delivery`:
/// the parsed body, its id from the id field, else from the delivery; its
/// type from the type header where one is named.
fn expected(
    receiver: &CustomReceiver,
    chosen: &Chosen,
    headers: &HeaderMap,
    body: &[u8],
    delivery: &Delivery,
) -> Result<Event, Error> {
    let mut event = receiver.parse(body)?;
    if event.id.is_none() {
        event.id = delivery.id().map(str::to_owned);
    }
    if let Some(name) = &chosen.event_type {
        event.event_type = visible_text(headers, name.as_str());
    }
    Ok(event)
}

/// The checks for headers the receiver signed: they verify, give
/// [`expected`], stop vouching for another body, and — where a timestamp is
/// signed — a day later.
fn check_genuine(
    receiver: &CustomReceiver,
    chosen: &Chosen,
    headers: &HeaderMap,
    body: &[u8],
) -> Delivery {
    let outcome = check_signed(receiver, headers, body, SECRETS);
    let delivery = receiver
        .verify_at(headers, body, now())
        .expect("verified above");
    assert_eq!(
        outcome,
        expected(receiver, chosen, headers, body, &delivery)
    );
    if chosen.signs_body {
        check_tamper_detected(receiver, headers, body);
    }
    let later = now() + time::Duration::days(1);
    let replayed = receiver.verify_at(headers, body, later);
    if chosen.signs_timestamp {
        assert!(
            matches!(replayed, Err(Error::TimestampTooOld { .. })),
            "a signed timestamp must expire: {replayed:?}"
        );
        let signed_at = OffsetDateTime::from_unix_timestamp(now().unix_timestamp()).ok();
        assert_eq!(delivery.timestamp(), signed_at);
    } else {
        assert_eq!(
            replayed.as_ref().ok(),
            Some(&delivery),
            "nothing timestamped: {replayed:?}"
        );
    }
    delivery
}

fuzz_target!(|data: &[u8]| {
    let Some((options, rest)) = data.split_first_chunk::<5>() else {
        return;
    };
    let (lines, body) = split::<16>(rest);
    let (builder, chosen) = describe(options, &lines);
    // A description that spells a secret inside a header name has it quoted
    // back by "missing header `…`": the user's own configuration, not a
    // leak, so such descriptions are not judged by the secret check.
    let names = [&chosen.signature, &chosen.timestamp, &chosen.id, &chosen.event_type];
    let spells_secret = names.iter().filter_map(|name| name.as_ref()).any(|name| {
        SECRETS
            .iter()
            .any(|s| contains(name.as_str().as_bytes(), s.as_bytes()))
    });
    if spells_secret {
        return;
    }
    let scheme = match builder.build() {
        Ok(scheme) => scheme,
        Err(Error::InvalidScheme(reason)) => {
            assert!(!reason.is_empty());
            let err = Error::InvalidScheme(reason);
            assert_eq!(err.status().as_u16(), 500);
            let _ = format!("{err} {err:?}");
            return;
        }
        Err(other) => panic!("build refused with {other:?}"),
    };
    // An accepted description names only headers HTTP can carry.
    let Some(signature) = &chosen.signature else {
        panic!("build accepted an invalid signature header name");
    };
    let scheme = if chosen.signs_url {
        assert!(scheme.receiver(SECRET).is_err(), "a URL-signing scheme without its URL");
        scheme.at_url(URL).expect("an absolute URL")
    } else {
        scheme
    };
    let receiver = scheme
        .receiver(SECRET)
        .and_then(|r| r.with_secret(OLD_SECRET))
        .expect("valid secrets");
    let _ = format!("{scheme:?} {receiver:?}");
    assert!(!format!("{receiver:?}").contains(SECRET));

    // Fuzzed headers under the described names.
    let headers = header_map_named(&[
        (Some(signature), lines[10]),
        (chosen.timestamp.as_ref(), lines[11]),
        (chosen.id.as_ref(), lines[12]),
        (chosen.event_type.as_ref(), lines[13]),
    ]);
    let (verified, outcome) = check_request(&receiver, &headers, body, SECRETS);
    match verified {
        Ok(delivery) => assert_eq!(
            outcome,
            expected(&receiver, &chosen, &headers, body, &delivery)
        ),
        Err(err) => assert!(err.is_auth(), "{err:?}"),
    }

    // Every description build() accepts can sign every body.
    let genuine = match receiver.sign_at(body, now()) {
        Ok(headers) => headers,
        Err(err) => panic!("sign_at of an accepted scheme: {err:?}"),
    };
    let delivery = check_genuine(&receiver, &chosen, &genuine, body);
    assert_eq!(delivery.id().is_some(), chosen.id.is_some(), "{delivery:?}");

    // A fuzzed id and type, signed.
    let (Ok(id), Ok(kind)) = (
        std::str::from_utf8(lines[14]),
        std::str::from_utf8(lines[15]),
    ) else {
        return;
    };
    let signed = match kind {
        "" => receiver.sign_with_id_at(id, body, now()),
        kind => receiver.sign_event_at(kind, id, body, now()),
    };
    let signed = match signed {
        Ok(signed) => signed,
        Err(Error::Signing(_)) => return,
        Err(other) => panic!("sign_event_at: {other:?}"),
    };
    let delivery = check_genuine(&receiver, &chosen, &signed, body);
    if chosen.id.is_some() && !id.is_empty() {
        assert_eq!(delivery.id(), Some(id), "the id signed is the delivery's");
    }
    check_id_stays_put(&receiver, &chosen, &signed, body);
});

/// Where the id and the timestamp are signed, nothing lets the id's last
/// character move to the front of the timestamp (`evt_10` + `1700000000`
/// → `evt_1` + `01700000000`): a separator neither can contain, or a
/// timestamp signed as its plain decimal or in RFC 3339.
fn check_id_stays_put(receiver: &CustomReceiver, chosen: &Chosen, signed: &HeaderMap, body: &[u8]) {
    if let Some(separator) = chosen.separator {
        assert!(
            separator.is_ascii_punctuation() && !"+-/=_".contains(separator),
            "build accepted the separator {separator:?}"
        );
    }
    let (true, Some(id_name), Some(ts_name)) = (chosen.signs_id, &chosen.id, &chosen.timestamp)
    else {
        return;
    };
    let (Some(id), Some(ts)) = (visible_text(signed, id_name.as_str()), visible_text(signed, ts_name.as_str()))
    else {
        return;
    };
    let Some(last) = id.chars().last().filter(|_| id.len() > 1) else {
        return;
    };
    let mut moved = signed.clone();
    let shorter = &id[..id.len() - last.len_utf8()];
    let (Ok(new_id), Ok(new_ts)) = (shorter.parse(), format!("{last}{ts}").parse()) else {
        return;
    };
    moved.insert(id_name.clone(), new_id);
    moved.insert(ts_name.clone(), new_ts);
    assert!(
        receiver.verify_at(&moved, body, now()).is_err(),
        "the id's last character moved into the timestamp still verifies"
    );
}
