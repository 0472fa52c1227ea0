"""The web server: one FastAPI application serving the citizens' chat at /, the staff tools at /staff/ (behind a
login) and the JSON API at /api/v1/ (ui/rest.py), with security headers on every response, served by uvicorn
(SIGTERM drains in-flight requests).

Staff log in at /staff/login with an account made by `python -m ui staff add NAME`; the session cookie is HttpOnly,
SameSite=Strict, limited to /staff, and expires (ui/staff.py). Every /staff/ path but the login page needs it.
"""

from __future__ import annotations

import html
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import gradio as gr
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi_offline import FastAPIOffline

from qa.service import PlanQA
from ui import rest
from ui.app import MAX_UPLOAD, build_public_app, build_staff_app, context
from ui.limits import TRUSTED_PROXIES, client_address
from ui.staff import SESSION_COOKIE, SESSION_SECONDS, Sessions, StaffAccounts
from ui.style import CSS, theme

log = logging.getLogger(__name__)

STAFF = "/staff"
GRACEFUL_SECONDS = 15  # on SIGTERM, in-flight requests get this long to finish
TEST_GRACE_SECONDS = 3  # a server in a thread (tests, benchmarks) stops sooner: idle event streams would hold it
MAX_LOGIN_BODY = 4096
# Gradio's page needs inline scripts and styles; everything else comes from this server only. No page may frame it.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; connect-src 'self'; "
       "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
_LOGIN_OPEN = (f"{STAFF}/login", f"{STAFF}/login/")


class SecurityHeaders:
    """ASGI middleware: the security headers on every HTTP response (streams included)."""

    def __init__(self, app) -> None:
        """Wrap an ASGI app."""
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((n, v) for n, v in SECURITY_HEADERS if n not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)


def _secure(request: Request) -> bool:
    """Whether the visitor reached us over HTTPS (directly, or through a trusted proxy saying so)."""
    if request.url.scheme == "https" or os.environ.get("PLANQA_SECURE_COOKIES") == "1":
        return True
    peer = request.client.host if request.client else ""
    return peer in TRUSTED_PROXIES and request.headers.get("x-forwarded-proto") == "https"


def _login_page(message: str = "", status: int = 200) -> HTMLResponse:
    notice = f'<p class="err">{html.escape(message)}</p>' if message else ""
    body = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>PlanQA 工作人员登录</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>
