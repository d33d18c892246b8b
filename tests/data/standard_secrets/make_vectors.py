#!/usr/bin/env python3
"""Standard Webhooks deliveries signed by the Python reference library
(`pip install standardwebhooks`) with secrets whose last base64 digit carries
non-zero leftover bits, for webhook-kit's tests.

The reference decodes a `whsec_` secret with `base64.b64decode(secret + "==")`,
which ignores those leftover bits; a strict decoder refuses the secret.

Run from the repository root: python3 tests/data/standard_secrets/make_vectors.py
It rewrites tests/data/standard_secrets/vectors.json. Everything is deterministic.
"""

import base64
import json
import pathlib
from datetime import datetime, timezone
from importlib.metadata import version

from standardwebhooks import Webhook

# The secrets of the reference suites' unpadded-secret tests: 23 bytes
# (last digit `S`, two leftover bits `10`) and 25 bytes (last digit `r`,
# four leftover bits `1011`), each unpadded and padded.
SECRETS = [
    ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", 23),
    ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS=", 23),
    ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr", 25),
    ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr==", 25),
]

TIMESTAMP = 1712258191
BODY = '{"type":"user.created","timestamp":"2024-04-04T19:16:31Z","data":{"id":"user_1"}}'


def leftover_bits(secret: str) -> int:
    """The bits of the last digit that fall outside the decoded bytes."""
    digits = secret.rstrip("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    unused = {2: 4, 3: 2}[len(digits) % 4]
    return alphabet.index(digits[-1]) & ((1 << unused) - 1)


cases = []
for encoded, key_len in SECRETS:
    assert leftover_bits(encoded) != 0, encoded
    for secret in (encoded, "whsec_" + encoded):
        hook = Webhook(secret)
        assert len(hook._whsecret) == key_len, (secret, len(hook._whsecret))
        msg_id = f"msg_{len(cases)}"
        when = datetime.fromtimestamp(TIMESTAMP, tz=timezone.utc)
        cases.append(
            {
                "secret": secret,
                "key_len": key_len,
                "id": msg_id,
                "timestamp": TIMESTAMP,
                "body": BODY,
                "webhook-signature": hook.sign(msg_id, when, BODY),
            }
        )

out = {
    "generator": "tests/data/standard_secrets/make_vectors.py, standardwebhooks "
    + version("standardwebhooks"),
    "cases": cases,
}
path = pathlib.Path(__file__).with_name("vectors.json")
path.write_text(json.dumps(out, indent=2) + "\n")
print(f"wrote {len(cases)} cases to {path}")
