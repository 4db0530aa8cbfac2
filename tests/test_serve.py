"""`policy serve` (issue 16), over HTTP against a real server process on 127.0.0.1: signing in,
listing, marking, the history entry, undo; who may do what (403 and nothing written); CSRF;
sign-in limits; security headers; the CLI on the same database while the server runs."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from clitools import ok, run_policy
from servertools import add_users, running_server

pytestmark = pytest.mark.slow  # a real server process

TRADE = "hfg-2020-24"
OWN = f"{TRADE}/2.1.1.2"  # 市商务委 and 市政府发展研究中心
FINANCE = f"{TRADE}/2.6.15.64"  # 市商务委, 市国资委, 市司法局 and 市财政局 each have a part
OTHER = f"{TRADE}/2.1.2.5"  # 市规划资源局's alone


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server over a fresh database with a member of 市商务委, a coordinator and a viewer."""
    folder = tmp_path_factory.mktemp("serve")
    db = folder / "policy.db"
    passwords = add_users(db)
    with running_server(db) as base:
        yield {"base": base, "db": db, "passwords": passwords, "folder": folder}


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


def signed_in(server, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=server["base"], follow_redirects=False)
    token = csrf(client.get("/login").text)
    result = client.post("/login", data={"csrf": token, "name": name, "password": server["passwords"][name]})
    assert result.status_code == 303, result.text
    return client, csrf(client.get("/").text)


def progress(db: Path) -> list[tuple]:
    return (
        sqlite3.connect(db)
        .execute("SELECT measure_id, agency, status, note, by FROM progress ORDER BY 1, 2")
        .fetchall()
    )


def test_signed_out_requests_go_to_the_sign_in_page(server):
    for path in ("/", f"/m/{OWN}", "/dashboard", "/ledger.xlsx"):
        result = httpx.get(server["base"] + path, follow_redirects=False)
        assert result.status_code == 303 and result.headers["location"].startswith("/login?next="), path
    before = progress(server["db"])
    posted = httpx.post(
        server["base"] + "/mark", data={"measure": OWN, "status": "done"}, follow_redirects=False
    )
    assert posted.status_code == 303 and progress(server["db"]) == before


def test_a_member_signs_in_lists_marks_and_undoes(server):
    client, token = signed_in(server, "王五")
    listing = client.get("/")
    assert listing.status_code == 200 and OWN in listing.text and "市商务委的任务" in listing.text
    assert OTHER not in listing.text
    marked = client.post("/mark", data={"csrf": token, "measure": OWN, "status": "done", "note": "已报送"})
    assert marked.status_code == 303
    assert (OWN, "市商务委", "done", "已报送", "王五") in progress(server["db"])
    page = client.get(f"/m/{OWN}").text
    assert "已报送" in page and "王五" in page  # the part and the history entry
    history = (
        sqlite3.connect(server["db"])
        .execute("SELECT action, by, after_status FROM events WHERE measure_id = ?", [OWN])
        .fetchall()
    )
    assert ("mark", "王五", "done") in history
    assert client.post("/undo", data={"csrf": token}).status_code == 303
    assert (OWN, "市商务委", "done", "已报送", "王五") not in progress(server["db"])
    client.post("/logout", data={"csrf": token})
    assert client.get("/").status_code == 303


def test_a_member_cannot_mark_another_agencys_part(server):
    client, token = signed_in(server, "王五")
    before = progress(server["db"])
    for data in (
        {"csrf": token, "measure": FINANCE, "status": "done", "agency": "市财政局"},
        {"csrf": token, "measure": OTHER, "status": "done"},  # 市商务委 has no part of it
        {"csrf": token, "measure": OWN, "status": "done", "agency": "市政府发展研究中心"},
    ):
        result = client.post("/mark", data=data)
        assert result.status_code in (403, 400), (data, result.status_code)
    assert (
        client.post(
            "/mark", data={"csrf": token, "measure": FINANCE, "status": "done", "agency": "市财政局"}
        ).status_code
        == 403
    )
    assert progress(server["db"]) == before
    assert client.get("/dashboard").status_code == 403  # the coordinator's page


