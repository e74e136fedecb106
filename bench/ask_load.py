"""Load test of ``POST /api/ask`` with the offline ``extractive`` provider, under wrk.

Starts ``govai serve --workers N`` (one worker per core by default) on a free port over a fresh
``GOVAI_HOME`` with the demo content, then runs wrk (Debian package ``wrk``) against two
endpoints of the same server in the same run: ``GET /api/health`` (the server's floor: one
trivial database query) and ``POST /api/ask`` with a rotating set of citizen questions as an
anonymous citizen (the chat page's double-submit CSRF cookie and header). Target from issue 3:
≥ 150 req/s, p99 ≤ 100 ms, zero errors at 32 connections for 30 s.

Afterwards it checks that the load lost nothing: one exchange row per question served, one
call-log row and one ``model.call`` audit entry per model call, and an intact audit chain
(``govai audit verify``).

    .venv/bin/python bench/ask_load.py [--seconds 30] [--connections 32] [--workers N] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import Report

QUESTIONS = [
    "辞职了公积金能取出来吗",
    "退休了公积金能取出来吗",
    "居住证怎么申领",
    "失业保险金能领多久",
    "最低生活保障怎么申请",
    "你好，今天天气怎么样",
    "提取公积金要带什么材料",
    "居住证到期了怎么签注",
]

LUA = """
local questions = {%s}
local i = 0
request = function()
  i = i %% #questions + 1
  local body = '{"kb": "policy", "question": "' .. questions[i] .. '"}'
  return wrk.format("POST", "/api/ask", {
    ["Content-Type"] = "application/json",
    ["Cookie"] = "govai_csrf=benchtoken0123456789",
    ["X-CSRF-Token"] = "benchtoken0123456789",
  }, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(url: str, seconds: int, connections: int, script: Path | None) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    print(out)

    def ms(label: str) -> float:
        m = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"timeout (\d+)"):
        m = re.search(pattern, out)
        errors += int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+)", out)
    if m:
        errors += sum(int(g) for g in m.groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p50": ms("50%"), "p99": ms("99%"), "errors": errors, "total": total}


def records(db: Path) -> dict[str, int]:
    """What the server wrote for the questions it served."""
    queries = {
        "exchanges": "SELECT count(*) FROM qa_exchange",
        "calls": "SELECT count(*) FROM govai_model_call WHERE scenario = 'qa'",
        "call_audits": "SELECT count(*) FROM govai_audit WHERE action = 'model.call'",
        "answered": "SELECT count(*) FROM qa_exchange WHERE NOT refused",
        "answered_linked": "SELECT count(*) FROM qa_exchange e JOIN govai_model_call c"
        " ON c.produce_id = e.produce_id WHERE NOT e.refused",
    }
    with sqlite3.connect(db) as conn:
        return {name: int(conn.execute(sql).fetchone()[0]) for name, sql in queries.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="govai serve --workers"
    )
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    report = Report("ask_load", "Load: POST /api/ask (extractive provider) under wrk")
    govai = str(Path(sys.executable).with_name("govai"))
    home = Path(tempfile.mkdtemp(prefix="govai-load-"))
    port = free_port()
    env = {**os.environ, "GOVAI_HOME": str(home), "GOVAI_PORT": str(port)}
    env.pop("GOVAI_DATABASE_URL", None)
    subprocess.run([govai, "init"], env=env, check=True, capture_output=True)
    subprocess.run([govai, "demo"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [govai, "serve", "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        script = home / "ask.lua"
        quoted = ", ".join(f'"{q}"' for q in QUESTIONS)
        script.write_text(LUA % quoted, encoding="utf-8")
        # warm-up at full concurrency, so that every worker has served questions
        warm = wrk(base + "/api/ask", 3, args.connections, script)
        health = wrk(base + "/api/health", args.seconds, args.connections, None)
        ask = wrk(base + "/api/ask", args.seconds, args.connections, script)
        server.terminate()
        server.wait(timeout=30)
        written = records(home / "govai.db")
        verify = subprocess.run(
            [govai, "audit", "verify"], env=env, capture_output=True, text=True, check=False
        )
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)

    rows = [
        [
            name,
            f"{r['rps']:.0f}",
            f"{r['p50']:.1f}",
            f"{r['p99']:.1f}",
            int(r["errors"]),
            int(r["total"]),
        ]
        for name, r in (("GET /api/health (floor)", health), ("POST /api/ask", ask))
    ]
    report.table(["endpoint", "req/s", "p50 ms", "p99 ms", "errors", "requests"], rows)
    verdict = "; ".join(
        f"{what} {got} ({'met' if ok else 'not met'})"
        for what, got, ok in (
            ("throughput", f"{ask['rps']:.0f} req/s", ask["rps"] >= 150),
            ("p99", f"{ask['p99']:.0f} ms", ask["p99"] <= 100),
            ("errors", int(ask["errors"]), ask["errors"] == 0),
        )
    )
    served = int(warm["total"] + ask["total"])
    chain = "intact" if verify.returncode == 0 else f"BROKEN: {verify.stdout.strip()}"
    report.note(
        f"wrk -t2 -c{args.connections} -d{args.seconds}s against `govai serve --workers "
        f"{args.workers}` on SQLite with the demo content; wrk runs on the same machine. "
        f"Target (issue 3): ≥ 150 req/s, p99 ≤ 100 ms, zero errors — {verdict}. "
        "wrk keeps every connection "
        f"busy, so the mean latency is {args.connections} connections ÷ throughput: a p99 of "
        f"100 ms needs at least {args.connections * 10} req/s."
    )
    report.note(
        f"Recorded by the server: {written['exchanges']:,} exchange rows for the {served:,} "
        "questions wrk saw answered (warm-up included; one in flight per connection may be "
        f"answered after wrk stops counting); {written['calls']:,} model-call rows and "
        f"{written['call_audits']:,} `model.call` audit entries; "
        f"{written['answered_linked']:,} of {written['answered']:,} answered exchanges linked "
        f"to their call by produce_id; audit chain {chain} (`govai audit verify`)."
    )
    print(report.markdown())
    if not args.no_write:
        report.write()


if __name__ == "__main__":
    main()
