"""Sign-in, sessions and roles, enforced on the server.

- Every page and every callback needs a signed-in, active user: an anonymous page request is sent to ``/login``,
  an anonymous callback request is refused (403). Only ``/login``, ``/logout`` and static assets are open.
- A callback that writes is registered with :func:`writes` (its output component and the action it needs); the
  guard refuses such a request (403) from a user whose role lacks the action, whatever the page showed, and the
  callback checks again with :func:`require` before it writes.
- Passwords are checked against their scrypt hashes (``chainplan.services.authenticate``); the session is signed
  with ``CHAINPLAN_SECRET_KEY``, else a random key generated once into a file beside the SQLite database (mode 0600).
"""

from __future__ import annotations

import html
import json
import os
import secrets
from urllib.parse import quote, urlparse

import dash
import flask
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from chainplan import services
from chainplan.users import allowed
from dash_app.i18n import language, t
from dash_app.state import beside_database, database, unit_of_work

__all__ = ["WebUser", "current_role", "install", "job_identity", "require", "require_in_job", "secret_key", "writes"]

#: Component id of a callback output -> the action a user needs to make that callback write.
WRITE_OUTPUTS: dict[str, str] = {}
_OPEN_PREFIXES = ("/login", "/logout", "/_dash-component-suites/", "/assets/", "/_favicon.ico", "/favicon.ico")


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
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def _callback_outputs(body: bytes) -> list[str]:
    """Component ids a Dash callback request writes to (``a.children`` or ``..a.children...b.value..``)."""
    try:
        output = json.loads(body or b"{}").get("output", "")
    except (ValueError, AttributeError):
        return []
    parts = [p for p in str(output).split("...") if p]
    return [part.strip(".").rsplit(".", 1)[0] for part in parts]


def _guard() -> flask.Response | None:
    path = flask.request.path
    if path.startswith(_OPEN_PREFIXES):
        return None
    is_callback = path.startswith("/_dash-update-component")
    if not current_user.is_authenticated:
        if is_callback or flask.request.method != "GET":
            return flask.Response(json.dumps({"error": "sign in first"}), status=403, mimetype="application/json")
        target = flask.request.full_path.rstrip("?")
        lang = language(flask.request.args.get("lang"))
        return flask.redirect(f"/login?lang={lang}&next={quote(target)}")
    if is_callback:
        for component in _callback_outputs(flask.request.get_data(cache=True)):
            action = WRITE_OUTPUTS.get(component)
            if action is not None and not allowed(current_role(), action):
                message = f"the role {current_role()} may not {action}"
                return flask.Response(json.dumps({"error": message}), status=403, mimetype="application/json")
    return None


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"  # only this site's own pages: no open redirect
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
<input type="hidden" name="next" value="{html.escape(next_url)}">
<label for="login-username">{html.escape(t("user_name", lang))}</label>
<input id="login-username" name="username" autocomplete="username" value="{html.escape(name)}" required autofocus>
<label for="login-password">{html.escape(t("password", lang))}</label>
<input id="login-password" name="password" type="password" autocomplete="current-password" required>
<button id="login-submit" type="submit">{html.escape(t("sign_in", lang))}</button>
</form></main></body></html>"""


def _login() -> flask.Response | str:
    lang = language(flask.request.args.get("lang"))
    if flask.request.method == "GET":
        return _login_page(lang, _safe_next(flask.request.args.get("next")))
    name = flask.request.form.get("username", "")
    next_url = _safe_next(flask.request.form.get("next"))
    user = services.authenticate(unit_of_work(), name, flask.request.form.get("password", ""))
    if user is None:
        # The form again with the reason (200: a refused sign-in is an answer, not a broken resource).
        return _login_page(lang, next_url, t("sign_in_failed", lang), name)
    login_user(WebUser(user.name, user.role))
    separator = "&" if "?" in next_url else "?"
    return flask.redirect(next_url if "lang=" in next_url else f"{next_url}{separator}lang={lang}")


def _logout() -> flask.Response:
    lang = language(flask.request.args.get("lang"))
    logout_user()
    return flask.redirect(f"/login?lang={lang}")


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


def install(server: flask.Flask, db_url: str | None) -> None:
    """Add sessions, ``/login``, ``/logout`` and the guard to the app's Flask server."""
    server.secret_key = secret_key(db_url)
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader  # type: ignore[misc]
    def load(name: str) -> WebUser | None:
        # Read on every request: a disabled user or a changed role takes effect at once.
        with unit_of_work() as uow:
            user = uow.repository.get_user(name)
        return WebUser(user.name, user.role) if user is not None and user.active else None

    server.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout)
    server.before_request(_guard)
