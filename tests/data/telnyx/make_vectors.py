#!/usr/bin/env python3
"""Telnyx webhook deliveries signed by an independent Ed25519
implementation (pyca/cryptography, i.e. OpenSSL), for webhook-kit's tests.

Run from the repository root: python3 tests/data/telnyx/make_vectors.py
It rewrites tests/data/telnyx/vectors.json. Deterministic: the keys come
from fixed seeds and Ed25519 signing is deterministic (RFC 8032).

Telnyx's scheme: `telnyx-signature-ed25519` is the base64 of an Ed25519
signature over "<telnyx-timestamp>|<raw body>"; the account's public key is
the base64 of its 32 bytes.
"""

import base64
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from key_pair_cases import case, check, ed25519_keypair, s_plus_l, write  # noqa: E402


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


PRIMARY, PRIMARY_KEYS = ed25519_keypair("telnyx", "primary", b64)
ROTATED, ROTATED_KEYS = ed25519_keypair("telnyx", "rotated", b64)
OUTSIDER, OUTSIDER_KEYS = ed25519_keypair("telnyx", "outsider", b64)
PK, RK, OK = PRIMARY_KEYS["public_key"], ROTATED_KEYS["public_key"], OUTSIDER_KEYS["public_key"]
BY_PUBLIC = {PK: PRIMARY, RK: ROTATED, OK: OUTSIDER}


def signed(timestamp: str, body: str) -> bytes:
    return f"{timestamp}|{body}".encode()


def sign(key, timestamp: str, body: str) -> str:
    return b64(key.sign(signed(timestamp, body)))


TS = "1712258191"
MESSAGE = json.dumps(
    {
        "data": {
            "event_type": "message.received",
            "id": "b301ed3f-1490-491f-995f-6e64e69674d4",
            "occurred_at": "2024-04-04T19:16:30.812+00:00",
            "payload": {"direction": "inbound", "text": "Héllo ✓", "type": "SMS"},
            "record_type": "event",
        },
        "meta": {"attempt": 1, "delivered_to": "https://example.com/webhooks/telnyx"},
    },
    ensure_ascii=False,
)
CALL = '{"data":{"event_type":"call.initiated","id":"0ccc7b54-4df3-4bca-a65a-3da1ecc777f0","occurred_at":"2018-02-02T22:25:27.521992Z","payload":{"call_control_id":"v2:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ","direction":"incoming","state":"parked"},"record_type":"event"},"meta":{"attempt":2,"delivered_to":"https://example.com/webhooks/telnyx"}}'


genuine = sign(PRIMARY, TS, MESSAGE)
raw = base64.b64decode(genuine)
cases = [
    case("message received, non-ASCII text", TS, MESSAGE, genuine, [PK], 0),
    case("call initiated, second attempt", TS, CALL, sign(PRIMARY, TS, CALL), [PK], 0),
    case("empty body", TS, "", sign(PRIMARY, TS, ""), [PK], 0),
    case("unpadded signature", TS, MESSAGE, genuine.rstrip("="), [PK], 0),
    case("rotation: signed by the second trusted key", TS, MESSAGE, sign(ROTATED, TS, MESSAGE), [PK, RK], 1),
    case("untrusted key", TS, MESSAGE, sign(OUTSIDER, TS, MESSAGE), [PK, RK], None),
    case("body changed", TS, MESSAGE + "\n", genuine, [PK], None),
    case("timestamp changed", "1712258192", MESSAGE, genuine, [PK], None),
    case("signed without the separator", TS, MESSAGE, b64(PRIMARY.sign((TS + MESSAGE).encode())), [PK], None),
    case("signature bit flipped", TS, MESSAGE, b64(bytes([raw[0] ^ 1]) + raw[1:]), [PK], None),
    case("non-canonical S (S + L)", TS, MESSAGE, b64(s_plus_l(raw)), [PK], None),
]



def verifies(c, public) -> bool:
    sig = c["signature"]
    try:
        BY_PUBLIC[public].public_key().verify(
            base64.b64decode(sig + "=" * (-len(sig) % 4)), signed(c["timestamp"], c["body"])
        )
        return True
    except Exception:
        return False


check(cases, verifies)
write(__file__, {"primary": PRIMARY_KEYS, "rotated": ROTATED_KEYS, "outsider": OUTSIDER_KEYS}, cases)
