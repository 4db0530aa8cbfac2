"""`policy serve` under load (issue 16), loopback only: 50 signed-in members each marking their own part
over and over (done, todo, done …) for 60 s while a coordinator reloads the overview every second.

Checked afterwards: every mark the server answered 303 is one change in the history, by its user
(0 lost updates), no request failed, the server's memory (VmRSS) at the end against after warm-up.
Reported: marks per second and the latency of a mark (median, p95; target p95 < 150 ms on a 2-core
machine, which also runs these 51 clients).

Run: make bench-serve   (or .venv/bin/python bench/serve_load.py [seconds] [users])
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "serve"
POLICY = ROOT / ".venv" / "bin" / "policy"
TARGET_P95 = 0.150


def run(*args: str, env: dict) -> str:
    return subprocess.run([POLICY, *args], env=env, check=True, capture_output=True, text=True).stdout


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    WORK.mkdir(parents=True, exist_ok=True)
    for old in WORK.glob("*"):
        if old.is_file():
            old.unlink()
    db = WORK / "policy.db"
    env = {**os.environ, "POLICY_DB": str(db), "POLICY_TODAY": "2022-03-01"}
    ledger = json.loads(run("export", "-f", "json", env=env))
    parts = [(r["id"], r["agency"]) for r in ledger if r["agency"] and not r["agency"].startswith("各")]
    parts = list(dict.fromkeys(parts))[:count]
    users = []
    for k, (measure_id, agency) in enumerate(parts):
        name = f"user{k:02d}"
        password = run("users", "add", name, "--agency", agency, env=env).split(": ")[1].strip()
        users.append((name, password, measure_id))
    coordinator = run("users", "add", "coordinator", "--role", "coordinator", env=env).split(": ")[1].strip()
    port = 18765
    server = subprocess.Popen(
        [POLICY, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/login", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)

    def signed_in(name: str, password: str) -> tuple[httpx.Client, str]:
        client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)[1]
        assert (
            client.post("/login", data={"csrf": token, "name": name, "password": password}).status_code == 303
        )
        # signing in starts a new session, with a new CSRF token
        return client, re.search(r'name="csrf" value="([^"]+)"', client.get("/docs").text)[1]

    sessions = [(signed_in(name, password), measure_id) for name, password, measure_id in users]
    overview, _ = signed_in("coordinator", coordinator)
    overview.get("/dashboard")  # warm-up
    rss_start = rss_kib(server.pid)
    latencies: list[float] = []
    ok_marks: dict[int, int] = {}
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def member(k: int, client: httpx.Client, token: str, measure_id: str) -> None:
        # http.client on a kept-alive connection: the clients share the 2 cores with the server,
        # and httpx costs them several times the CPU of a plain request
        import http.client
        from urllib.parse import urlencode

        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        done = 0
        status = "done"
        while time.monotonic() < deadline:
            body = urlencode({"csrf": token, "measure": measure_id, "status": status})
            start = time.perf_counter()
            try:
                connection.request("POST", "/mark", body=body, headers=headers)
                answer = connection.getresponse()
                text = answer.read()
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(repr(exc))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            took = time.perf_counter() - start
            with lock:
                if answer.status == 303:
                    latencies.append(took)
                    done += 1
                    status = "todo" if status == "done" else "done"
                else:
                    errors.append(f"{answer.status} {text[:100]!r}")
        ok_marks[k] = done

    memory: list[int] = []

    def coordinating() -> None:
        while time.monotonic() < deadline:
            memory.append(rss_kib(server.pid))
            answer = overview.get("/dashboard")
            if answer.status_code != 200:
                with lock:
                    errors.append(f"dashboard {answer.status_code}")
            time.sleep(1)

    threads = [
        threading.Thread(target=member, args=(k, client, token, measure_id))
        for k, ((client, token), measure_id) in enumerate(sessions)
    ]
    threads.append(threading.Thread(target=coordinating))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rss_end = rss_kib(server.pid)
    server.terminate()
    server.wait(timeout=10)
    conn = sqlite3.connect(db)
    recorded = dict(conn.execute("SELECT by, count(*) FROM events WHERE action = 'mark' GROUP BY by"))
    lost = sum(ok_marks[k] - recorded.get(users[k][0], 0) for k in ok_marks)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    median = statistics.median(latencies) if latencies else float("nan")
    verdict = "met" if lost == 0 and not errors and p95 < TARGET_P95 else "NOT met"
    print(
        f"{len(users)} users, {seconds:.0f} s: {len(latencies):,} marks ({len(latencies) / seconds:.0f}/s), "
        f"lost {lost}, errors {len(errors)}, mark latency median {median * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms (target < {TARGET_P95 * 1000:.0f} ms: {verdict}); "
        f"server memory {rss_start / 1024:.0f} → {rss_end / 1024:.0f} MiB"
    )
    tenth = max(1, len(memory) // 10)
    print(
        "  server memory, MiB, every",
        f"{seconds / 10:.0f} s:",
        " ".join(f"{m / 1024:.0f}" for m in memory[::tenth]),
    )
    for error in errors[:5]:
        print("  error:", error)
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    raise SystemExit(main())
