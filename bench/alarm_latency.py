#!/usr/bin/env python3
"""Like → SSE latency: the demo student keeps an alarm stream open; the admin likes the
student's post (then unlikes it, which emits nothing) N times, one at a time. Each sample is
the time from sending the like to reading its `alarm` event on the stream.
Usage: alarm_latency.py <port> <samples> <post_id> <author_token> <liker_token>"""
import http.client
import json
import queue
import statistics
import sys
import threading
import time

port, samples, post_id, author, liker = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
events: "queue.Queue[tuple[float, dict]]" = queue.Queue()


def listen() -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/alarm-api/v2/alarms/subscribe", headers={"Access-Token": author})
    res = conn.getresponse()
    assert res.status == 200, res.status
    while True:
        line = res.readline()
        if not line:
            return
        if line.startswith(b"data: "):
            events.put((time.perf_counter(), json.loads(line[6:])))


threading.Thread(target=listen, daemon=True).start()
api = http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def like(method: str) -> None:
    body = json.dumps({"likeTargetType": "POST", "targetId": post_id})
    api.request(method, "/api/v2/likes", body=body, headers={"Access-Token": liker, "Content-Type": "application/json"})
    res = api.getresponse()
    res.read()
    assert res.status == 200, res.status


time.sleep(0.5)  # the stream is open
latencies = []
for i in range(samples + 20):
    started = time.perf_counter()
    like("POST")
    arrived, alarm = events.get(timeout=30)
    assert alarm["alarmType"] == "NEW_LIKE_ON_POST" and alarm["originId"] == post_id, alarm
    if i >= 20:  # warm-up
        latencies.append((arrived - started) * 1000)
    like("DELETE")

latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"samples={len(latencies)} p50={p(0.50):.1f}ms p90={p(0.90):.1f}ms p99={p(0.99):.1f}ms "
      f"max={latencies[-1]:.1f}ms mean={statistics.mean(latencies):.1f}ms")
