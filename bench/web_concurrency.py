"""Searches while an admin uploads: do agents' searches fail or slow down during an ingest job?

    python bench/web_concurrency.py                      # sample manuals, then a corpus file uploaded
    python bench/web_concurrency.py --clients 8 --file ../shared/corpus/001_xxx.html

The app runs as `python app.py serve` (waitress) in its own process on loopback, with
the sample manuals ingested. ``--clients`` threads search through the API without a
pause (query log on, as in production) while an admin uploads a corpus file through
``POST /api/documents``. Printed: how long the upload request took to answer (it only
starts a job), how long the job took, searches done and failed during the job, the
search latency p50/p95 during the job and before it, and whether a sentence of the
uploaded file is found once the job has ended.

Targets (issue #13): 0 failed searches, p95 <= 500 ms during the upload, the upload
request answering in <= 1 s, and the document searchable when its job ends.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web_load import QUERIES, api_token, percentile, prepare_home, start_server  # noqa: E402
from common.settings import load_settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def default_file() -> Path:
    """The largest file of ../shared/corpus (or the sample FAQ sheet when the corpus is absent)."""
    files = sorted(CORPUS.glob("*"), key=lambda p: p.stat().st_size, reverse=True) if CORPUS.is_dir() else []
    return files[0] if files else ROOT / "sample_data" / "kb" / "faq.csv"


def multipart(path: Path, name: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode(), boundary


def request(port: int, method: str, path: str, token: str, body: bytes | None = None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers={"Authorization": f"Bearer {token}", **(headers or {})})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


class Searchers:
    """``clients`` threads searching without a pause; each search is stamped with when it ended."""

    def __init__(self, port: int, token: str, clients: int, seed: int) -> None:
        self.port, self.token = port, token
        self.samples: list[tuple[float, float]] = []  # (ended at, seconds)
        self.failures: list[tuple[float, str]] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.work, args=(seed * 100 + i,)) for i in range(clients)]

    def work(self, seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            query = rng.choice(QUERIES)
            path = "/api/search?" + urllib.parse.urlencode({"q": query, "k": 5})
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Authorization": f"Bearer {self.token}"})
                response = conn.getresponse()
                body = response.read()
                ended = time.perf_counter()
                if response.status != 200 or "results" not in json.loads(body):
                    raise RuntimeError(f"HTTP {response.status} {body[:120]!r}")
                with self.lock:
                    self.samples.append((ended, ended - started))
            except (OSError, RuntimeError, ValueError, http.client.HTTPException) as exc:
                with self.lock:
                    self.failures.append((time.perf_counter(), f"{query}: {exc}"))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.close()

    def between(self, start: float, end: float) -> list[float]:
        with self.lock:
            return [s for at, s in self.samples if start <= at <= end]

    def failed_between(self, start: float, end: float) -> list[str]:
        with self.lock:
            return [what for at, what in self.failures if start <= at <= end]


def probe_sentence(port: int, token: str, name: str) -> str:
    """A passage of the uploaded document (as stored) to search for once its job has ended."""
    status, doc = request(port, "GET", "/api/documents/" + urllib.parse.quote(name), token)
    texts = (
        [c["text"] for c in doc.get("chunks", []) if len(c.get("text", "")) >= 20] if status == 200 else []
    )
    return texts[len(texts) // 2][:60] if texts else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=6, help="concurrent search clients (4-8)")
    parser.add_argument(
        "--file", type=Path, default=None, help="file to upload (default: largest corpus file)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    upload = args.file or default_file()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as home:
        token = prepare_home(home)
        admin = api_token(home, "bench-admin", "admin")
        server, port = start_server(home, load_settings(home).threads)
        try:
            for query in QUERIES:  # every query embedded once: the steady state is measured
                request(port, "GET", "/api/search?" + urllib.parse.urlencode({"q": query}), token)
            searchers = Searchers(port, token, args.clients, args.seed)
            for thread in searchers.threads:
                thread.start()
            time.sleep(5)
            body, boundary = multipart(upload, f"bench-{upload.name}")
            before_end = time.perf_counter()
            status, job = request(
                port, "POST", "/api/documents", admin, body,
                {"Content-Type": f"multipart/form-data; boundary={boundary}"},
            )  # fmt: skip
            answered = time.perf_counter() - before_end
            if status != 202:
                raise RuntimeError(f"upload answered HTTP {status}: {job}")
            while job.get("status") not in ("done", "failed"):
                time.sleep(0.5)
                _, job = request(port, "GET", f"/api/jobs/{job['id']}", admin)
            job_end = time.perf_counter()
            time.sleep(2)
            searchers.stop.set()
            for thread in searchers.threads:
                thread.join()
            probe = probe_sentence(port, admin, f"bench-{upload.name}")
            query = urllib.parse.urlencode({"q": probe, "k": 5})
            _, found = request(port, "GET", "/api/search?" + query, token) if probe else (0, {})
            searchable = any(r.get("document", "").startswith("bench-") for r in found.get("results", []))
        finally:
            server.terminate()
            server.wait(timeout=30)
    during = searchers.between(before_end, job_end)
    before = searchers.between(0, before_end)
    failed = searchers.failed_between(0, float("inf"))
    result = {
        "clients": args.clients, "file": upload.name, "file_kb": round(upload.stat().st_size / 1024, 1),
        "upload_answered_s": round(answered, 3), "job_status": job.get("status"),
        "job_seconds": round(job_end - before_end, 1),
        "searches_during_job": len(during), "failed_searches": len(failed),
        "searches_per_s_during_job": round(len(during) / max(job_end - before_end, 1e-9), 1),
        "p50_ms_during": round(1000 * statistics.median(during), 1) if during else None,
        "p95_ms_during": round(1000 * percentile(during, 0.95), 1) if during else None,
        "p95_ms_before": round(1000 * percentile(before, 0.95), 1) if before else None,
        "searchable_after_job": searchable, "load_average": round(os.getloadavg()[0], 1),
    }  # fmt: skip
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"upload of {upload.name} ({result['file_kb']} KB) while {args.clients} clients search:")
        print(f"  upload request answered in {result['upload_answered_s']} s (target <= 1 s)")
        print(f"  ingest job {result['job_status']} after {result['job_seconds']} s")
        print(
            f"  searches during the job: {result['searches_during_job']}"
            f" ({result['searches_per_s_during_job']}/s), failed searches overall: {len(failed)} (target 0)"
        )
        print(
            f"  latency during the job p50 {result['p50_ms_during']} ms, p95 {result['p95_ms_during']} ms"
            f" (target <= 500 ms); before it p95 {result['p95_ms_before']} ms"
        )
        print(f"  uploaded document searchable when its job ended: {searchable}")
        for what in failed[:5]:
            print(f"  failed: {what}")
    ok = not failed and searchable and job.get("status") == "done"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
