"""A page's selection in its address: read and written one way by every page.

The address keeps what a person chose (``/allocation?lang=vi&scenario=file:equity.yaml&run=3``,
``/chains?lang=en&tier=provincial&region=HL&product=SP002``, ``/compare?lang=vi&runs=1,2``), so a reload, a shared
link and the language switch show the same thing. :func:`url_state` writes the page's search and the language
switch's link together: a page that writes one writes both, so the switch never goes back to an older selection.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

__all__ = ["language_switch", "page_search", "read_id", "read_ids", "url_state"]


def _written(value: object) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def page_search(lang: str, **params: object) -> str:
    """The search part of a page's address: the language first, then each chosen value in the order given
    (``None``, blank and empty lists left out, lists joined by commas).

    Examples
    --------
    >>> page_search("vi", scenario="file:equity.yaml", run=3)
    '?lang=vi&scenario=file:equity.yaml&run=3'
    >>> page_search("en", runs=[1, 2], region=None, product="")
    '?lang=en&runs=1,2'
    """
    chosen = {key: _written(value) for key, value in params.items() if value not in (None, "") and value != []}
    return "?" + urlencode({"lang": lang, **chosen}, safe=":,")  # readable: file:x.yaml, runs=1,2


def language_switch(path: str, lang: str, **params: object) -> str:
    """The language switch's link: the same page and selection in the other language.

    Examples
    --------
    >>> language_switch("/compare", "vi", runs=[1, 2])
    '/compare?lang=en&runs=1,2'
    """
    return path + page_search("en" if lang == "vi" else "vi", **params)


def url_state(path: str, lang: str, **params: object) -> tuple[str, str]:
    """The page's search and the language switch's link for the same selection (a callback writes both)."""
    return page_search(lang, **params), language_switch(path, lang, **params)


def read_id(text: object) -> int | None:
    """A run id or a year from the address (``"3"``), else ``None`` (``"3x"``, ``"-1"``, nothing).

    Examples
    --------
    >>> read_id("3"), read_id(" 12 "), read_id("3x"), read_id(None)
    (3, 12, None, None)
    """
    written = str(text).strip() if text is not None else ""
    return int(written) if written.isdigit() else None


def read_ids(text: object) -> list[int]:
    """Run ids from the address (``"1,2,5"``), in order, each once; anything else is left out.

    Examples
    --------
    >>> read_ids("1,2,x,2, 5"), read_ids(None)
    ([1, 2, 5], [])
    """
    parts: Iterable[str] = str(text).split(",") if text is not None else ()
    ids: list[int] = []
    for part in parts:
        found = read_id(part)
        if found is not None and found not in ids:
            ids.append(found)
    return ids
