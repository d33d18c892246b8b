#!/usr/bin/env python3
"""Standard Webhooks `v1a` deliveries signed by an independent Ed25519
implementation (pyca/cryptography, i.e. OpenSSL), for webhook-kit's tests.

Run from the repository root: python3 tests/data/v1a/make_vectors.py
It rewrites tests/data/v1a/vectors.json. Everything is deterministic: the keys
come from fixed seeds and Ed25519 signing is deterministic (RFC 8032).
"""

import base64
import hashlib
import hmac
import json
import pathlib

import cryptography
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
)

# The order of the Ed25519 base point.
L = 2**252 + 27742317777372542558019086710196575965


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def keypair(label: str):
    seed = hashlib.sha256(b"webhook-kit v1a vectors: " + label.encode()).digest()
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key, {
        "whpk": "whpk_" + b64(public),
        "whsk": "whsk_" + b64(seed + public),
        "whpk_spki": "whpk_"
        + b64(key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)),
    }


PRIMARY, PRIMARY_KEYS = keypair("primary")
ROTATED, ROTATED_KEYS = keypair("rotated")
OUTSIDER, OUTSIDER_KEYS = keypair("outsider")

# A whsec_ secret for the mixed `v1 v1a` headers (24 fixed bytes).
HMAC_KEY = hashlib.sha256(b"webhook-kit v1a vectors: hmac").digest()[:24]
WHSEC = "whsec_" + b64(HMAC_KEY)


def signed(msg_id: str, timestamp: str, body: str) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body.encode()


def v1a(key: Ed25519PrivateKey, msg_id, timestamp, body) -> str:
    return "v1a," + b64(key.sign(signed(msg_id, timestamp, body)))


def v1(msg_id, timestamp, body) -> str:
    mac = hmac.new(HMAC_KEY, signed(msg_id, timestamp, body), hashlib.sha256).digest()
    return "v1," + b64(mac)


def s_plus_l(entry: str) -> str:
    """The same signature with S replaced by S + L: still verifies under a
    lax check of the group equation, but is not canonical (S >= L)."""
    sig = base64.b64decode(entry.removeprefix("v1a,"))
    s = int.from_bytes(sig[32:], "little") + L
    assert s < 2**256
    return "v1a," + b64(sig[:32] + s.to_bytes(32, "little"))


TS = "1712258191"
BODY = '{"type":"invoice.paid","timestamp":"2024-04-04T19:16:31Z","data":{"id":"in_1","amount":4200}}'
ID = "msg_2ePzQ8Uf1LqFv0Yt3mXa"
BIG = json.dumps({"type": "bulk", "data": {"items": ["x" * 61] * 64, "note": "héllo ✓"}})
PK, RK, OK = PRIMARY_KEYS["whpk"], ROTATED_KEYS["whpk"], OUTSIDER_KEYS["whpk"]


def case(name, msg_id, timestamp, body, header, trusted, expect, signed_by=None):
    entry = {
        "name": name,
        "id": msg_id,
        "timestamp": timestamp,
        "body": body,
        "webhook-signature": header,
        "trusted": trusted,
        # Index into `trusted` of the key that verifies, or null.
        "expect": expect,
    }
    if signed_by is not None:
        # The whsk_ key whose v1a signature (deterministic) is in the header.
        entry["signed_by"] = signed_by
    return entry


genuine = v1a(PRIMARY, ID, TS, BODY)
cases = [
    case("v1a alone", ID, TS, BODY, genuine, [PK], 0, PRIMARY_KEYS["whsk"]),
    case("v1 then v1a", ID, TS, BODY, f"{v1(ID, TS, BODY)} {genuine}", [PK], 0, PRIMARY_KEYS["whsk"]),
    case("v1a then v1", ID, TS, BODY, f"{genuine} {v1(ID, TS, BODY)}", [PK], 0, PRIMARY_KEYS["whsk"]),
    case("empty body", "msg_empty", TS, "", v1a(PRIMARY, "msg_empty", TS, ""), [PK], 0, PRIMARY_KEYS["whsk"]),
    case("4 KiB body with non-ASCII text", "msg_big", TS, BIG, v1a(PRIMARY, "msg_big", TS, BIG), [PK], 0, PRIMARY_KEYS["whsk"]),
    case(
        "rotation: signed by the second trusted key",
        ID, TS, BODY, v1a(ROTATED, ID, TS, BODY), [PK, RK], 1, ROTATED_KEYS["whsk"],
    ),
    case(
        "rotation: sender signs with both keys",
        ID, TS, BODY, f"{v1a(ROTATED, ID, TS, BODY)} {genuine}", [PK], 0,
    ),
    case("untrusted key", ID, TS, BODY, v1a(OUTSIDER, ID, TS, BODY), [PK, RK], None),
    case("body changed", ID, TS, BODY + " ", genuine, [PK], None),
    case("id changed", ID + "x", TS, BODY, genuine, [PK], None),
    case("timestamp changed", ID, "1712258192", BODY, genuine, [PK], None),
    case("signature bit flipped", ID, TS, BODY,
         "v1a," + b64(bytes([base64.b64decode(genuine[4:])[0] ^ 1]) + base64.b64decode(genuine[4:])[1:]),
         [PK], None),
    case("non-canonical S (S + L)", ID, TS, BODY, s_plus_l(genuine), [PK], None),
    case("v1a label on an HMAC", ID, TS, BODY, "v1a," + v1(ID, TS, BODY)[3:], [PK], None),
    case("unpadded v1a entry", ID, TS, BODY, genuine.rstrip("="), [PK], 0),
]

# OpenSSL agrees with every expectation above.
for c in cases:
    ok = None
    for entry in c["webhook-signature"].split(" "):
        version, _, sig = entry.partition(",")
        if version != "v1a":
            continue
        try:
            raw = base64.b64decode(sig + "=" * (-len(sig) % 4), validate=True)
        except ValueError:
            continue
        for index, whpk in enumerate(c["trusted"]):
            public = {PK: PRIMARY, RK: ROTATED, OK: OUTSIDER}[whpk].public_key()
            try:
                public.verify(raw, signed(c["id"], c["timestamp"], c["body"]))
                ok = index if ok is None else ok
            except Exception:
                pass
    assert ok == c["expect"], (c["name"], ok)

out = {
    "generator": f"tests/data/v1a/make_vectors.py, pyca/cryptography {cryptography.__version__}",
    "keys": {"primary": PRIMARY_KEYS, "rotated": ROTATED_KEYS, "outsider": OUTSIDER_KEYS},
    "whsec": WHSEC,
    "cases": cases,
}
path = pathlib.Path(__file__).with_name("vectors.json")
path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {path}")
