"""The name book: what a person reads in place of a code, from one dataset.

``name_book(dataset)`` is ``{kind: {code: name}}`` with the kinds a :class:`~chainplan.wording.Ref` names
(``plan``, ``product``, ``organization``, ``region``, ``line``), so it can be passed as ``names=`` to
:func:`chainplan.wording.text`. A plan has no name of its own: it reads as "product — organisation", which is how
a district office talks about it. A code the book lacks (a run computed on other data) stays a code.

Examples
--------
>>> from chainplan.demo import build_demo_dataset
>>> book = name_book(build_demo_dataset())
>>> book["product"]["SP002"], book["region"]["MC"]
('Gốm mỹ nghệ Đông Triều', 'TP Móng Cái')
>>> book["plan"]["KH002"].startswith("Gốm mỹ nghệ Đông Triều — ")
True
>>> name_of(book, "plan", "NO-SUCH-PLAN"), name_of(book, "region", None)
('NO-SUCH-PLAN', '')
"""

from __future__ import annotations

import pandas as pd

from chainplan.dataset import Dataset
from chainplan.wording import NameBook

__all__ = ["KINDS", "name_book", "name_of"]

#: The kinds of thing the book names (the kinds of :class:`chainplan.wording.Ref`).
KINDS = ("plan", "product", "organization", "region", "line")

def _mapping(frame: pd.DataFrame, key: str, value: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in zip(frame[key], frame[value], strict=True)
            if v is not None and str(v).strip()}


def name_book(dataset: Dataset) -> dict[str, dict[str, str]]:
    """Names by kind and code: products, organisations, regions, budget lines, and plans as "product — owner"
    (written once per dataset: :meth:`~chainplan.dataset.Dataset.derived`; read it, do not change it)."""
    return dataset.derived("name book", _name_book)


def _name_book(dataset: Dataset) -> dict[str, dict[str, str]]:
    products = _mapping(dataset.products, "code", "name")
    organizations = _mapping(dataset.organizations, "code", "name")
    plans = {
        str(code): f"{products.get(str(product), str(product))} — {organizations.get(str(owner), str(owner))}"
        for code, product, owner in zip(dataset.plans["code"], dataset.plans["product_code"],
                                        dataset.plans["organization_code"], strict=True)
    }
    return {"plan": plans, "product": products, "organization": organizations,
            "region": _mapping(dataset.regions, "code", "name"),
            "line": _mapping(dataset.budget_lines, "code", "name")}


def name_of(book: NameBook | None, kind: str, code: object) -> str:
    """The name of ``code`` of ``kind``; the code itself when the book lacks it, ``''`` for no code."""
    if code is None or (isinstance(code, float) and code != code):
        return ""
    return (book or {}).get(kind, {}).get(str(code)) or str(code)
