"""`policy serve`: the checklist for a whole office in the browser (Starlette, Jinja2, uvicorn, htmx).

Pages are rendered on the server and read without JavaScript; htmx (vendored under /static, the
server loads nothing from elsewhere) boosts links and forms so a mark does not reload the page.
Every rule is the CLI's: the same library functions mark, undo, correct, list, export and import,
each write in its BEGIN IMMEDIATE transaction with the history it records, by the signed-in person.

Who may do what is checked on the server for every request: a member marks its own agency's parts
(a collective's part as the CLI allows: by the collective's own account), a viewer reads, a
coordinator reads everything, corrects, and marks any part.
"""

from __future__ import annotations

import hashlib
import re
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from policycli.accounts import User, find_user, session_stamp, sign_in
from policycli.errors import BadInput, NotFound, PolicyError
from policycli.kinds import DOC_STATUS_LABELS, STATUS_LABELS, UNASSIGNED_LABEL
from policycli.web.security import (
    REPORT_CSP,
    BodyLimit,
    SecurityHeaders,
    SignInLimit,
    csrf_ok,
    csrf_token,
    signing_key,
)

HERE = Path(__file__).resolve().parent
UPLOAD_LIMIT = 10 * 1024 * 1024  # evidence files: 10 MB


class Forbidden(Exception):
    pass


