//! Instruction counts: `verify_at` and `verify_and_parse_at` of every sender
//! in the sender list at 256 B and 4 KiB, one call each, counted by
//! callgrind, and beside them the floor of the sender's algorithm over the
//! same body (`benches/floor`: pre-keyed HMAC plus a constant-time compare
//! of the decoded tag, Ed25519 or ECDSA verify, or a token compare), so
//! `run.py` can print each sender's ratio to its floor. Counts do not drift with the machine's load as timings do, so
//! CI compares them with the committed references and fails on a rise.
//!
//! `python3 benches/instructions/run.py` builds this (a crate of its own, so
//! that only webhook-kit's own dependencies are built with optimisations),
//! runs each case under `valgrind --tool=callgrind --toggle-collect=*measured_*`
//! and compares; `--update` rewrites `benches/instructions/counts.json`
//! (commit it with the change that moved the counts, saying why). Run
//! alone, this prints the cases.

#[path = "../../tests/senders/mod.rs"]
mod senders;

#[path = "../padded_body/mod.rs"]
mod padded_body;

#[path = "../floor/mod.rs"]
mod floor;

use std::hint::black_box;

use floor::Floor;
use senders::{all, now};
use webhook_kit::DynProvider;
use webhook_kit::http::HeaderMap;

const SIZES: [usize; 2] = [256, 4096];

#[inline(never)]
fn measured_verify(p: &DynProvider, headers: &HeaderMap, body: &[u8]) -> bool {
    black_box(p.verify_at(black_box(headers), black_box(body), now())).is_ok()
}

#[inline(never)]
fn measured_parse(p: &DynProvider, headers: &HeaderMap, body: &[u8]) -> bool {
    black_box(p.verify_and_parse_at(black_box(headers), black_box(body), now())).is_ok()
}

#[inline(never)]
fn measured_floor(floor: &Floor, body: &[u8]) -> bool {
    black_box(floor.check(black_box(body)))
}

/// `<sender>/<call>/<size>`, the call being `verify_at`,
/// `verify_and_parse_at` or the sender's floor (`floor_hmac_sha256`, …).
fn cases() -> Vec<String> {
    let mut names = Vec::new();
    for sender in all() {
        for size in SIZES {
            let floor = Floor::of(sender.name, &padded_body::padded(sender.body, size));
            for call in ["verify_at", "verify_and_parse_at", floor.name()] {
                names.push(format!("{}/{call}/{size}", sender.name));
            }
        }
    }
    names
}

fn run(case: &str) {
    let mut parts = case.split('/');
    let (name, call, size) = (parts.next(), parts.next(), parts.next());
    let senders = all();
    let sender = senders
        .iter()
        .find(|sender| Some(sender.name) == name)
        .unwrap_or_else(|| panic!("no sender in {case}"));
    let size: usize = size.and_then(|s| s.parse().ok()).expect("a size");
    let body = padded_body::padded(sender.body, size);
    let receiver = sender.signer();
    let headers = receiver.sign_at(&body, now()).expect("sign");
    // Once outside the counted functions, so lazy set-up is not counted.
    assert!(receiver.verify_and_parse_at(&headers, &body, now()).is_ok());
    let floor = Floor::of(sender.name, &body);
    assert!(floor.check(&body), "{case}: the floor agrees");
    let ok = match call {
        Some("verify_at") => measured_verify(receiver, &headers, &body),
        Some("verify_and_parse_at") => measured_parse(receiver, &headers, &body),
        Some(call) if call == floor.name() => measured_floor(&floor, &body),
        _ => panic!("no call in {case}"),
    };
    assert!(ok, "{case} verifies");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|arg| arg == "--case") {
        Some(at) => run(args.get(at + 1).expect("a case name")),
        None => {
            let listed: Vec<&str> = all().iter().map(|sender| sender.name).collect();
            for name in senders::expected_names() {
                assert!(listed.contains(&name.as_str()), "{name} is not counted");
            }
            for case in cases() {
                println!("{case}");
            }
        }
    }
}