def test_forged_posts_and_viewers_write_nothing(server):
    client, token = signed_in(server, "王五")
    before = progress(server["db"])
    forged = client.post("/mark", data={"measure": OWN, "status": "done"})
    wrong = client.post("/mark", data={"csrf": "x" * 43, "measure": OWN, "status": "done"})
    assert forged.status_code == wrong.status_code == 403
    viewer, viewer_token = signed_in(server, "孙七")
    assert viewer.get("/dashboard").status_code == 200
    assert (
        viewer.post(
            "/mark", data={"csrf": viewer_token, "measure": FINANCE, "status": "done", "agency": "市财政局"}
        ).status_code
        == 403
    )
    assert viewer.post("/undo", data={"csrf": viewer_token}).status_code == 403
    assert (
        viewer.post(
            "/correct/due", data={"csrf": viewer_token, "measure": OWN, "due": "2022-06-30"}
        ).status_code
        == 403
    )
    assert progress(server["db"]) == before


def test_a_coordinator_marks_any_part_and_corrects(server):
    client, token = signed_in(server, "赵六")
    assert (
        client.post(
            "/mark",
            data={
                "csrf": token,
                "measure": FINANCE,
                "status": "blocked",
                "agency": "市财政局",
                "note": "待批复",
            },
        ).status_code
        == 303
    )
    assert (FINANCE, "市财政局", "blocked", "待批复", "赵六") in progress(server["db"])
    assert (
        client.post("/correct/due", data={"csrf": token, "measure": OWN, "due": "2022-06-30"}).status_code
        == 303
    )
    assert "2022-06-30" in client.get(f"/m/{OWN}").text
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200 and "<svg" in dashboard.text and "市财政局" in dashboard.text
    ledger = client.get("/ledger.xlsx?agency=市财政局")
    assert ledger.status_code == 200 and ledger.content[:2] == b"PK"


