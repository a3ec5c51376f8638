#!/usr/bin/env python3
"""Writes N signed Twilio inbound-text requests (one per line: signature TAB form body) for
bench/sms.lua. Distinct MessageSids and numbers, so each is a real new case, not a duplicate."""
import base64
import hashlib
import hmac
import random
import sys
import urllib.parse

url, token, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(out, "w") as f:
    for i in range(count):
        params = {"MessageSid": f"SMbench{i:08d}{random.randrange(10**9)}", "From": f"+4477009{random.randrange(10**5):05d}",
                  "To": "+441234000000", "Body": f"bench text {i}: he shouts most evenings", "NumSegments": "1"}
        data = url + "".join(k + params[k] for k in sorted(params))
        sig = base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()
        f.write(sig + "\t" + urllib.parse.urlencode(params) + "\n")
