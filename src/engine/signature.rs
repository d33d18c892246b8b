//! Signature headers: their grammars, the encodings of the MAC inside them,
//! and the constant-time comparison.
//!
//! Nothing here allocates: received signatures are decoded into a stack
//! buffer and compared through `subtle`.
//!
//! Reading follows the reference libraries: an entry that is malformed or of
//! another version is skipped, never fatal, as long as another entry can
//! match; a header with no usable entry at all is an authentication error.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use http::HeaderName;
use subtle::ConstantTimeEq;

use crate::Error;
use crate::engine::headers::trim;

/// Length of an HMAC-SHA256 tag.
pub(crate) const TAG_LEN: usize = 32;

/// At most this many signatures are examined in one header; the rest are
/// ignored, so a hostile header cannot make verification do unbounded work.
///
/// ```
/// use webhook_kit::{MAX_SIGNATURES, Provider};
/// use webhook_kit::falu::Falu;
///
/// let receiver = Falu::new("falu-secret")?;
/// let body = br#"{"id": "evt_1", "type": "message.sent", "data": {"object": {}}}"#;
/// let now = time::OffsetDateTime::now_utc();
/// let mut headers = receiver.sign_at(body, now)?;
/// let signed = headers["x-falu-signature"].to_str().expect("ascii").to_owned();
/// let (t, good) = signed.split_once(',').expect("t=…,sha256=…");
/// let bad = format!(",sha256={}", "0".repeat(64)).repeat(MAX_SIGNATURES);
///
/// // The good entry after `MAX_SIGNATURES` others is never looked at.
/// headers.insert("x-falu-signature", format!("{t}{bad},{good}").parse()?);
/// assert!(receiver.verify_at(&headers, body, now).is_err());
/// // Within the first `MAX_SIGNATURES`, it is.
/// headers.insert("x-falu-signature", format!("{t},{good}{bad}").parse()?);
/// assert!(receiver.verify_at(&headers, body, now).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MAX_SIGNATURES: usize = 16;

/// Standard base64, padding optional when decoding.
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How a MAC is written inside a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "the general forms of the engine Standard Webhooks still runs on, tested here until it moves onto the receiver core"
)]
pub(crate) enum Encoding {
    /// Lowercase hex when signing; either case accepted.
    Hex,
    /// Standard base64 with padding when signing; padding optional.
    Base64,
    /// Hex when signing; hex (64 digits) or base64 accepted.
    HexOrBase64,
}

/// Why a received signature could not be used.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Undecodable {
    /// Characters outside the encoding's alphabet.
    Malformed,
    /// Well-formed, but not 32 bytes: can never match.
    WrongLength,
}

/// A received signature, decoded.
pub(crate) type Tag = [u8; TAG_LEN];

impl Encoding {
    pub(crate) fn decode(self, text: &[u8]) -> Result<Tag, Undecodable> {
        match self {
            Encoding::Hex => decode_hex(text),
            Encoding::Base64 => decode_base64(text),
            Encoding::HexOrBase64 if text.len() == 2 * TAG_LEN => decode_hex(text),
            Encoding::HexOrBase64 => decode_base64(text),
        }
    }

    /// Writes `tag` in this encoding (signing side).
    pub(crate) fn encode(self, tag: &[u8]) -> String {
        match self {
            Encoding::Hex | Encoding::HexOrBase64 => encode_hex(tag),
            Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(tag),
        }
    }
}

