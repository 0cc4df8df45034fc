"""The Dash application: ``chainplan-ui`` (``make run``) serves it on 127.0.0.1."""

from __future__ import annotations

import argparse
from pathlib import Path

import dash
import diskcache
from dash import Dash, DiskcacheManager, dcc, html

from dash_app import auth
from dash_app.state import beside_database

__all__ = ["create_app", "main"]


def create_app(db_url: str | None = None) -> Dash:
    """Build the app; pages read the database named by ``db_url`` (default: ``CHAINPLAN_DB_URL``).

    Solves run as background callbacks in their own process, their state in a disk cache beside the database
    (``<database>.jobs``), so a page stays responsive and a solve can be cancelled.
    """
    jobs = DiskcacheManager(diskcache.Cache(str(beside_database(db_url, ".jobs"))))
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(Path(__file__).parent / "pages"),
        title="chainplan",
        suppress_callback_exceptions=True,
        background_callback_manager=jobs,
    )
    app.server.config["CHAINPLAN_DB_URL"] = db_url
    auth.install(app.server, db_url)
    app.layout = html.Div(
        [dcc.Location(id="url"), html.Main(dash.page_container, style={"maxWidth": "1100px", "margin": "auto"})],
        style={"fontFamily": "system-ui, sans-serif", "padding": "1rem"},
    )
    return app


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
