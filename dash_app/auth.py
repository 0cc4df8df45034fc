"""Sign-in, sessions and roles, enforced on the server.

- Every page and every callback needs a signed-in, active user: an anonymous page request is sent to ``/login``,
  an anonymous callback (any write request, wherever Dash's routes are) is refused (403). Only ``/login``,
  ``/logout``, ``/healthz`` and static assets are open.
- A callback that writes is registered with :func:`writes` (its output component and the action it needs); the
  guard refuses such a request (403) from a user whose role lacks the action, whatever the page showed, and the
  callback checks again with :func:`require` before it writes.
- Sessions are kept in storage (``chainplan.services.signin``): the signed cookie (``CHAINPLAN_SECRET_KEY``, else a
  random key generated once into a file beside the SQLite database, mode 0600) holds only a random token. Signing
  out, an idle time of ``CHAINPLAN_SESSION_IDLE_MINUTES``, disabling the user or changing their role or password
  end the session in every worker process.
- Sign-in is throttled in storage (5 refused tries per name, 20 per address, in 15 minutes: 429 for 15 minutes)
  and the form carries a CSRF token (flask-wtf). Every response carries the security headers; a request body
  above :data:`MAX_CONTENT_LENGTH` gets 413.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlparse

import dash
import flask
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from chainplan import services
from chainplan.services.signin import DEFAULT_IDLE
from chainplan.users import SignInLocked, allowed
from dash_app.i18n import language, t
from dash_app.state import beside_database, database, unit_of_work

__all__ = [
    "MAX_CONTENT_LENGTH",
    "Paths",
    "WebUser",
    "clock",
    "content_security_policy",
    "current_role",
    "idle_timeout",
    "install",
    "job_identity",
    "require",
    "require_in_job",
    "secret_key",
    "writes",
]

#: Component id of a callback output -> the action a user needs to make that callback write.
WRITE_OUTPUTS: dict[str, str] = {}
#: The largest request body the server reads (413 above it): an uploaded workbook fits, as base64.
MAX_CONTENT_LENGTH = 25 * 1024 * 1024
#: The Flask session (the signed cookie) holds only this: the token of the session kept in storage.
SESSION_TOKEN = "chainplan_session"


def clock() -> dt.datetime:
    """The time now (UTC); the tests put another clock here to see a session go idle."""
    return dt.datetime.now(dt.UTC)


class WebUser(UserMixin):  # type: ignore[misc]
    def __init__(self, name: str, role: str):
        self.id = name
        self.role = role


def writes(component_id: str, action: str) -> str:
    """Register that callbacks writing to ``component_id`` need ``action``; returns the id for the layout."""
    WRITE_OUTPUTS[component_id] = action
    return component_id


def current_role() -> str | None:
    return getattr(current_user, "role", None) if current_user.is_authenticated else None


def require(action: str) -> None:
    """Refuse (PermissionError) unless the signed-in user's role allows ``action``; call it before every write."""
    if not allowed(current_role(), action):
        raise PermissionError(f"the role {current_role() or 'anonymous'} may not {action}")


def secret_key(db_url: str | None) -> str:
    """``CHAINPLAN_SECRET_KEY``, else a key kept in a file beside the SQLite database (created once, 0600)."""
    configured = os.environ.get("CHAINPLAN_SECRET_KEY")
    if configured:
        return configured
    path = beside_database(db_url, ".secret")
    if not path.exists():
        # Written whole under another name, then linked into place: of several worker processes starting at
        # once, one key wins and every worker reads that one (a session signed in one is valid in all).
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip()


def _callback_outputs(body: bytes) -> list[str]:
    """Component ids a Dash callback request writes to (``a.children`` or ``..a.children...b.value..``)."""
    try:
        output = json.loads(body or b"{}").get("output", "")
    except (ValueError, AttributeError):
        return []
    parts = [p for p in str(output).split("...") if p]
    return [part.strip(".").rsplit(".", 1)[0] for part in parts]


