"""The Dash application: ``chainplan-ui`` (``make run``) serves it on 127.0.0.1.

This is the web app's one wiring module: :func:`create_app` hands the SQLAlchemy storage (the same
:class:`chainplan.ports.Storage` the command line runs on) to :mod:`dash_app.state`; nothing else in ``dash_app``
imports ``models``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import flask
from dash import Dash, Input, Output, dcc, html

from chainplan.ports import Storage
from dash_app import auth
from dash_app.i18n import language
from dash_app.jobs import LocalJobs, QueuedJobs, job_manager, jobs_url
from dash_app.state import beside_database, use_storage
from models.storage import SqlAlchemyStorage

__all__ = ["create_app", "jobs_of", "main"]


class ChainplanDash(Dash):  # type: ignore[misc]
    """Dash that writes the page's language into ``<html lang>`` (screen readers and translators read it)."""

    def interpolate_index(self, **kwargs: object) -> str:
        page = str(super().interpolate_index(**kwargs))
        lang = language(flask.request.args.get("lang")) if flask.has_request_context() else "vi"
        return page.replace("<html>", f'<html lang="{lang}">', 1)


#: After a switch inside the app (no reload), the language in the URL is written into ``<html lang>`` too.
SYNC_HTML_LANG = """
function (search) {
    var lang = (new URLSearchParams(search || "").get("lang") || "vi").trim().toLowerCase();
    document.documentElement.lang = lang === "en" ? "en" : "vi";
    return document.documentElement.lang;
}
"""


def create_app(db_url: str | None = None, *, storage: Storage | None = None, jobs: str | None = None) -> Dash:
    """Build the app; pages read the database named by ``db_url`` (default: ``CHAINPLAN_DB_URL``) in ``storage``
    (default: SQLAlchemy, whose forked background solves drop the connections they inherit).

    Solves run as background callbacks, so a page stays responsive and a solve can be cancelled: by default in
    their own process, their state in a disk cache beside the database (``<database>.jobs``), which every worker
    process of the machine shares; with ``jobs`` (else ``CHAINPLAN_JOBS_URL``) a ``redis://`` address, as Celery
    tasks that ``chainplan worker`` runs on any machine (:mod:`dash_app.jobs`).
    """
    use_storage(storage if storage is not None else SqlAlchemyStorage())
    manager = job_manager(jobs_url(jobs), beside_database(db_url, ".jobs"))
    app = ChainplanDash(
        __name__,
        use_pages=True,
        pages_folder=str(Path(__file__).parent / "pages"),
        title="chainplan",
        suppress_callback_exceptions=True,
        background_callback_manager=manager,
    )
    app.server.config["CHAINPLAN_DB_URL"] = db_url
    auth.install(app, db_url)
    # One theme: Bootstrap 5 (served from assets/, no CDN) through dash-bootstrap-components, and chainplan.css.
    app.layout = dbc.Container(
        [dcc.Location(id="url"), dcc.Store(id="html-lang"), html.Main(dash.page_container)],
        fluid="lg", className="py-3",
    )
    app.clientside_callback(SYNC_HTML_LANG, Output("html-lang", "data"), Input("url", "search"))
    return app


def jobs_of(app: Dash) -> LocalJobs | QueuedJobs:
    """The manager that runs ``app``'s background callbacks (``chainplan worker`` takes its Celery app)."""
    manager = app._background_manager
    assert isinstance(manager, LocalJobs | QueuedJobs)
    return manager


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="chainplan-ui", description="Serve the chainplan web interface.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL (default: $CHAINPLAN_DB_URL)")
    options = parser.parse_args(argv)
    print(f"chainplan UI on http://{options.host}:{options.port}/", flush=True)
    create_app(options.db).run(host=options.host, port=options.port, debug=False)


if __name__ == "__main__":
    main()
