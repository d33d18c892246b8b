#!/usr/bin/env python3
"""Regenerates the committed seed corpus in fuzz/seeds/<target>/.

Run from anywhere: `python3 fuzz/make_seeds.py`. Standard library only.

Bodies come from tests/data/*.json, from the JSON examples quoted in the
providers' documentation (../shared/seeds/*.txt next to the repository, when
present) and from the crate's doc examples. Signatures are computed here,
independently of webhook-kit, with the secrets and the fixed time the fuzz
targets use, so each target's "fuzzed headers" path also sees genuine,
verifying requests. Input format (see fuzz/src/lib.rs): header values one
per line, then the body.
"""

import base64
import hashlib
import hmac
import json
import pathlib
import shutil

FUZZ = pathlib.Path(__file__).resolve().parent
REPO = FUZZ.parent
SHARED = REPO.parent / "shared" / "seeds"
OUT = FUZZ / "seeds"

NOW = 1_712_258_191  # webhook_kit_fuzz::NOW

FUNNEL_TOKEN = "fuzz-funnel-token"
FUNNEL_OLD_TOKEN = "fuzz-funnel-old-token"
FOURVENUES_SECRET = "fuzz-fourvenues-sign-secret"
FOURVENUES_OLD_SECRET = "fuzz-fourvenues-old-secret"
FALU_SECRET = "fuzz-falu-secret"
FALU_OLD_SECRET = "fuzz-falu-old-secret"
CLICKFUNNELS_SECRET = "fuzz-clickfunnels-webhook-secret"
STANDARD_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
STANDARD_OLD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

# The fixed body and secrets of the `headers` target.
HEADERS_BODY = b'{"id":"evt_1","type":"fuzz.event","event":"fuzz.event"}'
HEADERS_SECRET = "fuzz-secret"
HEADERS_TOKEN = "fuzz-token"

# Bodies from the crate's doc examples and tests (small, typed events).
DOC_BODIES = {
    "doc_standard_user_created": b'{"type": "user.created", "timestamp": "2024-05-01T12:00:00Z", "data": {"id": 7}}',
    "doc_clickfunnels_contact_created": b'{"event_id": "e1", "event_type": "contact.created", "data": {"id": 5, "email_address": "a@b.c"}}',
    "doc_falu_message_delivered": b'{"id": "evt_1", "type": "message.delivered", "created": "2024-01-02T03:04:05Z",\n "data": {"object": {"id": "msg_1"}}}',
    "doc_fourvenues_payment_success": b'{"id": "wh_1", "event": "payment.success", "payload": {"payment_id": "p1",\n "resource_type": "ticket", "resource_ids": ["t1"], "metadata": {}, "send_resources": true}}',
    "doc_fourvenues_published_trailing_comma": b'{"id": "x", "event": "payment.success", "payload": {"payment_id": "p"},}',
    "doc_fourvenues_escaped_id": b'{"id": "evt\\/1", "event": "payment.success", "payload": {"payment_id": "p"}}',
    "array_envelope": b'["evt_1", "payment.success", {"payment_id": "p"}]',
    "doc_funnel_updated": b'{"id": 1, "event_type": "lease_transaction.updated", "event_timestamp": 1680064028, "event_data": {"lease_transaction_id": 1, "lease_transaction_type": "Application", "client_id": 2, "community_id": 3, "update_type": "Dependent added"}}',
}


def hmac256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def json_blocks(text: str):
    """Top-level `{...}` blocks of a documentation page (brace matching)."""
    depth, start = 0, None
    for i, c in enumerate(text):
        if c == "{":
            if depth == 0:
                start = i
            depth += 1
        elif c == "}" and depth:
            depth -= 1
            if depth == 0 and i - start > 40:
                yield text[start : i + 1]


def bodies() -> dict:
    found = {}
    for path in sorted((REPO / "tests" / "data").glob("*.json")):
        found[path.stem] = path.read_bytes()
    if SHARED.is_dir():
        for path in sorted(SHARED.glob("*.txt")):
            for n, block in enumerate(json_blocks(path.read_text(encoding="utf-8"))):
                found[f"docs_{path.stem[:3]}_{n}"] = block.encode()
    found.update(DOC_BODIES)
    return found


def lines(*values: str) -> bytes:
    return "".join(v + "\n" for v in values).encode()


