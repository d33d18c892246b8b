#!/usr/bin/env python3
"""Regenerates the committed seed corpus in fuzz/seeds/<target>/.

Run from anywhere: `python3 fuzz/make_seeds.py`. Standard library only, but
for the `senders` target's Ed25519 and P-256 signatures (the `cryptography`
package).

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

# The presets target: one primary secret each, plus the published test
# secrets of GitHub and Slack so their documented vectors verify.
GITHUB_SECRET = "fuzz-github-secret"
GITHUB_DOCS_SECRET = "It's a Secret to Everybody"
STRIPE_SECRET = "whsec_fuzz_stripe_secret"
SHOPIFY_SECRET = "fuzz-shopify-client-secret"
SLACK_SECRET = "fuzz-slack-signing-secret"
SLACK_DOCS_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CUSTOM_SECRET = "fuzz-custom-secret"

# docs.github.com, "Validating webhook deliveries": secret, body, header.
GITHUB_VECTOR = (b"Hello, World!", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
# docs.slack.dev, "Verifying requests from Slack": body, timestamp, header.
SLACK_VECTOR = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
    "1531420618",
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
)
SLACK_INTERACTION = b"payload=%7B%22type%22%3A%22block_actions%22%2C%22trigger_id%22%3A%2213345224609.738474920.8088930838d88f008e0%22%7D"
STRIPE_BODY = b'{"id": "evt_1NG8Du2eZvKYlo2CUI79vXWy", "object": "event", "api_version": "2019-02-19", "created": 1686089970, "data": {"object": {"id": "seti_1NG8Du2eZvKYlo2C9XMqbR0x", "object": "setup_intent"}}, "livemode": false, "type": "setup_intent.created"}'
SLACK_CALLBACK = b'{"token": "XXYYZZ", "team_id": "T123ABC456", "api_app_id": "A123ABC456", "event": {"type": "app_mention", "user": "U123", "text": "hi", "ts": "1515449522.000016"}, "type": "event_callback", "event_id": "Ev123ABC456", "event_time": 1515449522}'
SLACK_CHALLENGE = b'{"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}'


def presets_seed(body: bytes, github_event="issues", github_delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958",
                 topic="orders/create", webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
                 slack=None) -> bytes:
    """Genuine headers of all four presets for `body` at NOW."""
    gh = "sha256=" + hmac256(GITHUB_SECRET.encode(), body).hex()
    stripe = f"t={NOW},v1=" + hmac256(STRIPE_SECRET.encode(), f"{NOW}.".encode() + body).hex()
    shop = base64.b64encode(hmac256(SHOPIFY_SECRET.encode(), body)).decode()
    if slack is None:
        slack = ("v0=" + hmac256(SLACK_SECRET.encode(), f"v0:{NOW}:".encode() + body).hex(), str(NOW))
    return lines(gh, github_event, github_delivery, stripe, shop, topic, webhook_id,
                 "2024-04-04T19:16:31Z", slack[0], slack[1]) + body


def custom_seed(options: bytes, names, texts, header_values, body: bytes) -> bytes:
    """A custom description: option bytes, 16 lines, body (see custom.rs)."""
    return options + lines(*names, *texts, *header_values) + body


def custom_seeds() -> None:
    key = CUSTOM_SECRET.encode()
    body = b'{"id": "evt_1", "type": "order.paid", "created": 1712258191, "data": {"id": 7}}'
    none4 = ("", "", "", "")
    # GitHub-like: prefix `sha256=`, hex of the body; id header; type header.
    write("custom", "github-like", custom_seed(
        bytes([0b0000_0000, 0b0011_1000, ord("."), 0, 0]),
        ("x-hub-signature-256", "", "x-github-delivery", "x-github-event"),
        ("sha256=", "", "", "", "", ""),
        ("sha256=" + hmac256(key, body).hex(), "", "d-1", "push", "d-2", "ping"), body))
    # Stripe-like: `t=…,v1=…` over "<t>.<body>", body fields.
    write("custom", "stripe-like", custom_seed(
        bytes([0b0001_0010, 0b1000_0000, ord("."), 0b0011_1111, 0]),
        ("", "", "", ""), ("t", "v1", "", "", "", ""),
        (f"t={NOW},v1=" + hmac256(key, f"{NOW}.".encode() + body).hex(), "", "", "", "", ""), body))
    # Slack-like: `v0=` hex over "v0:<t>:<body>", timestamp header, form body.
    form = SLACK_VECTOR[0]
    write("custom", "slack-like", custom_seed(
        bytes([0b1001_0000, 0b1000_0010, ord(":"), 0b1100_0000, 60]),
        ("x-slack-signature", "x-slack-request-timestamp", "", ""),
        ("v0=", "", "v0:", "", "", ""),
        ("v0=" + hmac256(key, f"v0:{NOW}:".encode() + form).hex(), str(NOW), "", "", "", ""), form))
    # Standard-like: `v1,<base64>` over "<id>.<t>.<body>", canonical timestamp.
    mac = base64.b64encode(hmac256(key, f"msg_1.{NOW}.".encode() + body)).decode()
    write("custom", "standard-like", custom_seed(
        bytes([0b0110_0101, 0b1000_0110, ord("."), 0b0000_0001, 0]),
        ("webhook-signature", "webhook-timestamp", "webhook-id", ""),
        ("v1", "", "", "", "", ""),
        (f"v1,{mac}", f"+0{NOW}", "msg_1", "", "msg_2", ""), body))
    # Refused descriptions: a timestamp checked but not signed; a bad name.
    write("custom", "refused-unsigned-timestamp", custom_seed(bytes([0, 0b0000_0001, ord("."), 0, 2]), none4, ("",) * 6, ("",) * 6, body))
    write("custom", "refused-header-name", custom_seed(bytes([0, 0b0100_0000, ord("."), 0, 0]), ("x sig", "", "", ""), ("",) * 6, ("",) * 6, body))


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


GENERATED = ("parse", "funnel", "fourvenues", "falu", "clickfunnels", "standard", "headers", "presets", "custom",
             "senders")


# The senders target: the first byte picks the sender (its index in
# SENDERS), then one line per header in the order the target documents.
SENDERS = ["paddle", "linear", "zoom", "twitch", "twilio", "square", "hubspot", "meta", "calendly",
           "paystack", "razorpay", "typeform", "discord", "telnyx", "sendgrid", "gitlab",
           "lemonsqueezy", "intercom", "dropbox"]
SENDER_SECRET = "fuzz-sender-secret"
META_VERIFY_TOKEN = "fuzz-meta-verify-token"
SENDER_URL = "https://example.com/webhooks?tenant=1"
DISCORD_SEED = "bc84b0be5cfd36b27b1c47d4c547a0a6beb202744d3196f0bbcde91e648a1e14"
TELNYX_SEED = "b1PB+f2VJ54AARTaeKzBtmdgqJpryVcgUkiKHa+PbV4="
SENDGRID_PKCS8 = ("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1LCPtfns2SOk7BUFCnpBOBJx/JuvnD9yQq0Kl/kuVrOhRANCAAQ"
                  "WzGLN7Vf7pEHIUM/Ete28uTk42gCNMzupyURGffPIeq6LjP8zsKzZTO4yGr4JxAdFNu/VDmkhAe9tRif2JKmw")
# A genuine body per sender (tests/senders/mod.rs), and the handshakes.
SENDER_BODIES = {
    "paddle": [b'{"event_id": "evt_01", "event_type": "transaction.paid", "occurred_at": "2023-11-14T22:13:20Z", "notification_id": "ntf_01", "data": {"id": "txn_01"}}'],
    "linear": [b'{"action": "create", "type": "Issue", "data": {"id": "9f1e"}, "createdAt": "2024-04-04T19:16:31.000Z", "webhookTimestamp": %d}' % (NOW * 1000)],
    "zoom": [b'{"event": "meeting.started", "event_ts": 1700000000000, "payload": {"account_id": "a1", "object": {"id": "85309"}}}',
             b'{"event": "endpoint.url_validation", "event_ts": 1712258191000, "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}}'],
    "twitch": [b'{"subscription": {"id": "f1c2a387", "status": "enabled", "type": "channel.follow", "version": "2", "condition": {"broadcaster_user_id": "1337"}, "transport": {"method": "webhook"}, "created_at": "2019-11-16T10:11:12.634234626Z"}, "event": {"user_login": "cool_user"}}',
               b'{"challenge": "pogchamp-kappa-360noscope-vohiyo", "subscription": {"id": "f1c2a387", "status": "webhook_callback_verification_pending", "type": "channel.follow", "version": "2", "condition": {"broadcaster_user_id": "12826"}, "transport": {"method": "webhook", "callback": "https://example.com/webhooks/callback"}, "created_at": "2019-11-16T10:11:12.634234626Z"}}'],
    "twilio": [b'{"specversion": "1.0", "type": "com.twilio.messaging.message.delivered", "source": "/2010-04-01/Accounts/AC1/Messages/SM1.json", "id": "EZ1", "time": "2023-11-14T22:13:20Z", "data": {"messageSid": "SM1"}}',
               b"MessageSid=SM1234&MessageStatus=delivered&To=%2B15558675310&AccountSid=AC1&To=b"],
    "square": [b'{"merchant_id": "M1", "type": "payment.updated", "event_id": "e1", "created_at": "2023-11-14T22:13:20Z", "data": {"type": "payment", "id": "p1"}}'],
    "hubspot": [b'[{"eventId": 1, "subscriptionId": 12345, "portalId": 62515, "occurredAt": 1700000000000, "subscriptionType": "contact.creation", "attemptNumber": 0, "objectId": 123, "changeSource": "CRM", "changeFlag": "NEW", "appId": 54321}]'],
    "meta": [b'{"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp"}}]}]}',
             ("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=" + META_VERIFY_TOKEN).encode()],
    "calendly": [b'{"event": "invitee.created", "created_at": "2023-11-14T22:13:20.000000Z", "payload": {"uri": "https://api.calendly.com/scheduled_events/A/invitees/B"}}'],
    "paystack": [b'{"event": "charge.success", "data": {"id": 302961, "reference": "qTPrJoy9Bx"}}'],
    "razorpay": [b'{"entity": "event", "account_id": "acc_1", "event": "payment.captured", "contains": ["payment"], "payload": {"payment": {"entity": {"id": "pay_1"}}}, "created_at": 1700000000}'],
    "typeform": [b'{"event_id": "01HGZ8", "event_type": "form_response", "form_response": {"form_id": "lT4Z3j", "submitted_at": "2023-11-14T22:13:20Z"}}'],
    "discord": [b'{"application_id": "1227000000000000000", "id": "1227086452651560960", "type": 2, "token": "dG9rZW4", "data": {"name": "roll"}, "version": 1}',
                b'{"application_id": "1227000000000000000", "id": "1227086452651560961", "type": 1, "token": "dG9rZW4", "version": 1}',
                b'{"version": 1, "application_id": "1227000000000000000", "type": 0}'],
    "telnyx": [b'{"data": {"event_type": "message.received", "id": "b301ed3f-1490-491f-995f-6e64e69674d4", "occurred_at": "2023-11-14T22:13:20Z", "record_type": "event", "payload": {"text": "hi"}}, "meta": {"attempt": 1}}'],
    "sendgrid": [b'[{"email": "ada@example.com", "event": "delivered", "sg_event_id": "ZGVs", "timestamp": 1700000000},\r\n{"email": "ada@example.com", "event": "open", "sg_event_id": "b3Bl", "timestamp": 1700000001}]\r\n'],
    "gitlab": [b'{"object_kind": "push", "event_name": "push", "ref": "refs/heads/main", "project": {"path_with_namespace": "mike/diaspora"}}'],
    "lemonsqueezy": [b'{"meta": {"event_name": "subscription_created", "custom_data": {"user_id": "u1"}}, "data": {"type": "subscriptions", "id": "1", "attributes": {"status": "active"}}}'],
    "intercom": [b'{"type": "notification_event", "id": "notif_01", "topic": "conversation.user.created", "app_id": "a86dr8yl", "created_at": 1700000000, "data": {"type": "notification_event_data", "item": {"type": "conversation", "id": "c1"}}}'],
    "dropbox": [b'{"list_folder": {"accounts": ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]}, "delta": {"users": [12345]}}',
                b"challenge=JU3y9gYSKbbo7Ag5bCWYgJn2gWCsDhN4"],
}


def twilio_signed(url: str, body: bytes) -> bytes:
    """Twilio's signed text: the URL with bodySHA256 for JSON, else the URL
    and the sorted form parameters (each distinct value of a name)."""
    if body.lstrip()[:1] in (b"{", b"["):
        joiner = "&" if "?" in url else "?"
        return f"{url}{joiner}bodySHA256={hashlib.sha256(body).hexdigest()}".encode()
    from urllib.parse import parse_qsl
    params = {}
    for name, value in parse_qsl(body.decode(), keep_blank_values=True):
        params.setdefault(name, set()).add(value)
    return url.encode() + b"".join(n.encode() + v.encode() for n in sorted(params) for v in sorted(params[n]))


def sender_headers(sender: str, body: bytes) -> list:
    """Genuine header lines of `sender` for `body` at NOW, in the target's order."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    key = SENDER_SECRET.encode()
    ts = str(NOW)
    mac = lambda digest, msg: hmac.new(key, msg, digest).digest()
    b64 = lambda raw: base64.b64encode(raw).decode()
    if sender == "paddle":
        return [f"ts={ts};h1={mac(hashlib.sha256, ts.encode() + b':' + body).hex()}"]
    if sender == "linear":
        return [mac(hashlib.sha256, body).hex(), "6f2a9c1e-linear-delivery"]
    if sender == "zoom":
        return ["v0=" + mac(hashlib.sha256, f"v0:{ts}:".encode() + body).hex(), ts]
    if sender == "twitch":
        stamp, msg_id = "2024-04-04T19:16:31.5Z", "befa7b53-d79d-478f-86b9-120f112b044e"
        kind = "webhook_callback_verification" if b'"challenge"' in body else "notification"
        return ["sha256=" + mac(hashlib.sha256, (msg_id + stamp).encode() + body).hex(), stamp, msg_id, kind]
    if sender == "twilio":
        return [b64(mac(hashlib.sha1, twilio_signed(SENDER_URL, body))), "idem-1"]
    if sender == "square":
        return [b64(mac(hashlib.sha256, SENDER_URL.encode() + body))]
    if sender == "hubspot":
        millis = str(NOW * 1000)
        return [b64(mac(hashlib.sha256, b"POST" + SENDER_URL.encode() + body + millis.encode())), millis]
    if sender == "meta":
        return ["sha256=" + mac(hashlib.sha256, body).hex()]
    if sender == "calendly":
        return [f"t={ts},v1={mac(hashlib.sha256, ts.encode() + b'.' + body).hex()}"]
    if sender == "paystack":
        return [mac(hashlib.sha512, body).hex()]
    if sender == "razorpay":
        return [mac(hashlib.sha256, body).hex(), "evt_razorpay_1"]
    if sender == "typeform":
        return ["sha256=" + b64(mac(hashlib.sha256, body))]
    if sender == "discord":
        private = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(DISCORD_SEED))
        return [private.sign(ts.encode() + body).hex(), ts]
    if sender == "telnyx":
        private = ed25519.Ed25519PrivateKey.from_private_bytes(base64.b64decode(TELNYX_SEED))
        return [b64(private.sign(ts.encode() + b"|" + body)), ts]
    if sender == "sendgrid":
        private = serialization.load_der_private_key(base64.b64decode(SENDGRID_PKCS8), None)
        return [b64(private.sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))), ts]
    if sender == "gitlab":
        return [SENDER_SECRET, "Push Hook"]
    if sender == "lemonsqueezy":
        return [mac(hashlib.sha256, body).hex(), "subscription_created"]
    if sender == "intercom":
        return ["sha1=" + mac(hashlib.sha1, body).hex()]
    if sender == "dropbox":
        return [mac(hashlib.sha256, body).hex()]
    raise ValueError(sender)


