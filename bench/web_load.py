"""Load test of the search API on loopback: concurrent clients, requests/s and latency percentiles.

    python bench/web_load.py                 # temporary home, sample manuals ingested first (~1 min)
    python bench/web_load.py --home kefu_data --workers 8 --requests 200

The app runs as `python app.py serve` (waitress, the production server, with the
`threads` setting) in its own process on 127.0.0.1 and a free port, so the load
generator does not compete with it for the GIL; each worker thread keeps one
HTTP/1.1 connection and sends a bounded number of searches with an API token.
Queries are drawn (seeded) from a fixed list of agent questions, Simplified and
Traditional, so repeats occur as they do at a help desk. Every distinct query is
sent once before timing (reported separately): that first embedding is a
one-off cost per query, not the steady state the target is about.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.db import connect  # noqa: E402  (run as a script: the project root is on the path now)
from common.settings import load_settings  # noqa: E402
from kb.knowledge_base import KnowledgeBase  # noqa: E402
from service import users  # noqa: E402

QUERIES = [
    "退款多久到账", "退货运费谁出", "七天无理由退货", "怎么申请换货", "发票怎么开", "电子发票", "价格保护",
    "快递几天到", "包裹破损怎么办", "签收了没收到", "水壶怎么除垢", "水壶保修多久", "会员积分怎么用",
    "积分过期", "会员等级", "投诉怎么处理", "差评", "优惠券不能用", "活动满减规则", "夏日焕新节",
    "自提點營業時間", "自提需要身份證嗎", "包裹保留幾天", "退貨運費誰出", "退款多久到帳", "发货时间",
    "可以改地址吗", "催发货", "修改订单", "取消订单", "客服工作时间", "怎么联系人工客服", "隐私保护",
    "质量问题退货", "少发漏发", "赠品退货", "分期付款退款", "顺丰还是中通", "运费险怎么理赔", "不满意想退",
]  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def prepare_home(home: str) -> str:
    """Ingest the sample manuals into an empty home and return a fresh API token of an agent."""
    settings = load_settings(home)
    kb = KnowledgeBase(settings)
    if not kb.documents():
        print("ingesting sample_data/kb (first run of this home) ...", file=sys.stderr, flush=True)
        kb.ingest([ROOT / "sample_data" / "kb"])
    kb.conn.close()
    return api_token(home, "bench", "agent")


def api_token(home: str, name: str, role: str) -> str:
    """A fresh API token of the bench user ``name`` (created with ``role`` on first use)."""
    conn = connect(load_settings(home).db_path)
    users.init_schema(conn)
    password = f"{name}-{role}-pass"
    user = users.authenticate(conn, name, password) or users.create_user(conn, name, password, role)
    token = users.issue_token(conn, user.id)
    conn.close()
    return token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(home: str, threads: int) -> tuple[subprocess.Popen, int]:
    """`python app.py serve` (waitress) in its own process, so clients and server do not share a GIL."""
    port = free_port()
    env = {**os.environ, "KEFU_THREADS": str(threads), "KEFU_ADMIN_PASSWORD": "bench-admin-pass"}
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--home", home, "serve", "--host", "127.0.0.1", "--port", str(port),
         "--no-sample"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("the server exited during start-up") from None
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("the server did not start within 180 s")


def search_once(conn: http.client.HTTPConnection, token: str, query: str) -> float:
    path = "/api/search?" + urllib.parse.urlencode({"q": query, "k": 5})
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200 or not json.loads(body)["results"]:
        raise RuntimeError(f"{query}: HTTP {response.status} {body[:200]!r}")
    return elapsed


def run(port: int, token: str, workers: int, requests: int, seed: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker(index: int) -> None:
        nonlocal errors
        rng = random.Random(seed * 1000 + index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(requests):
            try:
                mine.append(search_once(conn, token, rng.choice(QUERIES)))
            except (OSError, RuntimeError, http.client.HTTPException) as exc:
                with lock:
                    errors += 1
                print(f"error: {exc}", file=sys.stderr)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", help="data home (default: a temporary one with the sample manuals)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="requests per worker")
    parser.add_argument("--threads", type=int, default=None, help="waitress threads (default: the setting)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as scratch:
        home = args.home or scratch
        threads = args.threads or load_settings(home).threads
        token = prepare_home(home)
        server, port = start_server(home, threads)
        try:
            warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            first = [search_once(warm, token, q) for q in QUERIES]
            warm.close()
            latencies, seconds, errors = run(port, token, args.workers, args.requests, args.seed)
        finally:
            server.terminate()
            server.wait(timeout=30)
    result = {
        "workers": args.workers, "requests": len(latencies), "errors": errors, "waitress_threads": threads,
        "seconds": round(seconds, 2), "requests_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * percentile(latencies, 0.95), 1),
        "p99_ms": round(1000 * percentile(latencies, 0.99), 1),
        "first_time_query_p50_ms": round(1000 * statistics.median(first), 1),
        "first_time_query_max_ms": round(1000 * max(first), 1),
        "distinct_queries": len(QUERIES),
    }  # fmt: skip
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['requests']} searches by {args.workers} concurrent clients in {result['seconds']} s"
            f" (waitress, {threads} threads, loopback), {errors} errors; load average {os.getloadavg()[0]:.1f}"
        )
        print(f"  throughput {result['requests_per_s']} requests/s")
        print(f"  latency p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms")
        print(
            f"  first time a query is seen (embedding it): p50 {result['first_time_query_p50_ms']} ms,"
            f" max {result['first_time_query_max_ms']} ms"
        )
        target = result["requests_per_s"] >= 100 and result["p95_ms"] <= 100
        print(f"  target >= 100 searches/s with p95 <= 100 ms: {'met' if target else 'NOT met'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
