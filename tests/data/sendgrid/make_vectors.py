#!/usr/bin/env python3
"""SendGrid Event Webhook deliveries signed by an independent ECDSA P-256
implementation (pyca/cryptography, i.e. OpenSSL), for webhook-kit's tests,
and the vectors SendGrid publishes in its Node.js SDK's tests, checked here
against OpenSSL too.

Run from the repository root: python3 tests/data/sendgrid/make_vectors.py
It rewrites tests/data/sendgrid/vectors.json. The keys come from fixed
scalars; ECDSA signing here draws a random nonce, so a rerun writes other
(equally valid) signatures and every expectation still holds.

SendGrid's scheme: `X-Twilio-Email-Event-Webhook-Signature` is the base64 of
an ASN.1 DER ECDSA P-256/SHA-256 signature over the
`X-Twilio-Email-Event-Webhook-Timestamp` value followed by the raw body;
the verification key is the base64 of its DER SubjectPublicKeyInfo.
"""

import base64
import json
import pathlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_der_public_key,
)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from key_pair_cases import case, check, seed, write  # noqa: E402

# The order of the P-256 base point.
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def spki(public) -> bytes:
    return public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def keypair(label: str):
    scalar = int.from_bytes(seed("sendgrid", label), "big") % N
    key = ec.derive_private_key(scalar, ec.SECP256R1())
    return key, {
        "public_key": b64(spki(key.public_key())),
        "signing_key": b64(key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())),
    }


PRIMARY, PRIMARY_KEYS = keypair("primary")
ROTATED, ROTATED_KEYS = keypair("rotated")
OUTSIDER, OUTSIDER_KEYS = keypair("outsider")
PK, RK, OK = PRIMARY_KEYS["public_key"], ROTATED_KEYS["public_key"], OUTSIDER_KEYS["public_key"]


def sign(key, timestamp: str, body: str) -> str:
    return b64(key.sign((timestamp + body).encode(), ec.ECDSA(hashes.SHA256())))


def high_s(signature: str) -> str:
    """The same signature as (r, n - s): equally valid for ECDSA."""
    r, s = decode_dss_signature(base64.b64decode(signature))
    return b64(encode_dss_signature(r, N - s))


def raw_pair(signature: str) -> str:
    """r || s as 64 bytes, not the DER SendGrid sends."""
    r, s = decode_dss_signature(base64.b64decode(signature))
    return b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


