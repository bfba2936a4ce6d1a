"""Holds many live event streams open against a running ticketd while
customers post messages, and reports what each stream costs the server and
how long an event takes to reach the streams.

Environment: BASE_URL, PID (the server's, for its memory), TOKENS_FILE (one
line per token: `customer <token>` or `agent <token>`), STREAMS (1000),
MESSAGES (200), RATE (messages a second, 20). Prints one JSON object.
"""

import asyncio
import json
import os
import statistics
import time
import urllib.request

BASE = os.environ["BASE_URL"]
HOST, PORT = BASE.removeprefix("http://").split(":")
PORT = int(PORT)
STREAMS = int(os.environ.get("STREAMS", "1000"))
MESSAGES = int(os.environ.get("MESSAGES", "200"))
RATE = float(os.environ.get("RATE", "20"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def call(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + "/backend/api/support-ticket" + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as r:
        return json.load(r)["data"]


class Stream:
    def __init__(self, role, user, token):
        self.role, self.user, self.token = role, user, token
        self.arrivals = {}  # marker -> arrival time
        self.foreign = 0  # events of another customer's ticket

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(HOST, PORT, limit=1 << 20)
        self.writer.write(
            (f"GET /backend/api/support-ticket/events/stream HTTP/1.1\r\nHost: {HOST}\r\n"
             f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n\r\n").encode())
        await self.writer.drain()
        status = await self.reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"stream refused: {status!r}")
        while (await self.reader.readline()) not in (b"\r\n", b""):
            pass

    async def read(self):
        # Chunked transfer: the frames' lines arrive inside chunks; a data
        # line is recognised wherever a chunk boundary falls.
        buffer = b""
        while True:
            chunk = await self.reader.read(65536)
            if not chunk:
                return
            buffer += chunk
            while b"\ndata: " in buffer:
                start = buffer.index(b"\ndata: ") + 7
                end = buffer.find(b"\n", start)
                if end < 0:
                    break
                now = time.monotonic()
                line, buffer = buffer[start:end], buffer[end:]
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # a chunk-size line fell inside: skip this one
                text = (event.get("data", {}).get("message") or {}).get("message", "")
                if self.role == "customer" and event["data"]["ticket"]["userId"] != self.user:
                    self.foreign += 1
                if text.startswith("load-"):
                    self.arrivals[text] = now


async def main():
    pid = int(os.environ["PID"])
    tokens = [line.split() for line in open(os.environ["TOKENS_FILE"])]
    customers = [(u, t) for r, u, t in tokens if r == "customer"]
    agents = [(u, t) for r, u, t in tokens if r == "agent"]
    admin = next(t for r, u, t in tokens if r == "admin")
    category = call("POST", "/categories", admin, {"categoryName": "Stream load"})["id"]
    tickets = {u: call("POST", "", t, {"subject": "Streams", "description": "load", "categoryId": category})["id"]
               for u, t in customers}
    time.sleep(1)
    before = rss_kib(pid)

    # A tenth of the streams are staff's (they see every event); the rest
    # are the customers', spread evenly.
    streams = []
    for i in range(STREAMS):
        if i % 10 == 0:
            u, t = agents[i % len(agents)]
            streams.append(Stream("agent", u, t))
        else:
            u, t = customers[i % len(customers)]
            streams.append(Stream("customer", u, t))
    for s in streams:
        await s.open()
    readers = [asyncio.create_task(s.read()) for s in streams]
    await asyncio.sleep(3)
    opened = rss_kib(pid)

    sent = {}  # marker -> (customer, time sent, time answered)
    loop = asyncio.get_running_loop()
    for n in range(MESSAGES):
        u, t = customers[n % len(customers)]
        marker = f"load-{n}"
        started = time.monotonic()
        await loop.run_in_executor(None, call, "POST", f"/{tickets[u]}", t, {"message": marker})
        sent[marker] = (u, started, time.monotonic())
        await asyncio.sleep(max(0.0, started + 1 / RATE - time.monotonic()))
    await asyncio.sleep(3)
    peak = rss_kib(pid)
    for r in readers:
        r.cancel()

    from_answer, from_send, missing, expected = [], [], 0, 0
    for s in streams:
        for marker, (u, started, answered) in sent.items():
            if s.role == "customer" and s.user != u:
                if marker in s.arrivals:
                    missing += 1000000  # a customer got another's event
                continue
            expected += 1
            at = s.arrivals.get(marker)
            if at is None:
                missing += 1
                continue
            from_answer.append(max(0.0, at - answered) * 1000)
            from_send.append((at - started) * 1000)
    q = lambda xs, p: statistics.quantiles(xs, n=100)[p - 1] if len(xs) > 1 else (xs[0] if xs else 0)
    print(json.dumps({
        "streams": STREAMS, "messages": MESSAGES, "rate": RATE,
        "deliveries_expected": expected, "deliveries_missing": missing,
        "foreign_events": sum(s.foreign for s in streams),
        "rss_before_kib": before, "rss_open_kib": opened, "rss_peak_kib": peak,
        "kib_per_stream": round((opened - before) / STREAMS, 1),
        "delay_from_answer_ms": {"p50": round(q(from_answer, 50), 1), "p99": round(q(from_answer, 99), 1), "max": round(max(from_answer, default=0), 1)},
        "delay_from_send_ms": {"p50": round(q(from_send, 50), 1), "p99": round(q(from_send, 99), 1)},
    }))


asyncio.run(main())
