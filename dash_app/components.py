"""Pieces every page shares: the header with navigation and language switch, tables, cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from dash import dcc, html

from dash_app.i18n import t

__all__ = ["card", "header", "table"]

PAGES = (("/", "overview"), ("/chains", "chains"), ("/compare", "compare"), ("/decisions", "decisions"),
         ("/users", "users"))
CELL = {"padding": "4px 10px", "borderBottom": "1px solid #eee", "textAlign": "left", "verticalAlign": "top"}


def header(lang: str, path: str, query: Mapping[str, str] | None = None) -> html.Header:
    """Navigation, who is signed in, and the language switch, which keeps the page's ``query`` (its selection)."""
    other = "en" if lang == "vi" else "vi"
    links = [dcc.Link(t(key, lang), href=f"{href}?lang={lang}", id=f"nav-{key}",
                      style={"marginRight": "1rem", "fontWeight": 700 if href == path else 400})
             for href, key in PAGES]
    switch = f"{path}?" + urlencode({"lang": other, **(query or {})})
    from flask_login import current_user

    who: list[object] = []
    if current_user.is_authenticated:
        who = [html.Span(f"{t('signed_in_as', lang)} {current_user.id} ({t('role_' + current_user.role, lang)})",
                         id="signed-in-user", style={"marginRight": "1rem", "color": "#555"}),
               html.A(t("sign_out", lang), href=f"/logout?lang={lang}", id="sign-out",
                      style={"marginRight": "1rem"})]
    return html.Header([
        html.H1(t("app_title", lang), style={"fontSize": "1.5rem"}),
        html.Nav([*links, *who, dcc.Link(t("switch", lang), href=switch, id="language-switch")],
                 style={"display": "flex", "flexWrap": "wrap", "rowGap": "0.25rem", "alignItems": "baseline"}),
    ], style={"display": "flex", "justifyContent": "space-between", "alignItems": "center", "flexWrap": "wrap"})


def card(label: str, value: str, test_id: str) -> html.Div:
    return html.Div(
        [html.Div(label, style={"fontSize": "0.85rem", "color": "#555"}),
         html.Div(value, id=test_id, style={"fontSize": "1.6rem", "fontWeight": 600})],
        style={"border": "1px solid #ddd", "borderRadius": "8px", "padding": "0.75rem 1rem", "minWidth": "160px"},
    )


def table(header_cells: Sequence[str], rows: Sequence[Sequence[object]], test_id: str) -> html.Div:
    """A small table; on a narrow screen it scrolls inside its own box instead of widening the page."""
    return html.Div(html.Table(
        [html.Thead(html.Tr([html.Th(h, style=CELL) for h in header_cells])),
         html.Tbody([html.Tr([html.Td("" if v is None else str(v), style=CELL) for v in row]) for row in rows])],
        id=test_id, style={"borderCollapse": "collapse", "margin": "0.5rem 0"},
    ), style={"overflowX": "auto", "maxWidth": "100%"})
