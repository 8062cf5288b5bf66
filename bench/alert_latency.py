#!/usr/bin/env python3
"""Alert-in to notification-out latency for bench/alerts.sh (Python 3 standard library only).

Two modes:

  alert_latency.py sink --port P
      Only the receiver: answers 200 to every POST and counts the alerts it was told about
      (Firewatch's webhook notices and Alertmanager's webhook groups). GET /count returns the
      count so far. bench/alerts.sh runs it as the notification target of the throughput runs.

  alert_latency.py latency --port P --url http://127.0.0.1:F/hooks/prometheus
                           [--count 2000] [--rate 200] [--concurrency 4] [--warmup 100]
      Starts the receiver on P (Firewatch's `sink` destination must point there), then sends
      --count distinct Alertmanager webhook v4 bodies (one firing alert each) at a fixed
      --rate, from --concurrency sender threads so that one slow answer does not hold up the
      schedule. Each alert's send time (time.perf_counter_ns, just before the POST) is keyed by
      its `instance` label, which comes back in the notice the webhook destination posts
      (data.payload.alert.labels.instance). The receiver stamps the arrival with the same clock.
      Prints p50/p99/max of arrival - send in ms, how many arrived, and the 202 latency.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Receiver:
    """The notification target: records when each alert's notice arrives."""

    def __init__(self, port):
        self.lock = threading.Lock()
        self.arrived = {}  # instance -> perf_counter_ns at arrival (first notice only)
        self.count = 0  # alerts told about, re-sends included
        self.changed = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Firewatch's client expects

            def do_POST(self):
                now = time.perf_counter_ns()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.record(body, now)

            def do_GET(self):
                with receiver.lock:
                    text = str(receiver.count).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.daemon_threads = True
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, body, now):
        try:
            message = json.loads(body)
        except ValueError:
            return
        instances = []
        if isinstance(message, dict) and isinstance(message.get("data"), dict):
            # Firewatch's webhook destination: {"type", "timestamp", "data": EventMessage}.
            alert = (message["data"].get("payload") or {}).get("alert") or {}
            instances.append((alert.get("labels") or {}).get("instance"))
        elif isinstance(message, dict) and isinstance(message.get("alerts"), list):
            # Alertmanager's webhook v4: a group of alerts.
            instances.extend((a.get("labels") or {}).get("instance") for a in message["alerts"])
        with self.lock:
            for instance in instances:
                self.count += 1
                if instance is not None and instance not in self.arrived:
                    self.arrived[instance] = now
            self.changed.notify_all()

    def wait_for(self, keys, timeout):
        """Waits until every key has arrived or timeout seconds pass."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                missing = sum(1 for k in keys if k not in self.arrived)
                left = deadline - time.monotonic()
                if missing == 0 or left <= 0:
                    return missing
                self.changed.wait(min(left, 0.2))


def webhook_body(instance, fingerprint):
    """An Alertmanager webhook v4 body with one firing alert (as bench/alerts.lua's hooks)."""
    labels = {"alertname": "BenchHighLatency", "instance": instance, "job": "api",
              "service": "api", "severity": "critical"}
    annotations = {"summary": f"p99 latency above 500 ms on {instance}",
                   "description": "Latency has been above the objective for 5 minutes. "
                   + "x" * 150}
    return json.dumps({
        "version": "4",
        "groupKey": f'{{}}:{{alertname="BenchHighLatency", instance="{instance}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "firewatch",
        "groupLabels": {"alertname": "BenchHighLatency", "instance": instance},
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": "http://alertmanager:9093",
        "alerts": [{
            "status": "firing",
            "labels": labels,
            "annotations": annotations,
            "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
            "fingerprint": fingerprint,
        }],
    }).encode()


def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return sorted_values[int(rank) - 1]


def send_paced(url, count, rate, concurrency, prefix, status_counts):
    """Sends `count` alerts at `rate`/s; returns {instance: send time} and 2xx answer times."""
    target = urlsplit(url)
    sent = {}
    acks = []
    lock = threading.Lock()
    next_index = [0]
    start = time.perf_counter_ns() + 50_000_000  # first send 50 ms from now
    interval = 1_000_000_000 / rate

    def sender():
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= count:
                break
            instance = f"{prefix}-{i}"
            body = webhook_body(instance, f"{abs(hash(prefix)) % 0xffffffff:08x}{i:08x}")
            due = start + int(i * interval)
            delay = (due - time.perf_counter_ns()) / 1e9
            if delay > 0:
                time.sleep(delay)
            t0 = time.perf_counter_ns()
            try:
                conn.request("POST", target.path, body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                status = "error"
            t1 = time.perf_counter_ns()
            with lock:
                status_counts[status] = status_counts.get(status, 0) + 1
                if isinstance(status, int) and 200 <= status < 300:
                    sent[instance] = t0
                    acks.append((t1 - t0) / 1e6)
        conn.close()

    threads = [threading.Thread(target=sender) for _ in range(concurrency)]
    began = time.perf_counter_ns()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = (time.perf_counter_ns() - began) / 1e9
    return sent, acks, elapsed


def latency(args):
    receiver = Receiver(args.port)
    prefix = f"lat{os.getpid()}"
    statuses = {}
    if args.warmup:
        sent, _, _ = send_paced(args.url, args.warmup, args.rate, args.concurrency,
                                f"{prefix}w", {})
        receiver.wait_for(list(sent), 30)
    sent, acks, elapsed = send_paced(args.url, args.count, args.rate, args.concurrency,
                                     prefix, statuses)
    missing = receiver.wait_for(list(sent), args.wait)
    with receiver.lock:
        latencies = sorted((receiver.arrived[k] - t) / 1e6 for k, t in sent.items()
                           if k in receiver.arrived)
    acks.sort()
    rejected = sum(n for s, n in statuses.items() if not (isinstance(s, int) and 200 <= s < 300))
    listed = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=str))
    print(f"sent {args.count} alerts in {elapsed:.1f}s ({args.count / elapsed:.0f}/s, paced at "
          f"{args.rate:g}/s, {args.concurrency} senders; after {args.warmup} warm-up alerts); "
          f"answers: {listed}")
    print(f"accepted {len(sent)}, not accepted {rejected}; notified {len(latencies)}, "
          f"missing after {args.wait:g}s wait: {missing}")
    print(f"{'alert in -> notification out':34} {'p50':>10} {'p99':>10} {'max':>10}")
    print(f"{'':34} {percentile(latencies, 50):>8.1f}ms {percentile(latencies, 99):>8.1f}ms "
          f"{(latencies[-1] if latencies else float('nan')):>8.1f}ms")
    print(f"{'(answer 202 to the sender)':34} {percentile(acks, 50):>8.1f}ms "
          f"{percentile(acks, 99):>8.1f}ms {(acks[-1] if acks else float('nan')):>8.1f}ms")
    receiver.server.shutdown()
    return 0 if latencies else 1


def sink(args):
    Receiver(args.port)
    print(f"sink listening on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    threading.Event().wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("sink", help="receive and count notifications")
    s.add_argument("--port", type=int, required=True)
    s.set_defaults(run=sink)
    lat = sub.add_parser("latency", help="measure alert-in to notification-out")
    lat.add_argument("--port", type=int, required=True, help="port of the sink destination")
    lat.add_argument("--url", required=True, help="Firewatch's /hooks/{alertmanager integration}")
    lat.add_argument("--count", type=int, default=2000)
    lat.add_argument("--rate", type=float, default=200.0, help="alerts per second")
    lat.add_argument("--concurrency", type=int, default=4)
    lat.add_argument("--warmup", type=int, default=100)
    lat.add_argument("--wait", type=float, default=30.0,
                     help="seconds to wait for the last notices after the last send")
    lat.set_defaults(run=latency)
    args = parser.parse_args()
    sys.exit(args.run(args))


if __name__ == "__main__":
    main()