body{{font-family:sans-serif;background:#f5f7fa;display:flex;justify-content:center;padding-top:10vh}}
form{{background:#fff;padding:2em;border-radius:8px;box-shadow:0 1px 4px #0002;min-width:18em}}
label{{display:block;margin:.8em 0 .3em}}input{{width:100%;padding:.5em;box-sizing:border-box}}
button{{margin-top:1.2em;width:100%;padding:.6em;background:#1d4ed8;color:#fff;border:0;border-radius:4px}}
.err{{color:#b91c1c}}</style></head><body><form method="post" action="login">
<h2>PlanQA 工作人员登录</h2>{notice}<label for="u">账号</label><input id="u" name="username" autocomplete="username"
 required maxlength="40"><label for="p">密码</label><input id="p" name="password" type="password"
 autocomplete="current-password" required maxlength="256"><button type="submit">登录</button>
<p><a href="../">返回市民问答</a></p></form></body></html>"""
    return HTMLResponse(body, status_code=status)


def build_server(service: PlanQA, feedback_path: Path | None = None, accounts_path: Path | None = None) -> FastAPI:
    """The FastAPI application: login routes, the staff app at /staff, the public chat at /."""
    ctx = context(service, feedback_path)
    accounts = StaffAccounts(accounts_path)
    sessions = Sessions()
    # The API's Swagger page at /docs, with its assets served from here (fastapi-offline), never from a CDN.
    app = FastAPIOffline(title="PlanQA", version="1", docs_url="/docs", redoc_url=None,
                         openapi_url=f"{rest.PREFIX}/openapi.json", static_url=f"{rest.PREFIX}/docs-assets")
    app.planqa_context = ctx  # type: ignore[attr-defined]
    app.planqa_sessions = sessions  # type: ignore[attr-defined]

    def staff_user(request: Request) -> str | None:
        return sessions.user(request.cookies.get(SESSION_COOKIE))

    @app.middleware("http")
    async def staff_only(request: Request, call_next):
        path = request.url.path
        if (path == STAFF or path.startswith(STAFF + "/")) and path not in _LOGIN_OPEN and staff_user(request) is None:
            if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                return RedirectResponse(f"{STAFF}/login", status_code=303)
            return JSONResponse({"error": "staff login required", "login": f"{STAFF}/login"}, status_code=401)
        return await call_next(request)

    @app.get(f"{STAFF}/login", include_in_schema=False)
    def login_form(request: Request) -> Response:
        if staff_user(request):
            return RedirectResponse(f"{STAFF}/", status_code=303)
        return _login_page()

    @app.post(f"{STAFF}/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        client = client_address(request.client.host if request.client else None,
                                request.headers.get("x-forwarded-for"))
        if not sessions.may_try(client):
            return _login_page("尝试次数过多，请一分钟后再试。", 429)
        body = await request.body()
        if len(body) > MAX_LOGIN_BODY:
            return _login_page("请求过大。", 413)
        form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=5)
        name = (form.get("username") or [""])[0]
        password = (form.get("password") or [""])[0]
        if not accounts.check(name, password):
            sessions.failed(client)
            log.warning("staff login failed for %r from %s", name[:40], client)
            return _login_page("账号或密码不正确。", 401)
        token = sessions.open(name)
        log.info("staff login: %s from %s", name, client)
        response = RedirectResponse(f"{STAFF}/", status_code=303)
        response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_SECONDS, path=STAFF, httponly=True,
                            samesite="strict", secure=_secure(request))
        return response

    @app.get(f"{STAFF}/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        sessions.close(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse(f"{STAFF}/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=STAFF)
        return response

    app.include_router(rest.router(ctx))
    common = {"ssr_mode": False, "show_error": False, "max_file_size": MAX_UPLOAD, "theme": theme(), "css": CSS,
              "footer_links": ["api", "settings"]}
    gr.mount_gradio_app(app, build_staff_app(ctx), path=STAFF, auth_dependency=staff_user,
                        allowed_paths=[str(ctx.downloads)], **common)
    gr.mount_gradio_app(app, build_public_app(ctx), path="", footer_links=[], **{
        k: v for k, v in common.items() if k != "footer_links"})
    app.add_middleware(SecurityHeaders)
    return app


class RunningServer:
    """A uvicorn server in a background thread (tests, benchmarks); close() stops it."""

    def __init__(self, app: FastAPI, host: str, port: int, grace: int = TEST_GRACE_SECONDS) -> None:
        """Configure the server (not started yet); in-flight requests get `grace` seconds when it stops."""
        self.app = app
        self.url = f"http://{host}:{port}/"
        self.grace = grace
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="critical",
                                                    timeout_graceful_shutdown=grace))
        self.thread = threading.Thread(target=self.server.run, name="planqa-web", daemon=True)

    @property
    def planqa_context(self):
        """The shared app context (tests reach the feedback store through it)."""
        return self.app.planqa_context  # type: ignore[attr-defined]

    def start(self, timeout: float = 60.0) -> RunningServer:
        """Start serving; return once the server accepts connections (or raise after timeout)."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise OSError(f"the web server did not start on {self.url}")
            if time.monotonic() > deadline:
                raise OSError(f"the web server did not start on {self.url} within {timeout:.0f} s")
            self.thread.join(0.05)
        return self

    def close(self) -> None:
        """Stop serving (in-flight requests finish first) and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(self.grace + 10)


def serve_in_thread(app: FastAPI, host: str, port: int) -> RunningServer:
    """Serve the app in a background thread; return once it accepts connections."""
    return RunningServer(app, host, port).start()


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that calls `on_ready` once it accepts connections (not before: a client told the server is
    ready, such as the worker supervisor, must find the port listening), and `on_stopped` once it has drained."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None,
                 on_stopped: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self.on_ready = on_ready
        self.on_stopped = on_stopped

    async def startup(self, sockets: list | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self.on_ready is not None:
            self.on_ready()

    async def shutdown(self, sockets: list | None = None) -> None:
        # Here, not after run(): uvicorn re-raises a SIGTERM once drained, and the process dies by it, exit handlers
        # unrun.
        await super().shutdown(sockets=sockets)
        if self.on_stopped is not None:
            self.on_stopped()


def serve(app: FastAPI, host: str, port: int, on_ready: Callable[[], None] | None = None,
          on_stopped: Callable[[], None] | None = None) -> None:
    """Serve in the foreground until SIGINT or SIGTERM (both drain in-flight requests, bounded); on_ready is called
    once the port accepts connections, on_stopped once the last request has drained."""
    _AnnouncingServer(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                     timeout_graceful_shutdown=GRACEFUL_SECONDS), on_ready, on_stopped).run()
