"""The sentences that explain allocation decisions, read from the catalogue (:mod:`chainplan.wording`).

Every decision and every reason a plan is not eligible is written from a reason code and its parameters, so the
command line (English, as documented), the committee pack and the web page (either language) say the same thing.

Examples
--------
>>> decision_sentence("needs_plan", {"need": "KH002"}, "vi")
'Cần kế hoạch KH002, nhưng kế hoạch này không được hỗ trợ.'
>>> eligibility_sentence("pending", {"stage": "province"}, "en")
'province appraisal still pending'
>>> target_name("new_products", "vi")
'Sản phẩm mới'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainplan.wording import LANGUAGES, Money, Term, term, terms, text

__all__ = ["LANGS", "counts_phrase", "decision_sentence", "eligibility_sentence", "gap_phrase", "rank_phrase",
           "target_name", "target_names"]

LANGS = ("en", "vi")
assert set(LANGS) == set(LANGUAGES)


def target_name(code: str, lang: str) -> str:
    """A target or outcome as a committee reads it (the code itself when unknown)."""
    return term("target", code, lang)


def target_names(lang: str) -> dict[str, str]:
    """Every target and outcome by code, in ``lang``."""
    return terms("target", lang)


def eligibility_sentence(code: str, params: Mapping[str, Any], lang: str) -> str:
    """One reason a plan is not eligible (``pending``, ``failed``, ``not_appraised``, ``reserved_line``,
    ``below_min_grant``, ``needs_ineligible``)."""
    values = dict(params)
    if "stage" in values and isinstance(values["stage"], str):
        values["stage"] = Term("stage", values["stage"])
    for key in ("total", "minimum"):
        if key in values and isinstance(values[key], int | float):
            values[key] = Money(int(values[key]))
    return text(f"eligibility.{code}", lang, **values)


def rank_phrase(rank: int | None, of: int, lang: str) -> str:
    """'its benefit per VND ranks 3 of 40' ('' when the plan is not ranked)."""
    return "" if rank is None else text("phrase.rank", lang, rank=rank, of=of)


def counts_phrase(targets: list[str], lang: str) -> str:
    """'; counts toward new_products, ...' in English (codes, as documented), target names in Vietnamese."""
    if not targets:
        return ""
    names = ", ".join(target_name(t, lang) for t in targets) if lang == "vi" else ", ".join(targets)
    return text("phrase.counts", lang, targets=names)


def gap_phrase(gaps: list[tuple[str, str]], lang: str) -> str:
    """'530.000.000 VND more on line L and …' from ``(amount as written, line code)`` pairs."""
    return text("phrase.and", lang).join(text("phrase.gap", lang, amount=amount, line=line) for amount, line in gaps)


def decision_sentence(reason: str, params: Mapping[str, Any], lang: str) -> str:
    """The sentence for one decision. ``params`` hold what the reason's template names (already phrased where
    a phrase depends on the language: pass ``reasons`` for ``not_eligible`` per language)."""
    return text(f"decision.{reason}", lang, **params)
