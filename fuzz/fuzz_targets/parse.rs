//! `Provider::parse` of every provider on arbitrary bytes: no
//! authentication, only the JSON envelopes and typed event data.
//!
//! Input: the body, all of it.

#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Error, Provider};
use webhook_kit_fuzz::{check_error, touch};

/// `parse` gives an event or `InvalidPayload` whose line lies in the body;
/// parsing is deterministic.
fn check<P>(receiver: &P, body: &[u8])
where
    P: Provider,
    P::Event: PartialEq + Debug,
{
    let parsed = receiver.parse(body);
    match &parsed {
        Ok(event) => touch(event),
        Err(err) => {
            check_error(err, &[], &[body]);
            let Error::InvalidPayload { line, .. } = err else {
                panic!("parse of a small body failed with {err:?}");
            };
            let lines = body.iter().filter(|&&b| b == b'\n').count() + 1;
            assert!(
                (1..=lines).contains(line),
                "line {line} of {lines}: {err:?}"
            );
        }
    }
    assert_eq!(parsed, receiver.parse(body));
}

fuzz_target!(|body: &[u8]| {
    check(&Funnel::new(), body);
    check(&Fourvenues::new("s").expect("valid secret"), body);
    check(&Falu::new("s").expect("valid secret"), body);
    check(&ClickFunnels::new("s").expect("valid secret"), body);
    check(
        &StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("valid secret"),
        body,
    );
});
