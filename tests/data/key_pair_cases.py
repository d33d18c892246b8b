"""What the key-pair senders' make_vectors.py scripts share (discord,
telnyx, sendgrid): fixed keys, the case layout that
tests/common/key_pair_vectors.rs reads, OpenSSL's check of every
expectation, and the output file.
"""

import hashlib
import json
import pathlib

import cryptography
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# The order of the Ed25519 base point.
L = 2**252 + 27742317777372542558019086710196575965


def seed(sender: str, label: str) -> bytes:
    """32 fixed bytes for one of a sender's keys."""
    return hashlib.sha256(f"webhook-kit {sender} vectors: {label}".encode()).digest()


def ed25519_keypair(sender: str, label: str, encode):
    """An Ed25519 key from a fixed seed, and its public key and seed in the
    sender's text form (`encode` of the bytes)."""
    secret = seed(sender, label)
    key = Ed25519PrivateKey.from_private_bytes(secret)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key, {"public_key": encode(public), "signing_key": encode(secret)}


def s_plus_l(signature: bytes) -> bytes:
    """The same Ed25519 signature with S replaced by S + L: it satisfies a
    lax check of the group equation but is not canonical (S >= L)."""
    s = int.from_bytes(signature[32:], "little") + L
    assert s < 2**256
    return signature[:32] + s.to_bytes(32, "little")


def case(name, timestamp, body, signature, trusted, expect):
    """One delivery; `expect` is the index into `trusted` of the key that
    verifies, or None."""
    return {
        "name": name,
        "timestamp": timestamp,
        "body": body,
        "signature": signature,
        "trusted": trusted,
        "expect": expect,
    }


def check(cases, verifies):
    """Asserts OpenSSL agrees with every expectation: `verifies(case,
    public_key)` says whether the case's signature verifies under one key."""
    for c in cases:
        ok = None
        for index, public in enumerate(c["trusted"]):
            if verifies(c, public) and ok is None:
                ok = index
        assert ok == c["expect"], (c["name"], ok)


def write(script: str, keys: dict, cases: list, **extra):
    """Writes vectors.json beside `script` (its __file__)."""
    path = pathlib.Path(script).with_name("vectors.json")
    out = {
        "generator": f"tests/data/{path.parent.name}/make_vectors.py, pyca/cryptography {cryptography.__version__}",
        "keys": keys,
        "cases": cases,
        **extra,
    }
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {path}")