/// The grammar of a signature header.
#[derive(Clone, Debug)]
#[allow(
    dead_code,
    reason = "the general forms of the engine Standard Webhooks still runs on, tested here until it moves onto the receiver core"
)]
pub(crate) enum Format {
    /// The whole value is one MAC, after a literal prefix such as `sha256=`
    /// (empty for none).
    Single { prefix: Cow<'static, [u8]> },
    /// Space-separated `<version>,<mac>` entries; other versions are skipped.
    VersionedList { version: Cow<'static, [u8]> },
    /// Comma-separated `key=value` items: one timestamp item and one or more
    /// signature items; unknown keys are skipped. Every item must have a `=`
    /// and a non-empty value.
    KeyValueList {
        timestamp_key: Cow<'static, [u8]>,
        signature_key: Cow<'static, [u8]>,
    },
}

/// The decoded signatures of one header, on the stack.
pub(crate) struct SignatureList {
    tags: [Tag; MAX_SIGNATURES],
    len: usize,
}

impl Default for SignatureList {
    fn default() -> Self {
        SignatureList {
            tags: [[0; TAG_LEN]; MAX_SIGNATURES],
            len: 0,
        }
    }
}

impl SignatureList {
    pub(crate) fn tags(&self) -> &[Tag] {
        &self.tags[..self.len]
    }

    /// Keeps `text` if it decodes to a tag; anything else cannot match and
    /// is skipped, as the reference libraries skip it.
    fn push(&mut self, encoding: Encoding, text: &[u8]) {
        if self.len < MAX_SIGNATURES
            && let Ok(tag) = encoding.decode(text)
        {
            self.tags[self.len] = tag;
            self.len += 1;
        }
    }

    /// Parses a signature header, keeping up to [`MAX_SIGNATURES`] decoded
    /// MACs, and returns the timestamp it embeds, if the format has one.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedHeader`] when the header breaks its grammar where
    /// the sender's own library refuses it. A header with no usable entry
    /// reads as an empty list: the engine decides what that means.
    pub(crate) fn read<'v>(
        &mut self,
        format: &Format,
        encoding: Encoding,
        name: &HeaderName,
        value: &'v [u8],
    ) -> Result<Option<&'v [u8]>, Error> {
        let malformed = |reason| Error::MalformedHeader {
            name: name.clone(),
            reason,
        };
        let timestamp = match format {
            Format::Single { prefix } => {
                let value = trim(value);
                let mac = value
                    .strip_prefix(prefix.as_ref())
                    .ok_or_else(|| malformed("signature lacks its prefix"))?;
                self.push(encoding, mac);
                None
            }
            Format::VersionedList { version } => {
                for mac in versioned_entries(value, version).take(MAX_SIGNATURES) {
                    self.push(encoding, mac);
                }
                None
            }
            Format::KeyValueList {
                timestamp_key,
                signature_key,
            } => {
                let mut timestamp = None;
                let mut signatures = 0usize;
                for item in value.split(|&b| b == b',').map(trim) {
                    let (key, item_value) = split_once(item, b'=')
                        .ok_or_else(|| malformed("item is not `key=value`"))?;
                    if item_value.is_empty() {
                        return Err(malformed("item has an empty value"));
                    }
                    if key == timestamp_key.as_ref() {
                        timestamp = Some(item_value);
                    } else if key == signature_key.as_ref() {
                        signatures += 1;
                        if signatures <= MAX_SIGNATURES {
                            self.push(encoding, item_value);
                        }
                    }
                }
                if signatures == 0 {
                    return Err(malformed("no signature item"));
                }
                Some(timestamp.ok_or_else(|| malformed("no timestamp item"))?)
            }
        };
        Ok(timestamp)
    }
}

/// The signature text of every `<version>,<signature>` entry of a
/// space-separated list whose version is `version`. Entries of other
/// versions, and entries without a comma, are skipped.
pub(crate) fn versioned_entries<'v>(
    value: &'v [u8],
    version: &'v [u8],
) -> impl Iterator<Item = &'v [u8]> + 'v {
    value
        .split(|&b| b == b' ' || b == b'\t')
        .filter_map(|entry| split_once(entry, b','))
        .filter(move |(entry_version, _)| *entry_version == version)
        .map(|(_, signature)| signature)
}

fn split_once(s: &[u8], separator: u8) -> Option<(&[u8], &[u8])> {
    let at = s.iter().position(|&b| b == separator)?;
    Some((&s[..at], &s[at + 1..]))
}

/// Compares a computed tag with a received one in constant time.
pub(crate) fn tags_equal(computed: &[u8], received: &Tag) -> bool {
    computed.ct_eq(received).into()
}

/// Marks a byte that is not a hex digit in [`HEX_VALUE`].
const NOT_HEX: u8 = 0xFF;

/// Each byte's value as a hex digit, or [`NOT_HEX`]: a table lookup per
/// digit, no branches, since a signature is decoded on every request.
pub(crate) const HEX_VALUE: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 16 {
        let digit = i as u8;
        table[b"0123456789abcdef"[i] as usize] = digit;
        table[b"0123456789ABCDEF"[i] as usize] = digit;
        i += 1;
    }
    table
};

/// Decodes hex `text` (either case) into `out`, which holds half as many
/// bytes; `false` when a byte is not a hex digit. Any non-digit sets the
/// high bits, checked once at the end.
pub(crate) fn hex_into(text: &[u8], out: &mut [u8]) -> bool {
    debug_assert_eq!(text.len(), 2 * out.len());
    let mut seen = 0u8;
    for (out, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let (hi, lo) = (
            HEX_VALUE[usize::from(pair[0])],
            HEX_VALUE[usize::from(pair[1])],
        );
        seen |= hi | lo;
        *out = hi << 4 | lo;
    }
    seen & 0xF0 == 0
}