def create_app(db_path: Path, today: date | None = None, secure_cookies: bool = False) -> Starlette:
    """The app over the database at `db_path`; uploads and the signing key live beside it."""
    from policycli.checklist.periods import display as period_display
    from policycli.load import open_checklist
    from policycli.render import terminal_text

    data_dir = db_path.parent
    # identified and migrated once, before any worker thread opens it (store.reconnect); on first use
    # the bundled documents are loaded
    open_checklist(db_path).conn.close()
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)
    templates = Jinja2Templates(env=environment)
    templates.env.filters["status"] = lambda s: STATUS_LABELS.get(s or "", s or "")
    templates.env.filters["period"] = period_display
    templates.env.filters["unit"] = lambda a: a or UNASSIGNED_LABEL
    templates.env.filters["plain"] = terminal_text
    templates.env.globals["STATUS_LABELS"] = STATUS_LABELS
    templates.env.globals["STATUS_OF_DOCS"] = DOC_STATUS_LABELS
    from policycli.views import RELATION_LABELS

    templates.env.globals["RELATIONS"] = RELATION_LABELS  # 延长/被延长, 废止/被废止, 取代/被取代
    # five failures per name (a guessed password), fifty per address (an office behind one proxy)
    per_name, per_address = SignInLimit(5), SignInLimit(50)

    def day() -> date:
        from policycli.paths import today as clock

        return today or clock()

    # One connection per worker thread, kept (each request opening its own cost ~ms), and
    # one writer at a time in this process: threads queueing on SQLite's busy handler wait in coarse
    # sleeps (p95 of a mark 1.5 s under 50 users); on a lock, in order. Other processes (the CLI)
    # still meet at SQLite's lock, with its busy timeout.
    local = threading.local()
    writing = threading.Lock()

    @contextmanager
    def opened(write: bool = False):
        from policycli.store import reconnect

        db = getattr(local, "db", None)
        if db is None:
            # checked and migrated once, by create_app; each thread then only opens it (store.reconnect)
            db = local.db = reconnect(db_path)
            # a small page cache each: up to 40 worker threads hold a connection (SQLite's default,
            # 2 MB each, grew the server by 80 MB under load); the OS caches the file for all of them
            db.conn.execute("PRAGMA cache_size = -512")
        if not write:
            yield db
            return
        with writing:
            yield db

    def current(request: Request) -> User | None:
        name = request.session.get("user")
        if not name:
            return None
        with opened() as db:
            if session_stamp(db, name) != request.session.get("stamp"):
                request.session.clear()  # disabled, or the password was reset: sign in again
                return None
            return find_user(db, name)

    def page(request: Request, template: str, user: User | None, status: int = 200, **context) -> Response:
        context |= {"user": user, "csrf": csrf_token(request.session), "today": day().isoformat()}
        return templates.TemplateResponse(request, template, context, status_code=status)

    def signed_in(handler):
        async def wrapped(request: Request) -> Response:
            # the database work runs in Starlette's thread pool: a long page (the overview at 100k
            # measures) must not hold up the marks of everyone else on the event loop
            user = await run_in_threadpool(current, request)
            if user is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
            if request.method == "POST":
                form = await request.form(max_part_size=UPLOAD_LIMIT + 1024)
                if not csrf_ok(request.session, form.get("csrf") or request.headers.get("x-csrf-token")):
                    return PlainTextResponse(
                        "forbidden: the form's CSRF token is missing or wrong", status_code=403
                    )
                request.state.form = form
            try:
                return await run_in_threadpool(handler, request, user)
            except Forbidden as exc:
                return page(request, "error.html", user, status=403, message=str(exc))
            except PolicyError as exc:
                return page(
                    request,
                    "error.html",
                    user,
                    status=404 if isinstance(exc, NotFound) else 400 if isinstance(exc, BadInput) else 500,
                    message=str(exc),
                )

        return wrapped

    # --- signing in ------------------------------------------------------------------------------

    async def login(request: Request) -> Response:
        target = request.query_params.get("next") or "/"
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # only paths of this site: no redirect elsewhere
        if request.method == "GET":
            return page(request, "login.html", None, next=target)
        form = await request.form(max_files=0, max_fields=20)  # a sign-in carries no file
        if not csrf_ok(request.session, form.get("csrf")):
            return PlainTextResponse("forbidden: the form's CSRF token is missing or wrong", status_code=403)
        name, password = str(form.get("name") or "").strip(), str(form.get("password") or "")
        address = request.client.host if request.client else "?"
        name_place, address_place = per_name.attempt(name), per_address.attempt(address)
        if name_place is None or address_place is None:
            if name_place is not None:
                per_name.succeeded(name, name_place)  # not tried: its place back
            if address_place is not None:
                per_address.succeeded(address, address_place)
            return page(
                request,
                "login.html",
                None,
                status=429,
                next=target,
                error="too many failed sign-ins; wait 5 minutes",
            )

        def check() -> tuple[User | None, str | None]:
            with opened() as db:  # scrypt takes ~50 ms: not on the event loop
                found = sign_in(db, name, password)
                return found, session_stamp(db, name) if found else None

        user, stamp = await run_in_threadpool(check)
        if user is None:
            return page(request, "login.html", None, status=401, next=target, error="wrong name or password")
        per_name.succeeded(name, name_place)
        per_address.succeeded(address, address_place)
        request.session.clear()
        request.session.update({"user": user.name, "stamp": stamp})
        csrf_token(request.session)
        return RedirectResponse(target, status_code=303)

    @signed_in
    def logout(request: Request, user: User) -> Response:
        from policycli.accounts import end_sessions

        with opened(write=True) as db:
            end_sessions(db, user.name)  # a copy of the cookie must not outlive the sign-out
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # --- reading ---------------------------------------------------------------------------------

    @signed_in
    def tasks(request: Request, user: User) -> Response:
        from policycli.checklist import TaskQuery, agency_summary, list_tasks

        params = request.query_params
        agency = user.agency if user.role == "member" else (params.get("agency") or user.agency)
        query = TaskQuery(
            today=day(),
            agency=agency or None,
            status=params.get("status") or "open",
            search=params.get("q") or None,
            overdue=params.get("overdue") == "1",
            limit=200,
        )
        with opened() as db:
            rows = list_tasks(db, query)
            summary = agency_summary(db, agency, day()) if agency else None
        return page(request, "tasks.html", user, rows=rows, summary=summary, agency=agency, params=params)

    @signed_in
    def measure(request: Request, user: User) -> Response:
        from policycli.checklist import measure_detail

        with opened() as db:
            info = measure_detail(db, request.path_params["measure_id"], day())
            mine = _markable(db, user, info)
        return page(request, "measure.html", user, info=info, mine=mine)

    @signed_in
    def documents(request: Request, user: User) -> Response:
        from policycli.checklist import list_documents

        with opened() as db:
            rows = list_documents(db, day())
        return page(request, "documents.html", user, rows=rows)

    @signed_in
    def document(request: Request, user: User) -> Response:
        from policycli.checklist import document_detail

        with opened() as db:
            info = document_detail(db, request.path_params["doc_id"], day())
        return page(request, "document.html", user, info=info)

    def report_for(request: Request, user: User):
        """The report (policy report's) for coordinators and viewers, of every agency or ?agency=."""
        from policycli.report import build_report

        if user.role == "member":
            raise Forbidden("the overview and the report are for coordinators and viewers")
        with opened() as db:
            return build_report(db, day(), agency=request.query_params.get("agency") or None)

    @signed_in
    def dashboard(request: Request, user: User) -> Response:
        from policycli.report_render import charts

        report = report_for(request, user)
        return page(request, "dashboard.html", user, report=report, charts=charts(report))

    @signed_in
    def report_page(request: Request, user: User) -> Response:
        from policycli.report_render import html

        page_html = html(report_for(request, user))
        return HTMLResponse(page_html, headers={"content-security-policy": REPORT_CSP})

    @signed_in
    def ledger_file(request: Request, user: User) -> Response:
        from policycli.checklist import ledger
        from policycli.checklist.lookup import agency_scope
        from policycli.workbook import workbook_bytes

        agency = user.agency if user.role == "member" else (request.query_params.get("agency") or None)
        with opened() as db:
            canonical = agency_scope(db, agency)[0] if agency else None
            rows = ledger(db, day(), agency=agency)
        data = workbook_bytes([(canonical, rows)], day())
        name = f"台账-{canonical or '全部'}-{day().isoformat()}.xlsx"
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
        )

    @signed_in
    def evidence(request: Request, user: User) -> Response:
        path = (data_dir / "evidence" / request.path_params["path"]).resolve()
        root = (data_dir / "evidence").resolve()
        if root not in path.parents or not path.is_file():
            return PlainTextResponse("not found", status_code=404)
        # a download, never a page or script of this site (an uploaded .js or .html included)
        return FileResponse(
            path, media_type="application/octet-stream", headers={"content-disposition": "attachment"}
        )

    # --- writing ---------------------------------------------------------------------------------

    @signed_in
    def mark(request: Request, user: User) -> Response:
        from policycli.checklist import mark as record

        form = request.state.form
        measure_id = str(form.get("measure") or "")
        if user.role == "viewer":
            raise Forbidden("a viewer reads; marking needs a member's or a coordinator's account")
        agency = str(form.get("agency") or "") or None
        with opened(write=True) as db:
            if user.role == "member":
                if agency is not None and not _sees(db, user, agency):
                    raise Forbidden(f"{user.name} marks {user.agency}'s parts, not {agency}'s")
                agency = user.agency
            evidence_text = str(form.get("evidence") or "").strip() or None
            upload = form.get("file")
            stored = None
            if upload is not None and getattr(upload, "filename", None):
                stored = _received_upload(data_dir, upload)  # kept only once the mark is recorded
                evidence_text = stored.link
            try:
                record(
                    db,
                    measure_id,
                    str(form.get("status") or ""),
                    agency=agency,
                    note=str(form.get("note") or "").strip() or None,
                    evidence=evidence_text,
                    by=user.name,
                    period=str(form.get("period") or "") or None,
                    today=day(),
                )
            except BaseException:
                if stored is not None:
                    stored.discard()
                raise
            if stored is not None:
                stored.keep()
        return RedirectResponse(_back(request, f"/m/{measure_id}"), status_code=303)

    @signed_in
    def undo(request: Request, user: User) -> Response:
        from policycli.checklist import undo as revert

        if user.role == "viewer":
            raise Forbidden("a viewer reads; undo needs a member's or a coordinator's account")
        with opened(write=True) as db:
            revert(db, agency=user.agency if user.role == "member" else None, by=user.name)
        return RedirectResponse(_back(request, "/"), status_code=303)

    @signed_in
    def correct(request: Request, user: User) -> Response:
        from policycli.checklist.corrections import correct as record

        if user.role != "coordinator":
            raise Forbidden("corrections are the coordinator's")
        form = request.state.form
        action = request.path_params["action"]
        measure_id = str(form.get("measure") or "")
        with opened(write=True) as db:
            record(
                db,
                measure_id,
                action,
                agency=str(form.get("agency") or "") or None,
                role=str(form.get("role") or "unspecified"),
                due=str(form.get("due") or "") or None,
                note=str(form.get("note") or "").strip() or None,
                by=user.name,
            )
        return RedirectResponse(f"/m/{measure_id}", status_code=303)

    @signed_in
    def import_return(request: Request, user: User) -> Response:
        import tempfile

        from policycli.checklist.returns import import_returns

        if user.role != "coordinator":
            raise Forbidden("importing returned ledgers is the coordinator's")
        upload = request.state.form.get("file")
        if upload is None or not getattr(upload, "filename", None):
            raise BadInput("choose a returned ledger (.xlsx or .csv) to upload")
        suffix = Path(upload.filename).suffix.lower()
        with tempfile.TemporaryDirectory(prefix="policy-import-") as work:
            path = Path(work) / f"return{suffix}"
            path.write_bytes(upload.file.read(UPLOAD_LIMIT + 1))
            if path.stat().st_size > UPLOAD_LIMIT:
                raise BadInput("the file is larger than 10 MB")
            with opened(write=True) as db:
                result = import_returns(
                    db, [path], day(), by=user.name, dry_run=request.state.form.get("dry_run") == "1"
                )
        for outcome in result.outcomes:
            outcome.file = upload.filename
        return page(request, "imported.html", user, result=result)

    routes = [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", tasks),
        Route("/m/{measure_id:path}", measure),
        Route("/docs", documents),
        Route("/d/{doc_id:path}", document),
        Route("/dashboard", dashboard),
        Route("/report.html", report_page),
        Route("/ledger.xlsx", ledger_file),
        Route("/evidence/{path:path}", evidence),
        Route("/mark", mark, methods=["POST"]),
        Route("/undo", undo, methods=["POST"]),
        Route("/correct/{action:str}", correct, methods=["POST"]),
        Route("/import", import_return, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(BodyLimit, limit=UPLOAD_LIMIT + 1024 * 1024),
        Middleware(
            SessionMiddleware,
            secret_key=signing_key(data_dir),
            session_cookie="policy_session",
            same_site="strict",
            https_only=secure_cookies,
            max_age=12 * 3600,
        ),
    ]
    return Starlette(routes=routes, middleware=middleware)


def _sees(db, user: User, agency: str) -> bool:
    """Whether `agency` is among the names the user's agency acts for (its own, a predecessor's)."""
    from policycli.checklist.lookup import agency_scope

    try:
        canonical, _ = agency_scope(db, agency)
    except PolicyError:
        return False
    return canonical == user.agency


def _markable(db, user: User, info: dict) -> list[str]:
    """The parts of the measure this user may mark (names as stored)."""
    if user.role == "viewer":
        return []
    parts = [p["agency"] for p in info["parts"]]
    if user.role == "coordinator":
        return parts
    from policycli.checklist.lookup import agency_scope

    _, scope = agency_scope(db, user.agency)
    return [p for p in parts if scope.get(p) in ("own", "predecessor")]


def _back(request: Request, fallback: str) -> str:
    """Where a form came from (this site's paths only)."""
    target = str(request.state.form.get("back") or "")
    return target if target.startswith("/") and not target.startswith("//") else fallback


_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


class _Upload:
    """An evidence file received: in a temporary file beside its place until the mark is recorded."""

    def __init__(self, staged: Path, final: Path, link: str) -> None:
        self.staged, self.final, self.link = staged, final, link

    def keep(self) -> None:
        self.staged.replace(self.final)

    def discard(self) -> None:
        self.staged.unlink(missing_ok=True)
        try:
            self.staged.parent.rmdir()  # the folder, when nothing else is in it
        except OSError:
            pass


def _received_upload(data_dir: Path, upload) -> _Upload:
    """An evidence file, at most UPLOAD_LIMIT bytes, to be stored under the data directory by its
    content hash and a cleaned name (no path of the sender's survives)."""
    import tempfile

    content = upload.file.read(UPLOAD_LIMIT + 1)
    if len(content) > UPLOAD_LIMIT:
        raise BadInput("the evidence file is larger than 10 MB; give a link to it instead")
    digest = hashlib.sha256(content).hexdigest()
    name = _SAFE_NAME.sub("_", Path(upload.filename).name).strip("._")[:100] or "file"
    folder = data_dir / "evidence" / digest[:16]
    folder.mkdir(parents=True, exist_ok=True)
    handle, staged = tempfile.mkstemp(dir=folder, prefix=".upload-")
    with open(handle, "wb") as out:
        out.write(content)
    return _Upload(Path(staged), folder / name, f"/evidence/{digest[:16]}/{name}")
