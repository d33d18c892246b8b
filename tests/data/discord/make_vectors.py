#!/usr/bin/env python3
"""Discord interaction deliveries signed by an independent Ed25519
implementation (pyca/cryptography, i.e. OpenSSL), for webhook-kit's tests.

Run from the repository root: python3 tests/data/discord/make_vectors.py
It rewrites tests/data/discord/vectors.json. Deterministic: the keys come
from fixed seeds and Ed25519 signing is deterministic (RFC 8032).

Discord's scheme: `X-Signature-Ed25519` is the hex of an Ed25519 signature
over the `X-Signature-Timestamp` value followed by the raw body, with no
separator; the application's public key is 64 hex digits.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from key_pair_cases import case, check, ed25519_keypair, s_plus_l, write  # noqa: E402

PRIMARY, PRIMARY_KEYS = ed25519_keypair("discord", "primary", bytes.hex)
ROTATED, ROTATED_KEYS = ed25519_keypair("discord", "rotated", bytes.hex)
OUTSIDER, OUTSIDER_KEYS = ed25519_keypair("discord", "outsider", bytes.hex)
BY_PUBLIC = {
    PRIMARY_KEYS["public_key"]: PRIMARY,
    ROTATED_KEYS["public_key"]: ROTATED,
    OUTSIDER_KEYS["public_key"]: OUTSIDER,
}


def sign(key, timestamp: str, body: str) -> str:
    return key.sign(timestamp.encode() + body.encode()).hex()


TS = "1712258191"
PING = '{"application_id":"1227000000000000000","id":"1227000000000000001","token":"aW50ZXJhY3Rpb246MTIyNzAwMDAwMDAwMDAwMDAwMQ","type":1,"user":{"id":"53908232506183680","username":"mason"},"version":1}'
COMMAND = '{"application_id":"1227000000000000000","channel_id":"1227000000000000003","data":{"id":"1227000000000000004","name":"roll","options":[{"name":"sides","type":4,"value":20}],"type":1},"guild_id":"1227000000000000005","id":"1227086452651560960","token":"aW50ZXJhY3Rpb246MTIyNzA4NjQ1MjY1MTU2MDk2MA","type":2,"version":1}'
WEBHOOK_PING = '{"application_id":"1227000000000000000","type":0,"version":1}'
WEBHOOK_EVENT = '{"application_id":"1227000000000000000","event":{"data":{"integration_type":0,"scopes":["applications.commands"],"user":{"id":"53908232506183680"}},"timestamp":"2024-04-04T19:16:31.000000+00:00","type":"APPLICATION_AUTHORIZED"},"type":1,"version":1}'
PK, RK, OK = PRIMARY_KEYS["public_key"], ROTATED_KEYS["public_key"], OUTSIDER_KEYS["public_key"]


genuine = sign(PRIMARY, TS, COMMAND)
flipped = bytes([bytes.fromhex(genuine)[0] ^ 1]) + bytes.fromhex(genuine)[1:]
cases = [
    case("application command", TS, COMMAND, genuine, [PK], 0),
    case("PING", TS, PING, sign(PRIMARY, TS, PING), [PK], 0),
    case("webhook event PING", TS, WEBHOOK_PING, sign(PRIMARY, TS, WEBHOOK_PING), [PK], 0),
    case("webhook event", TS, WEBHOOK_EVENT, sign(PRIMARY, TS, WEBHOOK_EVENT), [PK], 0),
    case("empty body", TS, "", sign(PRIMARY, TS, ""), [PK], 0),
    case("upper-case hex signature", TS, COMMAND, genuine.upper(), [PK], 0),
    case("rotation: signed by the second trusted key", TS, COMMAND, sign(ROTATED, TS, COMMAND), [PK, RK], 1),
    case("untrusted key", TS, COMMAND, sign(OUTSIDER, TS, COMMAND), [PK, RK], None),
    case("body changed", TS, COMMAND + " ", genuine, [PK], None),
    case("timestamp changed", "1712258192", COMMAND, genuine, [PK], None),
    case("signature bit flipped", TS, COMMAND, flipped.hex(), [PK], None),
    case("non-canonical S (S + L)", TS, COMMAND, s_plus_l(bytes.fromhex(genuine)).hex(), [PK], None),
]



def verifies(c, public) -> bool:
    try:
        BY_PUBLIC[public].public_key().verify(
            bytes.fromhex(c["signature"]), (c["timestamp"] + c["body"]).encode()
        )
        return True
    except Exception:
        return False


check(cases, verifies)
write(__file__, {"primary": PRIMARY_KEYS, "rotated": ROTATED_KEYS, "outsider": OUTSIDER_KEYS}, cases)
