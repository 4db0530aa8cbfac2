"""A real `policy serve` process on 127.0.0.1 for the HTTP, browser and load tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from clitools import ok, run_policy

USERS = (
    ("王五", "--agency", "市商务委"),
    ("赵六", "--role", "coordinator"),
    ("孙七", "--role", "viewer", "--agency", "市财政局"),
    ("钱八", "--agency", "市财政局"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def add_users(db: Path, users=USERS) -> dict[str, str]:
    """The accounts, with the passwords `policy users add` printed."""
    passwords = {}
    for name, *more in users:
        out = ok(run_policy("users", "add", name, *more, db=db)).stdout
        passwords[name] = out.split(": ")[1].strip()
    return passwords


@contextmanager
def running_server(db: Path, today: str = "2022-03-01") -> Iterator[str]:
    """`policy serve` over `db` in its own process; yields its base URL, stops it afterwards."""
    port = free_port()
    env = {**os.environ, "POLICY_DB": str(db), "POLICY_TODAY": today, "PYTHONIOENCODING": "utf-8"}
    process = subprocess.Popen(
        [sys.executable, "-m", "policycli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                if process.poll() is not None:
                    raise AssertionError(process.stderr.read().decode()) from None
                time.sleep(0.05)
        else:
            raise AssertionError("policy serve did not answer within 10 s")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
