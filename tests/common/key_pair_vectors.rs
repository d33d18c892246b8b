//! Deliveries signed outside this crate with a key pair
//! (tests/data/<sender>/vectors.json, written by each sender's
//! make_vectors.py): the keys, and cases of a timestamp, a body, a signature,
//! the trusted public keys and which of them verifies (or none).
#![allow(dead_code, reason = "each test file uses a different subset")]

use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use time::OffsetDateTime;
use webhook_kit::{Error, Provider};

/// A sender's vectors file, parsed.
pub(crate) struct Vectors(Value);

/// The text of `field` in `value`.
pub(crate) fn text<'v>(value: &'v Value, field: &str) -> &'v str {
    value[field].as_str().expect(field)
}

impl Vectors {
    pub(crate) fn parse(json: &str) -> Self {
        Vectors(serde_json::from_str(json).expect("vectors are JSON"))
    }

    /// `keys.<which>.<form>`, such as the primary key's `public_key`.
    pub(crate) fn key(&self, which: &str, form: &str) -> &str {
        text(&self.0["keys"][which], form)
    }

    pub(crate) fn cases(&self) -> &[Value] {
        self.cases_of("cases")
    }

    /// Another list in the file, such as keys to refuse.
    pub(crate) fn cases_of(&self, field: &str) -> &[Value] {
        self.0[field].as_array().expect(field)
    }

    pub(crate) fn case(&self, name: &str) -> &Value {
        self.cases()
            .iter()
            .find(|case| case["name"] == name)
            .expect(name)
    }
}

/// How a sender's cases become requests.
pub(crate) struct Scheme<P> {
    /// The receiver trusting one public key.
    pub(crate) new: fn(&str) -> Result<P, Error>,
    /// The receiver trusting one more.
    pub(crate) with_public_key: fn(P, &str) -> Result<P, Error>,
    pub(crate) signature_header: &'static str,
    pub(crate) timestamp_header: &'static str,
}

/// One case as a request: a receiver trusting the case's keys, the
/// headers, the body and the time it was signed.
pub(crate) struct Request<P> {
    pub(crate) receiver: P,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) now: OffsetDateTime,
}

impl<P: Provider> Scheme<P> {
    pub(crate) fn headers(&self, timestamp: &str, signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            (self.timestamp_header, timestamp),
            (self.signature_header, signature),
        ] {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::try_from(value).expect("header value"),
            );
        }
        headers
    }

    pub(crate) fn request(&self, case: &Value) -> Request<P> {
        let name = text(case, "name");
        let trusted = case["trusted"].as_array().expect("trusted");
        let mut keys = trusted.iter().map(|key| key.as_str().expect("key"));
        let mut receiver = (self.new)(keys.next().expect("a key")).expect(name);
        for key in keys {
            receiver = (self.with_public_key)(receiver, key).expect(name);
        }
        let timestamp = text(case, "timestamp");
        let unix = timestamp.parse().expect("unix seconds");
        Request {
            receiver,
            headers: self.headers(timestamp, text(case, "signature")),
            body: text(case, "body").as_bytes().to_vec(),
            now: OffsetDateTime::from_unix_timestamp(unix).expect("time"),
        }
    }

    /// Every case verifies, with the key the independent implementation
    /// found, or is refused as a signature mismatch.
    pub(crate) fn check_every_case(&self, vectors: &Vectors) {
        for case in vectors.cases() {
            let name = text(case, "name");
            let request = self.request(case);
            let result = request
                .receiver
                .verify_at(&request.headers, &request.body, request.now);
            match case["expect"].as_u64() {
                Some(index) => {
                    let delivery = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                    let index = usize::try_from(index).expect("index");
                    assert_eq!(delivery.secret_index(), Some(index), "{name}");
                    assert_eq!(delivery.timestamp(), Some(request.now), "{name}");
                }
                None => assert!(
                    matches!(result, Err(Error::SignatureMismatch)),
                    "{name}: {result:?}"
                ),
            }
        }
    }

    /// With the check budget full (8 keys, the signer's last), a genuine
    /// case still verifies, by the eighth key; a ninth key is refused.
    pub(crate) fn check_the_key_budget(&self, vectors: &Vectors, genuine: &str) {
        let mut receiver = (self.new)(vectors.key("outsider", "public_key")).expect("first");
        for _ in 1..7 {
            receiver = (self.with_public_key)(receiver, vectors.key("rotated", "public_key"))
                .expect("within the budget");
        }
        receiver = (self.with_public_key)(receiver, vectors.key("primary", "public_key"))
            .expect("the eighth");
        let request = self.request(vectors.case(genuine));
        let delivery = receiver
            .verify_at(&request.headers, &request.body, request.now)
            .expect("genuine");
        assert_eq!(delivery.secret_index(), Some(7));
        match (self.with_public_key)(receiver, vectors.key("rotated", "public_key")) {
            Err(Error::InvalidSecret(message)) => {
                assert!(message.contains("at most 8"), "{message}");
            }
            other => panic!("a ninth key: {:?}", other.map(|_| ())),
        }
    }

    /// A receiver that only trusts a public key cannot sign.
    pub(crate) fn check_a_public_key_cannot_sign(&self, vectors: &Vectors) {
        let receiver = (self.new)(vectors.key("primary", "public_key")).expect("key");
        let now = OffsetDateTime::from_unix_timestamp(1_712_258_191).expect("time");
        assert!(matches!(
            receiver.sign_at(b"[]", now),
            Err(Error::Signing(_))
        ));
    }
}
