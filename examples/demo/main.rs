//! The one-command tour: `cargo run --example demo`.
//!
//! Starts a receiver (`receiver.rs`: hyper, and the crate's plain calls, so
//! the tour runs with the default features) on an ephemeral loopback port,
//! then plays each provider's sender against it over real HTTP: sign with
//! `sign_at`, POST, read the reply with `classify`, and retry on the
//! provider's `retry_schedule` — with waits scaled down a thousandfold so
//! the tour ends in moments. Among the deliveries: a transient failure that
//! succeeds on retry, one to a provider that never retries, a redelivered
//! duplicate, and a forged one. Then every sender the crate has (the sender
//! list its tests use, `tests/senders/mod.rs`) sends one signed delivery to
//! the same receiver. Prints the tables and exits 0 when everything went as
//! a correct receiver should, 1 otherwise.

mod receiver;
// The one list of senders the crate's tests and benches read: adding a
// sender there adds it to the tour's last table.
#[path = "../../tests/senders/mod.rs"]
mod senders;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use time::OffsetDateTime;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Outcome, Provider, Receivers};

/// Real waits are the schedule's divided by this.
const TIME_SCALE: u32 = 1000;

/// The sender's side of one row of the tour.
struct Delivery<'a> {
    route: &'static str,
    label: &'static str,
    body: &'a [u8],
    /// Changes the body after signing, as a forger would have to.
    forged: bool,
    /// What a correct receiver makes of it, checked at the end.
    expected: Expect,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Delivered { attempts: usize },
    GaveUp { attempts: usize },
    Rejected,
}

