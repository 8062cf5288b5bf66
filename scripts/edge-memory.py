#!/usr/bin/env python3
"""What an unauthenticated sender can make a running Firewatch hold in memory.

Opens CONNECTIONS parallel `POST /hooks/NAME` requests, each with a BODY_MIB body and a wrong
`X-Hub-Signature-256`, several rounds, while a small valid-token hook is sent every 100 ms;
samples the server's RSS from /proc throughout and for SETTLE seconds afterwards. Prints the
baseline, the peak, the RSS at the end, the answers by status, and how the small hooks fared.

    scripts/edge-memory.py --pid PID --url http://127.0.0.1:8080 [--hook github]
        [--connections 40] [--body-mib 24] [--rounds 3] [--settle 60]
        [--ok-hook ingest --ok-token TOKEN]

Only loopback URLs are accepted.
"""

import argparse
import asyncio
import collections
import time
import urllib.parse


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def post(host, port, path, headers, body, chunk=256 * 1024):
    """One request on its own connection; the status, or the error that ended it."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as error:
        return f"connect: {error.__class__.__name__}"
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "Connection: close\r\n\r\n"
    try:
        writer.write(head.encode())
        view = memoryview(body)
        for start in range(0, len(body), chunk):
            writer.write(view[start : start + chunk])
            await writer.drain()
    except (ConnectionError, OSError):
        pass  # The server answered early and closed; read what it said.
    try:
        line = await asyncio.wait_for(reader.readline(), 30)
        return line.split()[1].decode() if line else "closed"
    except (ConnectionError, OSError, asyncio.TimeoutError, IndexError):
        return "reset"
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--hook", default="github")
    parser.add_argument("--connections", type=int, default=40)
    parser.add_argument("--body-mib", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=int, default=60)
    parser.add_argument("--ok-hook")
    parser.add_argument("--ok-token")
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("only loopback URLs")
    host, port = url.hostname, url.port or 80

    baseline = rss_mib(args.pid)
    peak = baseline
    done = asyncio.Event()

    async def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mib(args.pid))
            await asyncio.sleep(0.05)

    small = collections.Counter()
    small_times = []

    async def ordinary():
        if not args.ok_hook:
            return
        n = 0
        while not done.is_set():
            n += 1
            started = time.monotonic()
            status = await post(
                host,
                port,
                f"/hooks/{args.ok_hook}",
                {"Content-Type": "application/json", "Authorization": f"Bearer {args.ok_token}"},
                f'{{"n": {n}}}'.encode(),
            )
            small[status] += 1
            small_times.append(time.monotonic() - started)
            await asyncio.sleep(0.1)

    body = b"{" + b" " * (args.body_mib * 1024 * 1024 - 2) + b"}"
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "push",
        "X-Hub-Signature-256": "sha256=" + "0" * 64,
    }
    sampler = asyncio.create_task(sample())
    others = asyncio.create_task(ordinary())
    answers = collections.Counter()
    started = time.monotonic()
    for _ in range(args.rounds):
        results = await asyncio.gather(
            *(post(host, port, f"/hooks/{args.hook}", headers, body) for _ in range(args.connections))
        )
        answers.update(results)
    load_seconds = time.monotonic() - started
    done.set()
    await sampler
    await others
    after_load = rss_mib(args.pid)
    await asyncio.sleep(args.settle)
    settled = rss_mib(args.pid)
    print(f"baseline RSS      {baseline:8.1f} MiB")
    print(f"peak RSS          {peak:8.1f} MiB")
    print(f"RSS after load    {after_load:8.1f} MiB")
    print(f"RSS {args.settle:3d} s later    {settled:8.1f} MiB ({settled - baseline:+.1f} MiB)")
    print(f"load              {args.rounds} x {args.connections} x {args.body_mib} MiB in {load_seconds:.1f} s")
    print("answers           " + ", ".join(f"{k}: {v}" for k, v in sorted(answers.items())))
    if args.ok_hook:
        worst = max(small_times) if small_times else 0
        print("ordinary hooks    " + ", ".join(f"{k}: {v}" for k, v in sorted(small.items())) + f", slowest {worst * 1000:.0f} ms")


asyncio.run(main())