@dataclass(frozen=True)
class Paths:
    """Where this app serves what, read from Dash's own configuration (``routes_pathname_prefix``, which
    ``DASH_ROUTES_PATHNAME_PREFIX`` and ``DASH_URL_BASE_PATHNAME`` set), so the guard moves with the routes."""

    callback: str
    open_prefixes: tuple[str, ...]

    @classmethod
    def of(cls, app: dash.Dash) -> Paths:
        prefix = app.config.routes_pathname_prefix
        assets = prefix + str(app.config.assets_url_path).strip("/") + "/"
        return cls(prefix + "_dash-update-component",
                   (prefix + "_dash-component-suites/", assets, prefix + "_favicon.ico", "/favicon.ico"))


#: Paths open to everyone, whatever the method: signing in and out, and the health check.
_OPEN_PATHS = ("/login", "/logout", "/healthz")
_READS = ("GET", "HEAD", "OPTIONS")


def _refused(message: str, status: int = 403) -> flask.Response:
    return flask.Response(json.dumps({"error": message}), status=status, mimetype="application/json")


def _guard() -> flask.Response | None:
    request = flask.request
    path = request.path
    if path in _OPEN_PATHS:
        return None
    paths: Paths = flask.current_app.extensions["chainplan_paths"]
    reads = request.method in _READS
    if reads and path.startswith(paths.open_prefixes):
        return None
    if not current_user.is_authenticated:
        if not reads:  # a callback, wherever Dash serves them, or any other write: never without a session
            return _refused("sign in first")
        target = request.full_path.rstrip("?")
        lang = language(request.args.get("lang"))
        return flask.redirect(f"/login?lang={lang}&next={quote(target)}")
    if not reads:
        # Every write request is read as a callback: whatever path it came by, an output that needs an action the
        # role lacks is refused. The body is read within MAX_CONTENT_LENGTH (413 above it).
        for component in _callback_outputs(request.get_data(cache=True)):
            action = WRITE_OUTPUTS.get(component)
            if action is not None and not allowed(current_role(), action):
                return _refused(f"the role {current_role()} may not {action}")
    return None


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    # Only this site's own pages: no open redirect. Browsers read "/\host" as "//host" and drop tabs and line
    # breaks, so a backslash or any control character or space is refused too.
    unsafe = "\\" in target or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//") or unsafe:
        return "/"
    return target


def _login_page(lang: str, next_url: str, error: str | None = None, name: str = "") -> str:
    other = "en" if lang == "vi" else "vi"
    problem = f'<p id="login-error" role="alert" class="error">{html.escape(error)}</p>' if error else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(t("sign_in", lang))} — chainplan</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; }}