def test_headers_cookies_and_sign_in_limits(server):
    page = httpx.get(server["base"] + "/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text and 'src="/static/htmx.min.js"' in page.text
    client = httpx.Client(base_url=server["base"], follow_redirects=False)
    token = csrf(client.get("/login").text)
    signed = client.post(
        "/login", data={"csrf": token, "name": "钱八", "password": server["passwords"]["钱八"]}
    )
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    stranger = httpx.Client(base_url=server["base"], follow_redirects=False)
    token = csrf(stranger.get("/login").text)
    codes = [
        stranger.post("/login", data={"csrf": token, "name": "钱八", "password": f"wrong{k}"}).status_code
        for k in range(6)
    ]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # the right password too, while the limit holds
    assert (
        stranger.post(
            "/login", data={"csrf": token, "name": "钱八", "password": server["passwords"]["钱八"]}
        ).status_code
        == 429
    )
    key = server["folder"] / "policy-server.key"
    assert key.stat().st_mode & 0o777 == 0o600


def test_a_disabled_account_loses_its_session_and_the_cli_works_beside_the_server(server):
    member = httpx.Client(base_url=server["base"], follow_redirects=False)
    login_token = csrf(member.get("/login").text)
    ok(run_policy("users", "add", "周九", "--agency", "市发展改革委", db=server["db"]))
    password = ok(run_policy("users", "reset", "周九", db=server["db"])).stdout.split(": ")[1].strip()
    assert (
        member.post("/login", data={"csrf": login_token, "name": "周九", "password": password}).status_code
        == 303
    )
    assert member.get("/").status_code == 200
    ok(run_policy("users", "disable", "周九", db=server["db"]))
    assert member.get("/").status_code == 303  # signed out at the next request
    # the CLI writes to the same database while the server runs, and the server shows it
    ok(
        run_policy(
            "done", f"{TRADE}/2.1.3.7", "--agency", "市商务委", "--note", "命令行记录", db=server["db"]
        )
    )
    client, _ = signed_in(server, "王五")
    assert "命令行记录" in client.get(f"/m/{TRADE}/2.1.3.7").text


def test_evidence_uploads_are_limited_and_stored_safely(server):
    client, token = signed_in(server, "王五")
    files = {"file": ("../../etc/证明 材料.pdf", b"%PDF-1.4 evidence", "application/pdf")}
    result = client.post(
        "/mark", data={"csrf": token, "measure": f"{TRADE}/2.1.3.8", "status": "done"}, files=files
    )
    assert result.status_code == 303
    (evidence,) = (
        sqlite3.connect(server["db"])
        .execute("SELECT evidence FROM progress WHERE measure_id = ?", [f"{TRADE}/2.1.3.8"])
        .fetchone()
    )
    assert evidence.startswith("/evidence/") and ".." not in evidence and evidence.endswith("证明_材料.pdf")
    stored = server["folder"] / evidence.lstrip("/")
    assert stored.read_bytes() == b"%PDF-1.4 evidence" and server["folder"] in stored.resolve().parents
    assert client.get(evidence).content == b"%PDF-1.4 evidence"
    assert client.get("/evidence/../policy.db").status_code == 404
    big = {"file": ("big.bin", b"0" * (10 * 1024 * 1024 + 10), "application/octet-stream")}
    refused = client.post(
        "/mark", data={"csrf": token, "measure": f"{TRADE}/2.2.4.13", "status": "done"}, files=big
    )
    assert refused.status_code in (400, 413)
    assert (
        not sqlite3.connect(server["db"])
        .execute("SELECT 1 FROM progress WHERE measure_id = ?", [f"{TRADE}/2.2.4.13"])
        .fetchone()
    )


def test_documents_show_their_lineage_and_a_coordinator_unassigns(tmp_path):
    """A document page lists what acts on it (an extension notice, from the lineage fixtures)."""
    lineage = Path(__file__).resolve().parent / "lineage"
    db = tmp_path / "policy.db"
    out = tmp_path / "structured"
    ok(run_policy("docs", db=db))  # the bundled documents first
    ok(
        run_policy(
            "ingest",
            str(lineage / "permit_rules.txt"),
            str(lineage / "extension_notice.md"),
            "--out",
            str(out),
            db=db,
        )
    )
    ok(run_policy("load", str(out), db=db))
    passwords = add_users(db, [("赵六", "--role", "coordinator")])
    docs = {d["title"]: d["id"] for d in json.loads(ok(run_policy("docs", "-f", "json", db=db)).stdout)}
    with running_server(db) as base:
        client = httpx.Client(base_url=base, follow_redirects=False)
        token = csrf(client.get("/login").text)
        client.post("/login", data={"csrf": token, "name": "赵六", "password": passwords["赵六"]})
        pages = {title: client.get(f"/d/{doc_id}").text for title, doc_id in docs.items()}
        assert any("被延长" in page for page in pages.values()) and any(
            "延长" in page and "本文件作用于" in page for page in pages.values()
        )
        token = csrf(client.get("/").text)
        before = progress(db)
        measure = f"{TRADE}/2.1.1.2"
        assert (
            client.post(
                "/correct/unassign", data={"csrf": token, "measure": measure, "agency": "市商务委"}
            ).status_code
            == 303
        )
        parts_table = client.get(f"/m/{measure}").text.split("<h2>各单位</h2>")[1].split("</table>")[0]
        assert "市商务委" not in parts_table and "市政府发展研究中心" in parts_table
        (gone,) = (
            sqlite3.connect(db)
            .execute(
                "SELECT obsolete FROM assignments WHERE measure_id = ? AND agency = '市商务委'", [measure]
            )
            .fetchone()
        )
        assert gone == 1
        assert progress(db) == before


# --- found by a security review --------------------------------------------------------------------


def test_the_cli_beside_a_busy_server_loses_nothing_the_server_writes(tmp_path):
    """Opening the database file with Python's open() in the server (as the CLI's checks do) would drop
    the locks of its other connections: another process closing its connection then deleted the -wal
    the server was still writing to, and the server's marks were lost."""
    from concurrent.futures import ThreadPoolExecutor

    db = tmp_path / "policy.db"
    passwords = add_users(db, [("王五", "--agency", "市商务委")])
    with running_server(db) as base:
        client = httpx.Client(base_url=base, follow_redirects=False)
        token = csrf(client.get("/login").text)
        client.post("/login", data={"csrf": token, "name": "王五", "password": passwords["王五"]})
        cookies = dict(client.cookies)
        with ThreadPoolExecutor(16) as pool:  # many worker threads, each with its connection
            list(pool.map(lambda _: httpx.get(base + "/docs", cookies=cookies).status_code, range(32)))
        ok(run_policy("users", "add", "李四", "--agency", "市财政局", db=db, real=True))
        token = csrf(client.get("/").text)
        assert (
            client.post(
                "/mark", data={"csrf": token, "measure": OWN, "status": "done", "note": "PROBE"}
            ).status_code
            == 303
        )
        history = json.loads(ok(run_policy("history", OWN, "-f", "json", db=db, real=True)).stdout)
        assert [h["note"] for h in history] == ["PROBE"]
        assert Path(f"{db}-wal").exists()


def test_parallel_guesses_do_not_pass_the_sign_in_limit(server):
    from concurrent.futures import ThreadPoolExecutor

    def guess(k: int) -> int:
        client = httpx.Client(base_url=server["base"], follow_redirects=False)
        token = csrf(client.get("/login").text)
        return client.post(
            "/login", data={"csrf": token, "name": "孙七", "password": f"guess{k}"}
        ).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(guess, range(20)))
    assert codes.count(401) == 5 and codes.count(429) == 15


