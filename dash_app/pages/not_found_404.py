"""The page for an address chainplan does not have, in the page's language, with the navigation."""

from __future__ import annotations

import dash
from dash import dcc, html

from dash_app.components import header, page_year
from dash_app.i18n import language, t
from dash_app.urlstate import page_search

dash.register_page(__name__, path="/404", name="Not found", title="chainplan")


def layout(lang: str | None = None, year: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    chosen_year = page_year(year)
    return html.Div([
        header(lang, "/404", {"year": chosen_year}),
        html.H2(t("not_found_title", lang), id="not-found"),
        html.P(t("not_found_text", lang)),
        dcc.Link(t("not_found_home", lang), href="/" + page_search(lang, year=chosen_year)),
    ])