fn decode_hex(text: &[u8]) -> Result<Tag, Undecodable> {
    if text.len() != 2 * TAG_LEN {
        let hex = text.len().is_multiple_of(2) && text.iter().all(u8::is_ascii_hexdigit);
        return Err(if hex {
            Undecodable::WrongLength
        } else {
            Undecodable::Malformed
        });
    }
    let mut tag = [0u8; TAG_LEN];
    if hex_into(text, &mut tag) {
        Ok(tag)
    } else {
        Err(Undecodable::Malformed)
    }
}

/// Marks a byte that is not a digit of standard base64 in [`BASE64_VALUE`].
const NOT_BASE64: u8 = 0xFF;

/// Each byte's value as a digit of standard base64, or [`NOT_BASE64`].
const BASE64_VALUE: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [NOT_BASE64; 256];
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// A tag as senders write it, 43 digits with or without one `=`, decoded
/// with a table lookup per digit: the base64 crate's general decoder costs
/// more than that on every request. Anything else (another length, a bad
/// digit, trailing bits that are not zero) is `None`, for the crate to
/// decode or to say why it cannot.
fn decode_base64_tag(text: &[u8]) -> Option<Tag> {
    // 43 digits carry 258 bits: the tag's 256 and two that must be zero.
    const DIGITS: usize = 43;
    let digits = match text {
        [digits @ .., b'='] if digits.len() == DIGITS => digits,
        digits if digits.len() == DIGITS => digits,
        _ => return None,
    };
    let mut seen = 0u8;
    let mut value = |at: usize| {
        let v = BASE64_VALUE[usize::from(digits[at])];
        seen |= v;
        u32::from(v)
    };
    let mut tag = [0u8; TAG_LEN];
    for group in 0..10 {
        let at = group * 4;
        let bits = value(at) << 18 | value(at + 1) << 12 | value(at + 2) << 6 | value(at + 3);
        tag[group * 3..group * 3 + 3].copy_from_slice(&bits.to_be_bytes()[1..]);
    }
    let bits = value(40) << 12 | value(41) << 6 | value(42);
    tag[30..].copy_from_slice(&((bits >> 2) as u16).to_be_bytes());
    (seen < 64 && bits & 0b11 == 0).then_some(tag)
}

fn decode_base64(text: &[u8]) -> Result<Tag, Undecodable> {
    if let Some(tag) = decode_base64_tag(text) {
        return Ok(tag);
    }
    // Room for one byte more than a tag, so a longer value is reported as a
    // wrong length instead of overflowing.
    let mut buf = [0u8; TAG_LEN + 3];
    if text.len() > 4 * buf.len() / 3 {
        return if text.iter().all(|&c| is_base64_char(c)) {
            Err(Undecodable::WrongLength)
        } else {
            Err(Undecodable::Malformed)
        };
    }
    match BASE64.decode_slice(text, &mut buf) {
        Ok(TAG_LEN) => {
            let mut tag = [0u8; TAG_LEN];
            tag.copy_from_slice(&buf[..TAG_LEN]);
            Ok(tag)
        }
        Ok(_) => Err(Undecodable::WrongLength),
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => Err(Undecodable::WrongLength),
        Err(base64::DecodeSliceError::DecodeError(_)) => Err(Undecodable::Malformed),
    }
}

fn is_base64_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='
}

pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_decoder_agrees_with_the_base64_crate() {
        use base64::Engine as _;
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200 {
            let tag: Tag = std::array::from_fn(|_| next() as u8);
            let text = base64::engine::general_purpose::STANDARD.encode(tag);
            let bare = text.trim_end_matches('=');
            assert_eq!(decode_base64_tag(text.as_bytes()), Some(tag));
            assert_eq!(decode_base64_tag(bare.as_bytes()), Some(tag));
            // Every one-byte change: the fast path says what the crate says,
            // or leaves the text to it.
            let at = (next() % 44) as usize;
            for byte in [b'=', b'-', b'_', b' ', 0, 0xff, b'A', b'B', b'/'] {
                let mut changed = text.clone().into_bytes();
                changed[at] = byte;
                if let Some(fast) = decode_base64_tag(&changed) {
                    let slow = BASE64.decode(&changed).expect("the crate decodes it too");
                    assert_eq!(slow, fast, "{}", String::from_utf8_lossy(&changed));
                }
                assert_eq!(
                    decode_base64(&changed).ok(),
                    BASE64
                        .decode(&changed)
                        .ok()
                        .and_then(|bytes| Tag::try_from(bytes).ok()),
                    "{}",
                    String::from_utf8_lossy(&changed)
                );
            }
        }
        for text in [
            "",
            "=",
            &"A".repeat(42),
            &"A".repeat(44),
            &format!("{}==", "A".repeat(42)),
        ] {
            assert_eq!(decode_base64_tag(text.as_bytes()), None, "{text}");
        }
        // Trailing bits that are not zero are the crate's to refuse.
        assert_eq!(
            decode_base64_tag(format!("{}B", "A".repeat(42)).as_bytes()),
            None
        );
        assert_eq!(
            decode_base64_tag(format!("{}E", "A".repeat(42)).as_bytes()),
            Some([0; TAG_LEN]).map(|mut t| {
                t[31] = 1;
                t
            })
        );
    }

    const TAG: Tag = [0xab; TAG_LEN];

    #[test]
    fn hex_round_trips_in_either_case() {
        let lower = encode_hex(&TAG);
        assert_eq!(lower.len(), 64);
        assert_eq!(Encoding::Hex.decode(lower.as_bytes()), Ok(TAG));
        assert_eq!(
            Encoding::Hex.decode(lower.to_uppercase().as_bytes()),
            Ok(TAG)
        );
    }

    #[test]
    fn base64_accepts_padding_or_not() {
        let padded = Encoding::Base64.encode(&TAG);
        assert!(padded.ends_with('='));
        assert_eq!(Encoding::Base64.decode(padded.as_bytes()), Ok(TAG));
        assert_eq!(
            Encoding::Base64.decode(padded.trim_end_matches('=').as_bytes()),
            Ok(TAG)
        );
    }

    #[test]
    fn hex_or_base64_accepts_both() {
        let hex = encode_hex(&TAG);
        let b64 = Encoding::Base64.encode(&TAG);
        assert_eq!(Encoding::HexOrBase64.decode(hex.as_bytes()), Ok(TAG));
        assert_eq!(Encoding::HexOrBase64.decode(b64.as_bytes()), Ok(TAG));
        assert_eq!(Encoding::HexOrBase64.encode(&TAG), hex);
    }

    #[test]
    fn truncated_or_long_values_are_wrong_length() {
        let hex = encode_hex(&TAG);
        assert_eq!(
            Encoding::Hex.decode(&hex.as_bytes()[..62]),
            Err(Undecodable::WrongLength)
        );
        assert_eq!(
            Encoding::Hex.decode(format!("{hex}00").as_bytes()),
            Err(Undecodable::WrongLength)
        );
        let b64 = Encoding::Base64.encode(&TAG);
        assert_eq!(
            Encoding::Base64.decode(&b64.as_bytes()[..40]),
            Err(Undecodable::WrongLength)
        );
        assert_eq!(Encoding::Base64.decode(b""), Err(Undecodable::WrongLength));
        let long = "A".repeat(10_000);
        assert_eq!(
            Encoding::Base64.decode(long.as_bytes()),
            Err(Undecodable::WrongLength)
        );
    }

    #[test]
    fn foreign_characters_are_malformed() {
        assert_eq!(
            Encoding::Hex.decode(&[b'g'; 64]),
            Err(Undecodable::Malformed)
        );
        assert_eq!(Encoding::Hex.decode(b"abc"), Err(Undecodable::Malformed));
        assert_eq!(
            Encoding::Base64.decode(b"!!!!"),
            Err(Undecodable::Malformed)
        );
        assert_eq!(
            Encoding::Base64.decode(&[0xff; 500]),
            Err(Undecodable::Malformed)
        );
    }

    #[test]
    fn every_byte_value_in_every_position_decodes_as_hex_says() {
        let hex = encode_hex(&TAG).into_bytes();
        for at in [0, 1, 31, 62, 63] {
            for byte in 0..=u8::MAX {
                let mut text = hex.clone();
                text[at] = byte;
                let decoded = Encoding::Hex.decode(&text);
                if byte.is_ascii_hexdigit() {
                    let mut expected = TAG;
                    let digit = u8::from_str_radix(&char::from(byte).to_string(), 16).unwrap();
                    let shift = if at % 2 == 0 { 4 } else { 0 };
                    expected[at / 2] = expected[at / 2] & !(0xF << shift) | digit << shift;
                    assert_eq!(decoded, Ok(expected), "{byte:#x} at {at}");
                } else {
                    assert_eq!(decoded, Err(Undecodable::Malformed), "{byte:#x} at {at}");
                }
            }
        }
    }

    #[test]
    fn comparison_needs_every_byte() {
        let mut other = TAG;
        assert!(tags_equal(&TAG, &other));
        other[31] ^= 1;
        assert!(!tags_equal(&TAG, &other));
        assert!(!tags_equal(&TAG[..31], &TAG));
    }
}