TS = "1712258191"
BATCH = (
    json.dumps(
        [
            {
                "email": "ada@example.com",
                "event": "processed",
                "sg_event_id": "cHJvY2Vzc2VkLTEtYWRh",
                "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
                "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
                "timestamp": 1712258180,
                "category": ["welcome"],
            },
            {
                "email": "ada@example.com",
                "event": "delivered",
                "response": "250 OK",
                "sg_event_id": "ZGVsaXZlcmVkLTEtYWRh",
                "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
                "timestamp": 1712258185,
            },
            {
                "email": "grace@example.com",
                "event": "open",
                "sg_event_id": "b3Blbi0yLWdyYWNl",
                "sg_machine_open": False,
                "timestamp": 1712258189,
                "useragent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            },
        ]
    ).replace("}, {", "},\r\n{")
    + "\r\n"
)
SINGLE = '[{"email":"ada@example.com","event":"bounce","reason":"550 5.1.1 unknown user","sg_event_id":"Ym91bmNlLTMtYWRh","timestamp":1712258190,"type":"bounce"}]\r\n'

# From sendgrid-nodejs packages/eventwebhook/src/eventwebhook.spec.js.
PUBLISHED_KEY = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
PUBLISHED_SIGNATURE = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
PUBLISHED_TIMESTAMP = "1600112502"
PUBLISHED_PAYLOAD = (
    json.dumps(
        [
            {
                "email": "hello@world.com",
                "event": "dropped",
                "reason": "Bounced Address",
                "sg_event_id": "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
                "sg_message_id": "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",
                "smtp-id": "<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>",
                "timestamp": 1600112492,
            }
        ],
        separators=(",", ":"),
    )
    + "\r\n"
)
PUBLISHED_KEY_MULTIPLE = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q=="
PUBLISHED_SIGNATURE_MULTIPLE = "MEYCIQC/I4o6vCgqRYrTljjoVWB/GRWNtxeePlLMHr3x9ETeRQIhAIpV+03nREPTTHWSW0wIOA0EoMPdcNgXa70yCaqDJlu5"
PUBLISHED_TIMESTAMP_MULTIPLE = "1619651159"
PUBLISHED_PAYLOAD_MULTIPLE = (
    json.dumps(
        [
            {
                "email": "invalid@gmail.com",
                "event": "processed",
                "send_at": 0,
                "sg_event_id": "cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA",
                "sg_message_id": "qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",
                "smtp-id": "<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>",
                "timestamp": 1619651146,
            },
            {
                "email": "invalid@gmail.com",
                "event": "bounce",
                "ip": "167.89.101.76",
                "reason": "552 5.2.2 The email account that you tried to reach is over quota and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm c17si1130468pgv.34 - gsmtp",
                "sg_event_id": "Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w",
                "sg_message_id": "qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",
                "smtp-id": "<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>",
                "status": "5.2.2",
                "timestamp": 1619651147,
                "tls": 1,
                "type": "blocked",
            },
        ],
        separators=(",", ":"),
    ).replace("},{", "},\r\n{")
    + "\r\n"
)
PUBLISHED_OTHER_KEY = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA=="
PUBLISHED_BAD_SIGNATURE = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0="


genuine = sign(PRIMARY, TS, BATCH)
# DER signatures are 70 to 72 bytes; one byte more must still fit the
# longest a P-256 DER signature can be (72), so that only its content is
# refused, not its length.
der = base64.b64decode(genuine)
while len(der) > 71:
    genuine = sign(PRIMARY, TS, BATCH)
    der = base64.b64decode(genuine)
cases = [
    case("published: one event", PUBLISHED_TIMESTAMP, PUBLISHED_PAYLOAD, PUBLISHED_SIGNATURE, [PUBLISHED_KEY], 0),
    case("published: two events", PUBLISHED_TIMESTAMP_MULTIPLE, PUBLISHED_PAYLOAD_MULTIPLE, PUBLISHED_SIGNATURE_MULTIPLE, [PUBLISHED_KEY_MULTIPLE], 0),
    case("published: another key", PUBLISHED_TIMESTAMP, PUBLISHED_PAYLOAD, PUBLISHED_SIGNATURE, [PUBLISHED_OTHER_KEY], None),
    case("published: another payload", PUBLISHED_TIMESTAMP, "payload", PUBLISHED_SIGNATURE, [PUBLISHED_KEY], None),
    case("published: a bad signature", PUBLISHED_TIMESTAMP, PUBLISHED_PAYLOAD, PUBLISHED_BAD_SIGNATURE, [PUBLISHED_KEY], None),
    case("batch of three, CRLF between events", TS, BATCH, genuine, [PK], 0),
    case("one event", TS, SINGLE, sign(PRIMARY, TS, SINGLE), [PK], 0),
    case("empty body", TS, "", sign(PRIMARY, TS, ""), [PK], 0),
    case("high S (n - s) is as valid", TS, BATCH, high_s(genuine), [PK], 0),
    case("rotation: signed by the second trusted key", TS, BATCH, sign(ROTATED, TS, BATCH), [PK, RK], 1),
    case("untrusted key", TS, BATCH, sign(OUTSIDER, TS, BATCH), [PK, RK], None),
    case("body changed", TS, BATCH.rstrip("\r\n"), genuine, [PK], None),
    case("timestamp changed", "1712258192", BATCH, genuine, [PK], None),
    case("signature bit flipped", TS, BATCH, b64(der[:-1] + bytes([der[-1] ^ 1])), [PK], None),
    case("r || s instead of DER", TS, BATCH, raw_pair(genuine), [PK], None),
    case("DER with a trailing byte", TS, BATCH, b64(der + b"\x00"), [PK], None),
]



def verifies(c, public) -> bool:
    key = load_der_public_key(base64.b64decode(public))
    try:
        key.verify(
            base64.b64decode(c["signature"]),
            (c["timestamp"] + c["body"]).encode(),
            ec.ECDSA(hashes.SHA256()),
        )
        return True
    except InvalidSignature:
        return False


check(cases, verifies)

# Keys a receiver must refuse, each with why.
primary_spki = base64.b64decode(PK)
off_curve = bytearray(primary_spki)
off_curve[-1] ^= 1
refused_keys = [
    {"why": "a P-384 key", "key": b64(spki(ec.derive_private_key(7, ec.SECP384R1()).public_key()))},
    {"why": "an Ed25519 key", "key": b64(spki(Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()))},
    {"why": "a point off the curve", "key": b64(bytes(off_curve))},
    {"why": "a trailing byte", "key": b64(primary_spki + b"\x00")},
    {"why": "the bare SEC1 point, not SPKI", "key": b64(primary_spki[-65:])},
    {"why": "the PKCS #8 private key", "key": PRIMARY_KEYS["signing_key"]},
    {"why": "PEM, not base64 DER", "key": PRIMARY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()},
]
for refused in refused_keys[2:4]:
    try:
        load_der_public_key(base64.b64decode(refused["key"]))
        raise AssertionError(refused["why"])
    except ValueError:
        pass

keys = {"primary": PRIMARY_KEYS, "rotated": ROTATED_KEYS, "outsider": OUTSIDER_KEYS}
write(__file__, keys, cases, refused_keys=refused_keys)
