//! A sender's genuine body grown to a size, shared by the benches that
//! measure every sender in the sender list (`benches/verify.rs`,
//! `benches/instructions/counter.rs`).

/// `body` grown to `size` bytes (or left as it is when already longer) with
/// a string field the envelopes ignore, placed after the first `{` (so in
/// the first event of a body that is an array of events).
pub(crate) fn padded(body: &[u8], size: usize) -> Vec<u8> {
    let open = body.iter().position(|&b| b == b'{').expect("an object") + 1;
    let field = |fill: usize| format!("\"padding\":\"{}\",", "n".repeat(fill));
    let fill = size.saturating_sub(body.len() + field(0).len());
    let mut out = body[..open].to_vec();
    if fill > 0 {
        out.extend_from_slice(field(fill).as_bytes());
    }
    out.extend_from_slice(&body[open..]);
    out
}
