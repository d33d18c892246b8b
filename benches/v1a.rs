//! Standard Webhooks `v1a`: `verify_at` of a receiver that trusts one
//! Ed25519 public key, beside the floor of a bare `ed25519-dalek`
//! `verify_strict` over the already-joined `"<id>.<timestamp>.<body>"`, at
//! 256 B, 4 KiB, 64 KiB and 1 MiB. The target: within 1.1× of the floor
//! from 4 KiB.
//!
//! `cargo bench --features ed25519 --bench v1a`; see BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signature, VerifyingKey};
use time::OffsetDateTime;
use webhook_kit::Provider;
use webhook_kit::standard::StandardWebhooks;

const SIZES: [usize; 4] = [256, 4 << 10, 64 << 10, 1 << 20];
const WHSK: &str =
    "whsk_G0LsqAHRFf0hc0/iGLZbyRMntFER9NhifXlRJydDpQG+oiW4U1QjuM/sUGlMBcZkqGEznhruN6nHmSJG2FEaWA==";
const WHPK: &str = "whpk_vqIluFNUI7jP7FBpTAXGZKhhM54a7jepx5kiRthRGlg=";
const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";

fn bench_v1a(c: &mut Criterion) {
    let now = OffsetDateTime::from_unix_timestamp(1_712_258_191).expect("time");
    let sender = StandardWebhooks::from_signing_key(WHSK).expect("whsk");
    let receiver = StandardWebhooks::from_public_key(WHPK).expect("whpk");
    let base64 = base64::engine::general_purpose::STANDARD;
    let key_bytes: [u8; 32] = base64
        .decode(&WHPK["whpk_".len()..])
        .expect("base64")
        .try_into()
        .expect("32 bytes");
    let floor_key = VerifyingKey::from_bytes(&key_bytes).expect("key");

    let mut group = c.benchmark_group("v1a");
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_secs(1));
    for size in SIZES {
        let body = vec![b'x'; size];
        let headers = sender.sign_with_id_at(MSG_ID, &body, now).expect("sign");
        let entry = headers["webhook-signature"].to_str().expect("ascii");
        let signature_bytes: [u8; 64] = base64
            .decode(entry.strip_prefix("v1a,").expect("v1a"))
            .expect("base64")
            .try_into()
            .expect("64 bytes");
        let signature = Signature::from_bytes(&signature_bytes);
        let message = [
            MSG_ID.as_bytes(),
            b".",
            now.unix_timestamp().to_string().as_bytes(),
            b".",
            &body,
        ]
        .concat();
        assert!(floor_key.verify_strict(&message, &signature).is_ok());
        assert!(receiver.verify_at(&headers, &body, now).is_ok());

        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(
            BenchmarkId::new("floor verify_strict", size),
            &size,
            |b, _| b.iter(|| floor_key.verify_strict(black_box(&message), black_box(&signature))),
        );
        group.bench_with_input(BenchmarkId::new("verify_at", size), &size, |b, _| {
            b.iter(|| receiver.verify_at(black_box(&headers), black_box(&body), now))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_v1a);
criterion_main!(benches);
