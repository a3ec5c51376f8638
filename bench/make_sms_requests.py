#!/usr/bin/env python3
"""Writes N signed inbound-text webhook calls for one provider, one per line, for bench/sms.lua:
header lines joined by \\x1f, a TAB, then the body. Distinct ids and numbers, so each is a real
new case, not a duplicate. Signatures follow SMSAdapters/ (and the providers' published schemes).

    make_sms_requests.py PROVIDER PUBLIC_URL SECRET COUNT OUT
"""
import base64
import hashlib
import hmac
import json
import random
import sys
import time
import urllib.parse

provider, url, secret, count, out = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4]), sys.argv[5]
FORM = "Content-Type: application/x-www-form-urlencoded"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def call(i: int) -> tuple[list[str], str]:
    sender = f"+4477009{random.randrange(10**5):05d}"
    text = f"bench text {i}: he shouts most evenings"
    msg_id = f"bench{i:08d}{random.randrange(10**9)}"
    now = int(time.time())
    if provider == "twilio":
        params = {"MessageSid": "SM" + msg_id, "From": sender, "To": "+441234000000", "Body": text, "NumSegments": "1"}
        data = url + "".join(k + params[k] for k in sorted(params))
        sig = base64.b64encode(hmac.new(secret, data.encode(), hashlib.sha1).digest()).decode()
        return [FORM, "X-Twilio-Signature: " + sig], urllib.parse.urlencode(params)
    if provider == "vonage":
        params = {"msisdn": sender[1:], "to": "441234000000", "messageId": msg_id, "text": text, "type": "text",
                  "timestamp": str(now)}
        base = "".join(f"&{k}=" + params[k].replace("&", "_").replace("=", "_") for k in sorted(params))
        params["sig"] = hmac.new(secret, base.encode(), hashlib.sha256).hexdigest()
        return [FORM], urllib.parse.urlencode(params)
    if provider == "messagebird":
        body = urllib.parse.urlencode({"id": msg_id, "originator": sender, "recipient": "441234000000", "body": text})
        claims = {"iss": "MessageBird", "nbf": now, "exp": now + 900, "jti": msg_id,
                  "url_hash": hashlib.sha256(url.encode()).hexdigest(),
                  "payload_hash": hashlib.sha256(body.encode()).hexdigest()}
        head = b64url(b'{"alg":"HS256","typ":"JWT"}') + "." + b64url(json.dumps(claims, sort_keys=True).encode())
        token = head + "." + b64url(hmac.new(secret, head.encode(), hashlib.sha256).digest())
        return [FORM, "MessageBird-Signature-JWT: " + token], body
    if provider == "plivo":
        params = {"MessageUUID": msg_id, "From": sender, "To": "441234000000", "Text": text, "Type": "sms"}
        nonce = str(random.randrange(10**12))
        base = url + "?" + "".join(k + params[k] for k in sorted(params)) + "." + nonce
        sig = base64.b64encode(hmac.new(secret, base.encode(), hashlib.sha256).digest()).decode()
        return [FORM, "X-Plivo-Signature-V3-Nonce: " + nonce, "X-Plivo-Signature-V3: " + sig], urllib.parse.urlencode(params)
    if provider == "sinch":
        body = json.dumps({"type": "mo_text", "id": msg_id, "from": sender, "to": "441234000000", "body": text})
        nonce = str(random.randrange(10**12))
        sig = base64.b64encode(hmac.new(secret, f"{body}.{nonce}.{now}".encode(), hashlib.sha256).digest()).decode()
        return ["Content-Type: application/json", "x-sinch-webhook-signature-nonce: " + nonce,
                f"x-sinch-webhook-signature-timestamp: {now}", "x-sinch-webhook-signature: " + sig], body
    if provider == "modem":
        body = json.dumps({"id": msg_id, "from": sender, "text": text})
        sig = hmac.new(secret, f"{now}.{body}".encode(), hashlib.sha256).hexdigest()
        return ["Content-Type: application/json", f"X-Haven-Timestamp: {now}", "X-Haven-Signature: " + sig], body
    raise SystemExit(f"unknown provider {provider}")


with open(out, "w") as f:
    for i in range(count):
        headers, body = call(i)
        f.write("\x1f".join(headers) + "\t" + body + "\n")