def standard_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def standard_sig(secret: str, msg_id: str, ts: int, body: bytes) -> str:
    mac = hmac256(standard_key(secret), f"{msg_id}.{ts}.".encode() + body)
    return "v1," + base64.b64encode(mac).decode()


def body_id(body: bytes) -> str:
    """The body's string `id` (what `x-webhook-id` carries), else another id."""
    try:
        value = json.loads(body).get("id")
    except (ValueError, AttributeError):
        value = None
    return value if isinstance(value, str) else "6571a9f2c1d2e3f4a5b6c7d8"


def write(target: str, name: str, data: bytes) -> None:
    (OUT / target).mkdir(parents=True, exist_ok=True)
    (OUT / target / name).write_bytes(data)


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    all_bodies = bodies()
    for name, body in all_bodies.items():
        write("parse", name, body)

        # funnel: Authorization, x-funnel-token, body
        basic = base64.b64encode(f"{FUNNEL_OLD_TOKEN}:".encode()).decode()
        write("funnel", f"bearer-{name}", lines(f"Bearer {FUNNEL_TOKEN}", "") + body)
        write("funnel", f"basic-{name}", lines(f"Basic {basic}", "") + body)
        write("funnel", f"named-{name}", lines("", FUNNEL_TOKEN) + body)

        # fourvenues: x-webhook-signature, x-webhook-id, body
        mac = hmac256(FOURVENUES_SECRET.encode(), body)
        old = hmac256(FOURVENUES_OLD_SECRET.encode(), body)
        write("fourvenues", f"hex-{name}", lines(mac.hex(), "") + body)
        write("fourvenues", f"base64-{name}", lines(base64.b64encode(old).decode(), "") + body)
        write("fourvenues", f"id-{name}", lines(mac.hex().upper(), body_id(body)) + body)

        # falu: X-Falu-Signature, body
        signed = f"{NOW}.".encode() + body
        mac = hmac256(FALU_SECRET.encode(), signed).hex()
        old = hmac256(FALU_OLD_SECRET.encode(), signed).hex()
        write("falu", f"genuine-{name}", lines(f"t={NOW},sha256={mac}") + body)
        write("falu", f"rolled-{name}", lines(f"t={NOW}, sha256={'0' * 64}, sha256={old}") + body)

        # clickfunnels: signature, timestamp, body
        mac = hmac256(CLICKFUNNELS_SECRET.encode(), signed).hex()
        write("clickfunnels", f"genuine-{name}", lines(mac, str(NOW)) + body)

        # standard: webhook-id/-timestamp/-signature, svix-id/-timestamp/-signature, body
        sig = standard_sig(STANDARD_SECRET, "msg_1", NOW, body)
        old = standard_sig(STANDARD_OLD_SECRET, "msg_2", NOW, body)
        write("standard", f"webhook-{name}", lines("msg_1", str(NOW), f"v1a,AAAA {sig}", "", "", "") + body)
        write("standard", f"svix-{name}", lines("", "", "", "msg_2", str(NOW), old) + body)

    # headers: one signature line for every scheme, optional timestamp and id.
    b = HEADERS_BODY
    key = HEADERS_SECRET.encode()
    ts_body = f"{NOW}.".encode() + b
    write("headers", "standard", lines(standard_sig(STANDARD_SECRET, "msg_1", NOW, b), "", ""))
    write("headers", "standard-list", lines("v2,xyz v1," + "A" * 43 + "= " + standard_sig(STANDARD_SECRET, "msg_7", NOW - 60, b), str(NOW - 60), "msg_7"))
    write("headers", "falu", lines(f"t={NOW},sha256={hmac256(key, ts_body).hex()}", "", ""))
    write("headers", "clickfunnels", lines(hmac256(key, ts_body).hex().upper(), str(NOW), ""))
    write("headers", "fourvenues-hex", lines(hmac256(key, b).hex(), "", ""))
    write("headers", "fourvenues-base64", lines(base64.b64encode(hmac256(key, b)).decode().rstrip("="), "", "evt_1"))
    write("headers", "funnel-bearer", lines(f"Bearer {HEADERS_TOKEN}", "", ""))
    write("headers", "funnel-basic", lines("Basic " + base64.b64encode(f"{HEADERS_TOKEN}:".encode()).decode(), "", ""))

    for target in sorted(p.name for p in OUT.iterdir()):
        print(f"{target}: {len(list((OUT / target).iterdir()))} seeds")


if __name__ == "__main__":
    main()
