//! What every sender must do, checked for each sender in the sender list
//! (`tests/senders/mod.rs`): one entry there puts a sender through every
//! check here. A failure names the sender.

mod senders;

use std::time::Duration;

use senders::{Fixture, all, expected_names, now};
use webhook_kit::Error;
use webhook_kit::http::{HeaderMap, HeaderValue};

/// Runs `check` on every sender and reports every one that fails.
fn each_sender(check: impl Fn(&Fixture) -> Result<(), String>) {
    let failures: Vec<String> = all()
        .iter()
        .filter_map(|sender| check(sender).err().map(|e| format!("{}: {e}", sender.name)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn signed(sender: &Fixture) -> HeaderMap {
    sender.signer().sign_at(sender.body, now()).expect("sign")
}

#[test]
fn every_sender_in_the_crate_is_in_the_list() {
    let listed: Vec<&str> = all().iter().map(|sender| sender.name).collect();
    for name in expected_names() {
        assert!(
            listed.contains(&name.as_str()),
            "{name} is a sender feature but not in tests/senders/mod.rs"
        );
    }
}

#[test]
fn a_signed_delivery_verifies_and_parses() {
    each_sender(|sender| {
        let headers = signed(sender);
        let delivery = sender
            .signer()
            .verify_at(&headers, sender.body, now())
            .map_err(|e| e.to_string())?;
        if delivery.secret_index() != Some(0) {
            return Err(format!("secret_index {:?}", delivery.secret_index()));
        }
        sender
            .signer()
            .receive_at(&headers, sender.body, now())
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

#[test]
fn every_signed_header_byte_matters() {
    each_sender(|sender| {
        let headers = signed(sender);
        for (name, value) in &headers {
            if sender.unsigned.contains(&name.as_str()) {
                continue;
            }
            let bytes = value.as_bytes();
            for at in 0..bytes.len() {
                let mut changed = bytes.to_vec();
                changed[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
                let mut tampered = headers.clone();
                let changed = HeaderValue::from_bytes(&changed).expect("value");
                tampered.insert(name.clone(), changed);
                if sender
                    .signer()
                    .verify_at(&tampered, sender.body, now())
                    .is_ok()
                {
                    return Err(format!(
                        "{name}: byte {at} of {value:?} changed, still accepted"
                    ));
                }
            }
            let mut without = headers.clone();
            without.remove(name);
            let optional = sender.optional.contains(&name.as_str());
            if !optional
                && sender
                    .signer()
                    .verify_at(&without, sender.body, now())
                    .is_ok()
            {
                return Err(format!("{name} removed, still accepted"));
            }
        }
        Ok(())
    });
}

#[test]
fn every_body_byte_matters() {
    each_sender(|sender| {
        if !sender.body_signed {
            return Ok(());
        }
        let headers = signed(sender);
        for at in 0..sender.body.len() {
            let mut body = sender.body.to_vec();
            body[at] ^= 0x01;
            match sender.signer().verify_at(&headers, &body, now()) {
                Err(Error::SignatureMismatch | Error::HeaderMismatch(_)) => {}
                other => return Err(format!("body byte {at} changed: {other:?}")),
            }
        }
        Ok(())
    });
}

#[test]
fn another_secret_or_key_is_refused() {
    each_sender(|sender| {
        match sender
            .stranger()
            .verify_at(&signed(sender), sender.body, now())
        {
            Err(Error::SignatureMismatch) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
}

#[test]
fn an_empty_secret_or_key_is_refused_at_construction() {
    each_sender(|sender| match &sender.empty {
        Err(Error::InvalidSecret(_)) => Ok(()),
        other => Err(format!("{other:?}")),
    });
}

#[test]
fn debug_never_shows_the_secret() {
    each_sender(|sender| {
        let shown = sender.debug();
        match shown.contains(sender.secret) {
            true => Err(shown),
            false => Ok(()),
        }
    });
}

#[test]
fn an_authentic_body_that_is_not_json_is_a_positioned_payload_error() {
    each_sender(|sender| {
        let body = br#"{"id": "evt_1", "type": "broken"#;
        let headers = sender.signer().sign_at(body, now()).expect("sign");
        match sender.signer().verify_and_parse_at(&headers, body, now()) {
            Err(err @ Error::InvalidPayload { .. }) if err.status_code() == 400 => {
                match err.to_string().contains("line 1 column") {
                    true => Ok(()),
                    false => Err(format!("no position in {err}")),
                }
            }
            Err(other) => Err(format!("expected a payload error, got {other:?}")),
            Ok(_) => Err("broken JSON parsed as an event".into()),
        }
    });
}

#[test]
fn a_body_over_the_limit_is_refused_before_anything_else() {
    each_sender(|sender| {
        let big = vec![b' '; sender.signer().max_body() + 1];
        match sender.signer().verify_at(&HeaderMap::new(), &big, now()) {
            Err(Error::BodyTooLarge { .. }) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
}

#[test]
fn the_window_holds_at_its_exact_edges() {
    each_sender(|sender| {
        let Some(window) = sender.window else {
            return Ok(());
        };
        let headers = signed(sender);
        let second = Duration::from_secs(1);
        let verify = |at| sender.signer().verify_at(&headers, sender.body, at);
        if let Err(e) = verify(now() + window.past) {
            return Err(format!("at the past edge: {e}"));
        }
        if !matches!(
            verify(now() + window.past + second),
            Err(Error::TimestampTooOld { .. })
        ) {
            return Err("a second past the past edge is accepted".into());
        }
        if let Err(e) = verify(now() - window.future) {
            return Err(format!("at the future edge: {e}"));
        }
        match verify(now() - window.future - second) {
            Err(Error::TimestampInFuture { .. }) => Ok(()),
            other => Err(format!("a second past the future edge: {other:?}")),
        }
    });
}

#[test]
fn the_event_survives_a_json_round_trip() {
    each_sender(|sender| (sender.round_trip)(sender.body));
}

#[test]
fn the_named_presets_are_what_the_receiver_starts_with() {
    each_sender(|sender| {
        let Some(presets) = &sender.presets else {
            return Ok(());
        };
        let receiver = sender.signer();
        if receiver.reply_rule() != presets.reply {
            return Err(format!(
                "reply rule {:?}, preset {:?}",
                receiver.reply_rule(),
                presets.reply
            ));
        }
        if receiver.retry_schedule() != presets.retries {
            return Err(format!(
                "retry schedule {:?}, preset {:?}",
                receiver.retry_schedule(),
                presets.retries
            ));
        }
        // The window checked at its edges above is the receiver's own.
        match presets.window == sender.window {
            true => Ok(()),
            false => Err(format!(
                "window {:?}, preset {:?}",
                sender.window, presets.window
            )),
        }
    });
}
