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

import math
from collections.abc import Mapping
from typing import Any

from chainplan.wording import LANGUAGES, Money, Number, Share, Term, catalogue, term, terms, text

__all__ = ["LANGS", "counts_phrase", "decision_sentence", "decision_template", "diagnosis_sentence",
           "eligibility_sentence", "gap_phrase", "phrase_template", "rank_phrase", "target_name", "target_names"]

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
    ``below_min_grant``, ``unresolved_violation``, ``needs_ineligible``)."""
    values = dict(params)
    if "stage" in values and isinstance(values["stage"], str):
        values["stage"] = Term("stage", values["stage"])
    if "kind" in values and isinstance(values["kind"], str):
        values["kind"] = Term("inspection_kind", values["kind"])
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


def diagnosis_sentence(code: str, params: Mapping[str, Any], lang: str) -> str:
    """Why a robust scenario is infeasible: ``chance_min`` / ``chance_max`` (``target``, ``bound``, ``amount``,
    ``confidence``) or ``confidence_feasible`` / ``confidence_none`` and their ``_unfinished`` forms (``low``,
    ``high``, ``confidence``), in numbers as each language writes them.

    Examples
    --------
    >>> diagnosis_sentence("chance_min", {"target": "new_products", "bound": 2, "amount": 0.5,
    ...                                   "confidence": 0.9}, "en")[:71]
    'Target new_products (min 2) cannot be met with 90% confidence: lower th'
    >>> diagnosis_sentence("confidence_feasible", {"low": 0.8425, "high": 0.8435, "confidence": 0.9}, "vi")[25:]
    'kịch bản khả thi với độ tin cậy 84,2% và không khả thi với 84,4% (kịch bản yêu cầu 90%).'

    The feasible level is rounded down and the infeasible one up, so neither claim is overstated.
    """
    values: dict[str, Any] = dict(params)
    if "target" in values:
        # The command line's English names targets by their codes, as the scenario file writes them.
        values["target"] = target_name(values["target"], lang) if lang == "vi" else values["target"]
    if "amount" in values:
        sign = -1.0 if code == "chance_min" else 1.0
        values["moved"] = Number(float(values["bound"]) + sign * float(values["amount"]), 2)
        values["amount"] = Number(float(values["amount"]), 2)
        values["bound"] = Number(float(values["bound"]), 2)
    if "low" in values:
        values["low"] = math.floor(round(float(values["low"]) * 1000, 6)) / 1000
    if "high" in values:
        values["high"] = math.ceil(round(float(values["high"]) * 1000, 6)) / 1000
    for key in ("confidence", "low", "high"):
        if key in values:
            values[key] = Share(float(values[key]), 1)
    return text(f"diagnosis.{code}", lang, **values)


def decision_template(reason: str, lang: str) -> str:
    """The ``str.format`` template of :func:`decision_sentence`, for writing thousands of sentences at once.

    Examples
    --------
    >>> decision_template("needs_plan", "en")
    'Needs plan {need}, which is not funded.'
    """
    return catalogue().get(f"decision.{reason}", lang) or reason


def phrase_template(piece: str, lang: str) -> str:
    """The ``str.format`` template of a phrase: ``rank`` (:func:`rank_phrase`), ``gap`` (one line of
    :func:`gap_phrase`), ``and`` (what joins them) or ``counts``."""
    return catalogue().get(f"phrase.{piece}", lang) or piece


def decision_sentence(reason: str, params: Mapping[str, Any], lang: str) -> str:
    """The sentence for one decision. ``params`` hold what the reason's template names (already phrased where
    a phrase depends on the language: pass ``reasons`` for ``not_eligible`` per language)."""
    return text(f"decision.{reason}", lang, **params)
