#!/usr/bin/env python3
"""Turns a `cargo bench --bench verify` run into the tables of BENCHMARKS.md.

Reads criterion's medians from target/criterion (or $CARGO_TARGET_DIR/criterion)
and, given the machine's SHA-256 throughput (`openssl speed -evp sha256`, the
16384-byte column, in MB/s of 1000 kB), prints Markdown tables with the ratios
the targets speak of. The senders come from the sender list,
tests/senders/mod.rs, as the bench's do.

    python3 benches/report.py <openssl-sha256-MB/s>
"""
import json
import os
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", HERE.parent / "target")) / "criterion"
SIZES = [256, 4096, 65536, 1048576]
PROVIDERS = ["standard", "clickfunnels", "falu", "fourvenues", "funnel"]
LIST_SIZES = [256, 4096]


def sender_list():
    """The names in tests/senders/mod.rs's `all()`, in its order."""
    text = (HERE.parent / "tests" / "senders" / "mod.rs").read_text()
    return re.findall(r'fixture\(\s*"([a-z0-9_]+)"', text)


def floor_of(group, size):
    """The one `floor_*` bench of a list sender's group (not `floor_parse`)."""
    base = ROOT / group
    if not base.is_dir():
        return None, None
    for entry in sorted(base.iterdir()):
        if entry.name.startswith("floor_") and entry.name != "floor_parse":
            ns = median_ns(group, entry.name, size)
            if ns is not None:
                return entry.name[len("floor_"):], ns
    return None, None


def median_ns(group, bench, size):
    path = ROOT / group / bench / str(size) / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"]


def fmt_ns(ns):
    if ns is None:
        return "—"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def ratio(a, b):
    return "—" if a is None or b is None else f"{a / b:.2f}×"


def main():
    sha_mb_s = float(sys.argv[1]) if len(sys.argv) > 1 else None
    print("| provider | size | verify_at | floor HMAC | ours / floor | verify_and_parse_at "
          "| floor HMAC + parse | ours / floor | ours / SHA-256 limit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for provider in PROVIDERS:
        for size in SIZES:
            ours = median_ns(provider, "verify_at", size)
            hmac = median_ns(provider, "floor_hmac", size)
            both = median_ns(provider, "verify_and_parse_at", size)
            parse = median_ns(provider, "floor_parse", size)
            floor_both = (hmac or 0) + parse if parse is not None else None
            limit = "—"
            if sha_mb_s and ours and hmac:
                ours_mb_s = size / ours * 1e3  # bytes per ns → MB/s
                limit = f"{ours_mb_s / sha_mb_s:.0%}"
            print(f"| {provider} | {size} | {fmt_ns(ours)} | {fmt_ns(hmac)} | {ratio(ours, hmac)} "
                  f"| {fmt_ns(both)} | {fmt_ns(floor_both)} | {ratio(both, floor_both)} | {limit} |")
    print()
    print("| size | ours verify_at | standardwebhooks | svix | webhook-verify "
          "| standardwebhooks / ours | svix / ours | webhook-verify / ours |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in SIZES:
        ours = median_ns("standard", "verify_at", size)
        peer = median_ns("standard", "peer_standardwebhooks", size)
        svix = median_ns("standard", "peer_svix", size)
        wv = median_ns("standard", "peer_webhook_verify", size)
        print(f"| {size} | {fmt_ns(ours)} | {fmt_ns(peer)} | {fmt_ns(svix)} | {fmt_ns(wv)} "
              f"| {ratio(peer, ours)} | {ratio(svix, ours)} | {ratio(wv, ours)} |")

    print()
    print("| sender | size | floor | verify_at | floor | verify_at / floor "
          "| verify_and_parse_at | verify_and_parse_at / floor (no parse in the floor) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    missing = []
    for sender in sender_list():
        if sender in PROVIDERS:
            continue  # in the first table, with floors over their exact pieces
        for size in LIST_SIZES:
            ours = median_ns(sender, "verify_at", size)
            both = median_ns(sender, "verify_and_parse_at", size)
            kind, floor = floor_of(sender, size)
            if ours is None:
                missing.append(f"{sender}/{size}")
                continue
            print(f"| {sender} | {size} | {kind or '—'} | {fmt_ns(ours)} | {fmt_ns(floor)} "
                  f"| {ratio(ours, floor)} | {fmt_ns(both)} | {ratio(both, floor)} |")
    if missing:
        print()
        print("not measured in this run: " + ", ".join(missing))


if __name__ == "__main__":
    main()