/// What happened, for the table.
struct Row {
    route: &'static str,
    label: &'static str,
    attempts: Vec<(Duration, u16)>,
    result: Expect,
    expected: Expect,
    note: String,
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("demo failed: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, Box<dyn std::error::Error>> {
    // The receivers and the senders hold the same public demo secrets.
    let funnel = Funnel::new().with_token("demo-funnel-token")?;
    let fourvenues = Fourvenues::new("demo-fourvenues-sign-secret")?;
    let falu = Falu::new("demo-falu-webhook-secret")?;
    let clickfunnels = ClickFunnels::new("demo-clickfunnels-webhook-secret")?;
    let standard = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    let receivers = Receivers::new()
        .with_receiver("funnel", funnel.clone())
        .with_receiver("fourvenues", fourvenues.clone())
        .with_receiver("falu", falu.clone())
        .with_receiver("clickfunnels", clickfunnels.clone())
        .with_receiver("standard", standard.clone());
    // Every sender of the list, each under `list-<name>`, holding the
    // secret or key its signer signs with.
    let every = senders::all();
    let receivers = every.iter().fold(receivers, |receivers, sender| {
        sender.route(receivers, format!("list-{}", sender.name))
    });

    // The receiver's application: a database that is briefly down the first
    // time it sees two particular events.
    let flaky = ["4f1c2a9e-0000-4000-8000-00000000c1f0", "evt_7"];
    let failed: Arc<[AtomicBool; 2]> = Arc::default();
    let processed: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let process = {
        let (failed, processed) = (Arc::clone(&failed), Arc::clone(&processed));
        Box::new(move |provider: &str, id: &str| {
            if let Some(i) = flaky.iter().position(|flaky| *flaky == id)
                && !failed[i].swap(true, Ordering::SeqCst)
            {
                return Err("database briefly unavailable".to_owned());
            }
            let key = format!("{provider} {id}");
            *processed
                .lock()
                .expect("not poisoned")
                .entry(key)
                .or_default() += 1;
            Ok(())
        })
    };
    let addr = receiver::start(receivers, process)?;
    println!("receiver listening on http://{addr}/webhooks/{{provider}}\n");

    let contact = br#"{"event_id": "4f1c2a9e-0000-4000-8000-00000000c1f0", "event_type": "contact.identified",
        "subject_id": 236296209, "subject_type": "Contact", "data": {"id": 236296209, "email_address": "bob@example.com"}}"#;
    let invoice = br#"{"type": "invoice.paid", "timestamp": "2026-11-23T10:00:00Z", "data": {"invoice": "in_42", "amount": 1900}}"#;
    let rows = [
        deliver(
            addr,
            &funnel,
            Delivery {
                route: "funnel",
                label: "lease_transaction.status_updated",
                body: include_bytes!("../../tests/data/funnel_v2_status_updated.json"),
                forged: false,
                expected: Expect::Delivered { attempts: 1 },
            },
        )?,
        deliver(
            addr,
            &fourvenues,
            Delivery {
                route: "fourvenues",
                label: "payment.success",
                body: include_bytes!("../../tests/data/fourvenues_payment_success.json"),
                forged: false,
                expected: Expect::Delivered { attempts: 1 },
            },
        )?,
        deliver(
            addr,
            &falu,
            Delivery {
                route: "falu",
                label: "message.delivered (CloudEvents)",
                body: include_bytes!("../../tests/data/falu_cloudevents_message_delivered.json"),
                forged: false,
                expected: Expect::Delivered { attempts: 1 },
            },
        )?,
        deliver(
            addr,
            &falu,
            Delivery {
                route: "falu",
                label: "payment.updated, receiver down",
                body: include_bytes!("../../tests/data/falu_basic_payment_updated.json"),
                forged: false,
                expected: Expect::GaveUp { attempts: 1 },
            },
        )?,
        deliver(
            addr,
            &clickfunnels,
            Delivery {
                route: "clickfunnels",
                label: "contact.identified, receiver down",
                body: contact,
                forged: false,
                expected: Expect::Delivered { attempts: 2 },
            },
        )?,
        deliver(
            addr,
            &clickfunnels,
            Delivery {
                route: "clickfunnels",
                label: "contact.identified, forged",
                body: contact,
                forged: true,
                expected: Expect::Rejected,
            },
        )?,
        deliver(
            addr,
            &standard,
            Delivery {
                route: "standard",
                label: "invoice.paid",
                body: invoice,
                forged: false,
                expected: Expect::Delivered { attempts: 1 },
            },
        )?,
        deliver(
            addr,
            &standard,
            Delivery {
                route: "standard",
                label: "invoice.paid, redelivered",
                body: invoice,
                forged: false,
                expected: Expect::Delivered { attempts: 1 },
            },
        )?,
    ];

    print_table(&rows);
    let mut as_expected = true;
    for row in &rows {
        let expected = row.expected;
        if row.result != expected {
            as_expected = false;
            println!(
                "UNEXPECTED: {} {}: {:?}, expected {expected:?}",
                row.route, row.label, row.result
            );
        }
    }
    as_expected &= every_sender(addr, &every)?;
    // The redelivered invoice was acknowledged, not processed a second time.
    let processed = processed.lock().expect("not poisoned");
    let twice: Vec<_> = processed.iter().filter(|&(_, &n)| n > 1).collect();
    if !twice.is_empty() {
        as_expected = false;
        println!("UNEXPECTED: processed more than once: {twice:?}");
    }
    println!(
        "\n{} events processed once each; the redelivery was acknowledged as a duplicate.",
        processed.len()
    );
    println!(
        "{}",
        if as_expected {
            "Every delivery ended as it should."
        } else {
            "Something did not go as it should."
        }
    );
    Ok(as_expected)
}

