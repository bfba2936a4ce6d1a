"""Webhooks against a running ticketd, verified by the Standard Webhooks
reference library (the `standardwebhooks` package), not by ticketd's code.

Registers an endpoint served by this script, makes changes through the API,
and checks that each event arrives once, in order, with a signature the
library accepts (and rejects once the body or the secret changes), that an
internal note does not arrive, and that after a rotation both secrets verify.

Environment: BASE_URL, ADMIN_TOKEN, CUSTOMER_TOKEN, AGENT_TOKEN.
"""

import json
import os
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

BASE = os.environ["BASE_URL"]
API = BASE + "/backend/api/support-ticket"
received = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def call(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(API + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as r:
        return json.load(r)["data"]


def wait_for(n):
    deadline = time.time() + 30
    while len(received) < n and time.time() < deadline:
        time.sleep(0.1)
    if len(received) < n:
        sys.exit(f"only {len(received)} of {n} deliveries arrived")


def check(condition, what):
    if not condition:
        sys.exit("FAILED: " + what)
    print("ok:", what)


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook_url = f"http://127.0.0.1:{server.server_address[1]}/hook"

admin, customer, agent = (os.environ[k] for k in ("ADMIN_TOKEN", "CUSTOMER_TOKEN", "AGENT_TOKEN"))
endpoint = call("POST", "/webhooks", admin, {"url": hook_url, "description": "webhook check"})
secret = endpoint["secret"]
category = call("POST", "/categories", admin, {"categoryName": "Webhook check"})["id"]
ticket = call("POST", "", customer, {"subject": "Signed", "description": "Check", "categoryId": category})["id"]
call("POST", f"/{ticket}", agent, {"message": "Internal only", "visibility": "internal"})
call("POST", f"/{ticket}", customer, {"message": "Public reply"})
wait_for(2)
time.sleep(2)  # anything more (the internal note) would have come by now

hook = Webhook(secret)
events = call("GET", f"/events?ticketId={ticket}&limit=100", admin)
public = [e for e in events if e["visibility"] == "public"]
check(len(received) == len(public) == 2, "each public event arrived once; the internal note did not")
for (headers, body), event in zip(received, public):
    payload = hook.verify(body, headers)
    check(payload == event, f"{headers['webhook-id']} verifies with the reference library and is the listed event")
    try:
        hook.verify(body + b" ", headers)
        check(False, "a changed body is rejected")
    except WebhookVerificationError:
        check(True, "a changed body is rejected")
    try:
        Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(body, headers)
        check(False, "another secret is rejected")
    except WebhookVerificationError:
        check(True, "another secret is rejected")
check([json.loads(b)["type"] for _, b in received] == ["ticket.created", "message.created"], "in the ticket's order")

rotated = call("POST", f"/webhooks/{endpoint['id']}/rotate-secret", admin, {"graceSeconds": 600})
call("POST", f"/{ticket}", customer, {"message": "After the rotation"})
wait_for(3)
headers, body = received[2]
Webhook(rotated["secret"]).verify(body, headers)
Webhook(secret).verify(body, headers)
check(True, "during the grace period both the new and the old secret verify")
print("webhook check passed")