def test_a_forwarded_address_is_not_believed_without_a_proxy(tmp_path):
    db = tmp_path / "policy.db"
    add_users(db, [("王五", "--agency", "市商务委")])
    with running_server(db) as base:
        client = httpx.Client(base_url=base, follow_redirects=False)
        token = csrf(client.get("/login").text)
        for k in range(50):  # fifty names, one wrong password each: the address's limit
            client.post("/login", data={"csrf": token, "name": f"nobody{k}", "password": "x"})
        spoofed = client.post(
            "/login",
            data={"csrf": token, "name": "王五", "password": "x"},
            headers={"X-Forwarded-For": "10.0.0.9"},
        )
        assert spoofed.status_code == 429


def test_signing_out_ends_the_session_and_big_bodies_are_refused_unread(server):
    password = (
        ok(run_policy("users", "add", "吴十", "--agency", "市科委", db=server["db"]))
        .stdout.split(": ")[1]
        .strip()
    )
    server["passwords"]["吴十"] = password
    client, token = signed_in(server, "吴十")
    copied = dict(client.cookies)
    client.post("/logout", data={"csrf": token})
    assert httpx.get(server["base"] + "/", cookies=copied, follow_redirects=False).status_code == 303
    big = httpx.post(
        server["base"] + "/login",
        content=b"x" * (12 * 1024 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413


def test_a_refused_mark_keeps_no_evidence_file(server):
    client, token = signed_in(server, "王五")
    files = {"file": ("ok.txt", b"refused evidence", "text/plain")}
    refused = client.post("/mark", data={"csrf": token, "measure": OTHER, "status": "done"}, files=files)
    assert refused.status_code in (400, 403)
    assert not list((server["folder"] / "evidence").rglob("ok.txt"))
    stored = client.post(
        "/mark",
        data={"csrf": token, "measure": f"{TRADE}/2.2.4.13", "status": "doing"},
        files={"file": ("a.js", b"alert(1)", "text/javascript")},
    )
    assert stored.status_code == 303
    (link,) = (
        sqlite3.connect(server["db"])
        .execute("SELECT evidence FROM progress WHERE measure_id = ?", [f"{TRADE}/2.2.4.13"])
        .fetchone()
    )
    served = client.get(link)
    assert (
        served.headers["content-type"] == "application/octet-stream"
        and "attachment" in served.headers["content-disposition"]
    )
