//! The texts inside signature headers: the bound on how many are read,
//! versioned entries, and the hex and base64 that signatures are written
//! in. Nothing here allocates but [`encode_hex`], which only signing and
//! ids use.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Length of an HMAC-SHA256 tag.
const TAG_LEN: usize = 32;

/// An HMAC-SHA256 tag, decoded.
type Tag = [u8; TAG_LEN];

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

/// A 32-byte tag (HMAC-SHA256) as senders write it in base64, 43 digits
/// with or without one `=`, decoded with a table lookup per digit: the
/// base64 crate's general decoder costs more than that on every request.
/// Anything else (another length, a bad digit, trailing bits that are not
/// zero) is `None`, for the crate to decode or to refuse.
pub(crate) fn decode_base64_tag(text: &[u8]) -> Option<Tag> {
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

    #[test]
    fn versioned_entries_skip_other_versions_and_entries_without_a_comma() {
        let value = b"v1,a v1a,b v2 v1,c\tv1,";
        let entries: Vec<&[u8]> = versioned_entries(value, b"v1").collect();
        assert_eq!(entries, [&b"a"[..], b"c", b""]);
    }
}
