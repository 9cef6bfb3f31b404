"""A small HTTP load generator, run in its own process so its threads never share a GIL
with the server under test:
``python -m bench.load URL --clients N --seconds S [--new-connections]``.

Each client sends GET requests back to back for S seconds, over one keep-alive connection
or a new connection per request; prints one JSON object: requests, errors, seconds,
requests per second, p50 and p99 latency in ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlsplit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--new-connections", action="store_true")
    arguments = parser.parse_args()
    target = urlsplit(arguments.url)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start_gate = threading.Barrier(arguments.clients + 1)

    def client() -> None:
        own: list[float] = []
        failed = 0
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        start_gate.wait()
        deadline = time.perf_counter() + arguments.seconds
        while (began := time.perf_counter()) < deadline:
            if arguments.new_connections:
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            try:
                connection.request("GET", target.path, headers=_headers(arguments))
                response = connection.getresponse()
                response.read()
                failed += response.status != 200
            except OSError:
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            if arguments.new_connections:
                connection.close()
            own.append((time.perf_counter() - began) * 1000)
        with lock:
            latencies.extend(own)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(arguments.clients)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        json.dumps(
            {
                "requests": len(latencies),
                "errors": errors[0],
                "seconds": seconds,
                "rps": len(latencies) / seconds,
                "p50_ms": statistics.median(latencies),
                "p99_ms": quantiles[98],
            }
        )
    )


def _headers(arguments: argparse.Namespace) -> dict[str, str]:
    return {"Connection": "close"} if arguments.new_connections else {}


if __name__ == "__main__":
    main()