/// One delivery from each sender of the list, signed now with its own
/// `sign_at`: whether the receiver acknowledged every one.
fn every_sender(
    addr: SocketAddr,
    every: &[senders::Fixture],
) -> Result<bool, Box<dyn std::error::Error>> {
    println!("\nEvery sender in the crate's list, one signed delivery each:\n");
    println!("| sender | reply | verdict |");
    println!("|---|---|---|");
    let mut all_acknowledged = true;
    for sender in every {
        let signer = sender.signer();
        let now = OffsetDateTime::now_utc();
        let body = sender.body_at(now);
        let headers = signer.sign_at(&body, now)?;
        let path = format!("/webhooks/list-{}", sender.name);
        let reply = receiver::post(addr, &path, &headers, &body)?;
        let acknowledged = signer.reply_rule().classify(&reply).is_success();
        all_acknowledged &= acknowledged;
        println!(
            "| {} | {} | {} |",
            sender.name,
            reply.status().as_u16(),
            if acknowledged {
                "verified and acknowledged"
            } else {
                "UNEXPECTED: not acknowledged"
            }
        );
    }
    Ok(all_acknowledged)
}

/// Delivers as the provider would: sign each attempt when it is sent, read
/// the reply the provider's way, wait as its schedule says.
fn deliver<P: Provider>(
    addr: SocketAddr,
    sender: &P,
    delivery: Delivery<'_>,
) -> Result<Row, Box<dyn std::error::Error>> {
    let schedule = sender.retry_schedule();
    let path = format!("/webhooks/{}", delivery.route);
    let mut row = Row {
        route: delivery.route,
        label: delivery.label,
        attempts: Vec::new(),
        result: Expect::Rejected,
        expected: delivery.expected,
        note: String::new(),
    };
    let mut elapsed = Duration::ZERO;
    for attempt in 1.. {
        let headers = sender.sign_at(delivery.body, OffsetDateTime::now_utc())?;
        let mut body = delivery.body.to_vec();
        if delivery.forged {
            // A forger changes the amount, the address, the id...
            body[20] ^= 0x01;
        }
        let reply = receiver::post(addr, &path, &headers, &body)?;
        row.attempts.push((elapsed, reply.status().as_u16()));
        let outcome = sender.classify(&reply);
        let said = String::from_utf8_lossy(reply.body()).trim().to_owned();
        if outcome.is_success() {
            row.result = Expect::Delivered { attempts: attempt };
            row.note = format!("acknowledged: {said:?}");
            break;
        }
        if delivery.forged {
            row.note = format!("refused: {said}");
            break;
        }
        let wait = match (schedule.delay_after(attempt as u32), outcome) {
            (None, _) | (_, Outcome::Disable) => {
                row.result = Expect::GaveUp { attempts: attempt };
                row.note = if schedule.max_attempts() == 1 {
                    "not retried: this provider never redelivers by itself".into()
                } else {
                    "gave up after the schedule's last attempt".into()
                };
                break;
            }
            (
                Some(delay),
                Outcome::Throttle {
                    retry_after: Some(asked),
                },
            ) => delay.max(asked),
            (Some(delay), _) => delay,
        };
        elapsed += wait;
        thread::sleep((wait / TIME_SCALE).min(Duration::from_millis(200)));
    }
    Ok(row)
}

fn print_table(rows: &[Row]) {
    let rows: Vec<_> = rows
        .iter()
        .map(|row| {
            let attempts = row
                .attempts
                .iter()
                .map(|(at, status)| format!("{status} @{}s", at.as_secs()))
                .collect::<Vec<_>>()
                .join(", ");
            let outcome = match row.result {
                Expect::Delivered { .. } => format!("delivered — {}", row.note),
                Expect::GaveUp { .. } => format!("given up — {}", row.note),
                Expect::Rejected => format!("rejected — {}", row.note),
            };
            [
                row.route.to_owned(),
                row.label.to_owned(),
                attempts,
                outcome,
            ]
        })
        .collect();
    let header = [
        "provider",
        "event",
        "attempts (status @ schedule time)",
        "outcome",
    ];
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 4]| {
        println!(
            "{:<w0$} | {:<w1$} | {:<w2$} | {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    };
    println!();
    line(header);
    println!("{}", "-".repeat(widths.iter().sum::<usize>() + 9 + 40));
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3]]);
    }
}