main {{ max-width: 360px; margin: 10vh auto; background: #fff; padding: 2rem; border-radius: 10px;
        box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
label {{ display: block; margin: 1rem 0 .25rem; font-weight: 600; }}
input {{ width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; border: 1px solid #bbb;
         border-radius: 6px; }}
button {{ margin-top: 1.5rem; width: 100%; padding: .7rem; font-size: 1rem; background: #2a6f97; color: #fff;
          border: 0; border-radius: 6px; cursor: pointer; }}
.error {{ color: #b00020; }} nav {{ text-align: right; font-size: .9rem; }}
</style></head>
<body><main>
<nav><a id="login-language" href="/login?lang={other}&next={quote(next_url)}">{html.escape(t("switch", lang))}</a></nav>
<h1>chainplan</h1><p>{html.escape(t("sign_in_intro", lang))}</p>{problem}
<form method="post" action="/login?lang={lang}">
<input type="hidden" name="csrf_token" value="{html.escape(generate_csrf())}">
<input type="hidden" name="next" value="{html.escape(next_url)}">
<label for="login-username">{html.escape(t("user_name", lang))}</label>
<input id="login-username" name="username" autocomplete="username" value="{html.escape(name)}" required autofocus>
<label for="login-password">{html.escape(t("password", lang))}</label>
<input id="login-password" name="password" type="password" autocomplete="current-password" required>
<button id="login-submit" type="submit">{html.escape(t("sign_in", lang))}</button>
</form></main></body></html>"""


def _idle() -> dt.timedelta:
    return flask.current_app.config["CHAINPLAN_SESSION_IDLE"]  # type: ignore[no-any-return]


def _address() -> str:
    return flask.request.remote_addr or ""


def _login() -> flask.Response | str:
    lang = language(flask.request.args.get("lang"))
    if flask.request.method == "GET":
        return _login_page(lang, _safe_next(flask.request.args.get("next")))
    # Only a POST with a valid csrf_token gets here (CSRFProtect answers 400 otherwise).
    name = flask.request.form.get("username", "")
    next_url = _safe_next(flask.request.form.get("next"))
    try:
        user = services.sign_in(unit_of_work(), name, flask.request.form.get("password", ""), _address(), now=clock())
    except SignInLocked as exc:
        response = flask.make_response(_login_page(lang, next_url, exc.message(lang), name), 429)
        response.headers["Retry-After"] = str(max(1, int((exc.until - clock()).total_seconds())))
        return response
    if user is None:
        # The form again with the reason (200: a refused sign-in is an answer, not a broken resource).
        return _login_page(lang, next_url, t("sign_in_failed", lang), name)
    flask.session.clear()  # nothing from before signing in is carried over (no session fixation)
    flask.session[SESSION_TOKEN] = services.open_session(unit_of_work(), user.name, idle=_idle(), now=clock())
    login_user(WebUser(user.name, user.role))
    separator = "&" if "?" in next_url else "?"
    return flask.redirect(next_url if "lang=" in next_url else f"{next_url}{separator}lang={lang}")


def _logout() -> flask.Response:
    lang = language(flask.request.args.get("lang"))
    services.end_session(unit_of_work(), flask.session.get(SESSION_TOKEN))
    logout_user()
    flask.session.clear()
    return flask.redirect(f"/login?lang={lang}")


def _csrf_refused(_error: CSRFError) -> tuple[str, int]:
    lang = language(flask.request.args.get("lang"))
    return _login_page(lang, _safe_next(flask.request.form.get("next")), t("sign_in_expired", lang)), 400


def _healthz() -> flask.Response:
    """Whether this server can reach its database, and nothing else (no version, no counts, no error text)."""
    try:
        with unit_of_work() as uow:
            uow.repository.ping()
    except Exception:  # any failure to reach the database: the answer is the same, its detail goes to the log
        flask.current_app.logger.exception("health check: the database cannot be reached")
        return flask.Response(json.dumps({"status": "error", "database": "unreachable"}), status=503,
                              mimetype="application/json")
    return flask.Response(json.dumps({"status": "ok", "database": "ok"}), mimetype="application/json")


@dash.hooks.custom_data("chainplan")
def _request_identity(_context: object) -> dict[str, str | None]:
    """Who asked and on which database, read from the server session when the request arrives.

    A background callback runs in another process, without the request: it reads these (never anything the
    browser sent) to check the role before it writes and to record who ran it.
    """
    return {"user": current_user.id if current_user.is_authenticated else None, "role": current_role(),
            "db_url": database()}


def job_identity() -> dict[str, str | None]:
    """Inside a (background) callback: the signed-in user, role and database of the request that started it."""
    return dict(dash.ctx.custom_data.get("chainplan", {}))


def require_in_job(action: str) -> str:
    """Refuse (PermissionError) unless the user who started this background job may ``action``; their name."""
    identity = job_identity()
    if not allowed(identity.get("role"), action) or not identity.get("user"):
        raise PermissionError(f"the role {identity.get('role') or 'anonymous'} may not {action}")
    return str(identity["user"])


def idle_timeout(environ: Mapping[str, str] | None = None) -> dt.timedelta:
    """``CHAINPLAN_SESSION_IDLE_MINUTES`` (a positive number of minutes; default 480) as a time span. A value that
    is not one is reported on standard error and the default is used, so a typo does not stop the server."""
    value = (os.environ if environ is None else environ).get("CHAINPLAN_SESSION_IDLE_MINUTES", "").strip()
    if not value:
        return DEFAULT_IDLE
    try:
        minutes = float(value)
    except ValueError:
        minutes = -1
    if not 0 < minutes < 10**6:
        print(f"CHAINPLAN_SESSION_IDLE_MINUTES={value!r} is not a positive number of minutes; using 480",
              file=sys.stderr)
        return DEFAULT_IDLE
    return dt.timedelta(minutes=minutes)


def content_security_policy(app: dash.Dash) -> str:
    """The policy every response carries: this site's own scripts plus Dash's inline ones by their hashes
    (``app.csp_hashes()``: the renderer and clientside callbacks), no framing by anyone.

    Styles keep ``'unsafe-inline'``: Plotly and the grid write ``<style>`` elements and style attributes at run
    time, which no hash can name; a style cannot run code.
    """
    scripts = " ".join(["'self'", *app.csp_hashes()])
    return ("default-src 'self'; "
            f"script-src {scripts}; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; "
            "font-src 'self' data:; "
            "connect-src 'self'; "
            "object-src 'none'; "
            "base-uri 'self'; "
            "form-action 'self'; "
            "frame-ancestors 'none'")


def _security_headers(app: dash.Dash) -> Callable[[flask.Response], flask.Response]:
    policy: list[str] = []

    def add(response: flask.Response) -> flask.Response:
        if not policy:
            # Computed at the first response, once every page's callbacks (and their inline scripts) exist.
            policy.append(content_security_policy(app))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = policy[0]
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return add


def install(app: dash.Dash, db_url: str | None) -> None:
    """Add server-side sessions, ``/login`` (with a CSRF token and throttling), ``/logout``, ``/healthz``, the
    guard, the security headers and the request size limit to the app's Flask server."""
    server: flask.Flask = app.server
    server.secret_key = secret_key(db_url)
    https = os.environ.get("CHAINPLAN_HTTPS") == "1"
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=https,
                         REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
                         REMEMBER_COOKIE_SECURE=https, MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
                         CHAINPLAN_SESSION_IDLE=idle_timeout())
    proxies = os.environ.get("CHAINPLAN_TRUSTED_PROXIES", "0").strip()
    if proxies.isdigit() and int(proxies) > 0:
        # Behind N reverse proxies, the address that sign-in throttling counts is the one they forward.
        from werkzeug.middleware.proxy_fix import ProxyFix

        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=int(proxies), x_proto=int(proxies))  # type: ignore[method-assign]
    paths = Paths.of(app)
    server.extensions["chainplan_paths"] = paths
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader  # type: ignore[misc]
    def load(name: str) -> WebUser | None:
        # Read on every request from storage, never from this process's memory: a session ended in any worker
        # (signed out, idle, the user disabled, their role or password changed) is ended here too.
        user = services.session_user(unit_of_work(), flask.session.get(SESSION_TOKEN), idle=_idle(), now=clock())
        return WebUser(user.name, user.role) if user is not None and user.name == name else None

    server.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout)
    server.add_url_rule("/healthz", "healthz", _healthz)
    server.before_request(_guard)
    # The sign-in form carries a CSRF token. Dash's own write routes (callbacks) are JSON posts made by its
    # renderer, which cannot carry the form's token: they are exempted here, by name, and protected instead by the
    # SameSite=Lax cookie (a cross-site post arrives without a session, and the guard refuses it) and the guard's
    # role check. Every other write route stays protected by default.
    csrf = CSRFProtect(server)
    for rule in server.url_map.iter_rules():
        if rule.endpoint in app.routes and (rule.methods or set()) - set(_READS):
            csrf.exempt(server.view_functions[rule.endpoint])
    server.register_error_handler(CSRFError, _csrf_refused)
    server.after_request(_security_headers(app))