def senders_seeds() -> None:
    for index, sender in enumerate(SENDERS):
        for n, body in enumerate(SENDER_BODIES[sender]):
            write("senders", f"{sender}-{n}", bytes([index]) + lines(*sender_headers(sender, body)) + body)


def main() -> None:
    # seeds/v1a is written by hand (tests/data/v1a vectors); keep it.
    for target in GENERATED:
        shutil.rmtree(OUT / target, ignore_errors=True)
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

    # presets: genuine headers of every preset for every body, the published
    # GitHub and Slack vectors, Slack JSON and form bodies.
    for name, body in all_bodies.items():
        write("presets", f"genuine-{name}", presets_seed(body))
    for name, body in [("stripe_setup_intent", STRIPE_BODY), ("slack_event_callback", SLACK_CALLBACK),
                       ("slack_url_verification", SLACK_CHALLENGE), ("slack_interaction", SLACK_INTERACTION),
                       ("slack_form_escapes", b"a=%zz%4&b=%2B%2b+x&&c&a=2&payload=%5B1%5D")]:
        write("presets", f"genuine-{name}", presets_seed(body))
    gh_body, gh_sig = GITHUB_VECTOR
    write("presets", "github-published-vector",
          lines(gh_sig, "ping", "", "", "", "", "", "", "", "") + gh_body)
    slack_body, slack_ts, slack_sig = SLACK_VECTOR
    write("presets", "slack-documented-example", presets_seed(slack_body, slack=(slack_sig, slack_ts)))
    custom_seeds()
    senders_seeds()

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
