"""The address of a page: what a page writes, it reads back; the language switch keeps the same selection; and the
examples in dash_app's pure modules run (pytest collects doctests only under chainplan/)."""

from __future__ import annotations

import doctest
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dash_app.forms
import dash_app.urlstate
from dash_app.urlstate import language_switch, page_search, read_id, read_ids, url_state


@pytest.mark.parametrize("module", [dash_app.forms, dash_app.urlstate], ids=lambda m: m.__name__)
def test_the_examples_run(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=6), st.sampled_from(["vi", "en"]),
       st.sampled_from([None, "file:equity.yaml", "run:12", "file:a b&c=d.yaml"]))
def test_what_a_page_writes_it_reads_back(runs: list[int], lang: str, scenario: str | None) -> None:
    search, switch = url_state("/compare", lang, runs=runs, scenario=scenario)
    query = parse_qs(urlsplit(search).query)
    assert query["lang"] == [lang]
    assert read_ids(query.get("runs", [None])[0]) == list(dict.fromkeys(runs))
    assert query.get("scenario", [None])[0] == scenario
    other = parse_qs(urlsplit(switch).query)
    assert urlsplit(switch).path == "/compare" and other["lang"] == ["en" if lang == "vi" else "vi"]
    assert {k: v for k, v in other.items() if k != "lang"} == {k: v for k, v in query.items() if k != "lang"}


def test_an_address_that_is_not_an_id_is_no_id() -> None:
    assert [read_id(x) for x in ("7", "07", " 7", "7.0", "-7", "", "bảy", None)] == [7, 7, 7, None, None, None,
                                                                                      None, None]
    assert page_search("vi", tier="all", region=None, product="") == "?lang=vi&tier=all"
    assert language_switch("/", "en", year=2026) == "/?lang=vi&year=2026"
