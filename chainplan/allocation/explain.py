"""Every decision in words a committee member understands, and the value of more money per budget line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from string import Formatter
from typing import Any

import numpy as np
import pandas as pd

from chainplan.allocation.data import TARGET_OUTCOMES, AllocationInput
from chainplan.allocation.wording import counts_phrase, decision_template, phrase_template
from chainplan.wording import Share, render

__all__ = ["PlanWording", "benefit_per_vnd_rank", "explain_decisions", "plan_wording"]


def benefit_per_vnd_rank(inp: AllocationInput) -> pd.Series:
    """Rank (1 = best) of each eligible plan by benefit per VND requested; a plan asking nothing ranks first.

    Ties are broken by plan code, so the same input always gives the same order.
    """
    eligible = inp.eligible
    ratio = (eligible["benefit"] / eligible["total_request"].where(eligible["total_request"] > 0)).fillna(np.inf)
    codes = eligible.index.to_numpy(dtype=object)
    order = codes[np.lexsort((codes.astype(str), -ratio.to_numpy(dtype=float)))]
    return pd.Series(np.arange(1, len(order) + 1, dtype="int64"), index=pd.Index(order, dtype=object))


def _join_runs(groups: np.ndarray, texts: np.ndarray, separator: str) -> tuple[np.ndarray, np.ndarray]:
    """Join ``texts`` with ``separator`` over each run of equal ``groups`` (already sorted): the groups and their
    texts. One segmented sum over an object array, not a Python call per group."""
    first = np.ones(len(groups), dtype=bool)
    first[1:] = groups[1:] != groups[:-1]
    starts = np.flatnonzero(first)
    pieces = np.where(first, texts, separator + texts).astype(object)
    return groups[starts], np.add.reduceat(pieces, starts)


def _joined(pairs: pd.DataFrame, key: str, value: str, index: pd.Index) -> pd.Series:
    """For each code of ``index``: the sorted ``value``s paired with it, joined by commas ('' when none)."""
    if pairs.empty:
        return pd.Series("", index=index, dtype=object)
    keys, values = pairs[key].to_numpy(dtype=str), pairs[value].to_numpy(dtype=str)
    order = np.lexsort((values, keys))
    groups, joined = _join_runs(keys[order], values[order].astype(object), ", ")
    return pd.Series(joined, index=pd.Index(groups, dtype=object), dtype=object).reindex(index, fill_value="")


def _fill(template: str, fields: Mapping[str, Any], rows: np.ndarray) -> np.ndarray:
    """``template.format(**fields)`` for the plans at positions ``rows``, all at once.

    Each field is one text for every plan or an object array of texts over all plans; the literal pieces and the
    fields are concatenated column-wise, so ten thousand sentences cost a few array operations.
    """
    out = np.full(len(rows), "", dtype=object)
    for literal, name, _spec, _conversion in Formatter().parse(template):
        if literal:
            out = out + literal
        if name is not None:
            value = fields[name]
            out = out + (value if isinstance(value, str) else value[rows])
    return out


def _texts(values: pd.Series) -> np.ndarray:
    """A column as an object array of texts ('' where blank), ready for :func:`_fill`."""
    return values.astype(object).where(values.notna(), "").astype(str).to_numpy(dtype=object)


def _vnd_texts(amounts: np.ndarray, lang: str) -> np.ndarray:
    """Whole VND as the language writes it (``1.500.000 ₫`` / ``1,500,000 VND``), one format per amount."""
    texts = np.empty(len(amounts), dtype=object)
    if lang == "vi":
        texts[:] = [f"{amount:,} ₫".replace(",", ".") for amount in amounts.tolist()]
    else:
        texts[:] = [f"{amount:,} VND" for amount in amounts.tolist()]
    return texts


_VI_SEPARATORS = str.maketrans(",.", ".,")


def _decimals(values: np.ndarray, lang: str, digits: int) -> np.ndarray:
    """Numbers with ``digits`` decimals and the language's separators (``1.234,50`` / ``1,234.50``)."""
    spec = f",.{digits}f"
    texts = [format(value, spec) for value in np.asarray(values, dtype=float).tolist()]
    if lang == "vi":  # the two separators swapped in one pass over each text
        texts = [text.translate(_VI_SEPARATORS) for text in texts]
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    return out


def _labels(codes: pd.Series, kind: str, names: Mapping[str, Mapping[str, str]]) -> pd.Series:
    """Codes as a person reads them: a plan as its code with what it is (``KH002 (Chè — HTX)``), anything else by
    its name; a code the book lacks stays a code, a blank stays blank."""
    book = names.get(kind, {})
    if not book:
        return codes
    named = codes.map(book)
    if kind == "plan":
        labelled = codes.astype(str) + " (" + named.fillna("").astype(str) + ")"
        return labelled.where(named.notna(), codes)
    return named.where(named.notna(), codes)


def _shortfalls(inp: AllocationInput, budget: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (plan position, line, VND missing) where a plan's request on a line does not fit what is left.

    Plans × lines in one comparison; the positions come in plan order, then line order, as the sentences read.
    """
    matrix = inp.request_matrix.reindex(inp.plans.index, fill_value=0)
    left = budget.set_index("line")["left"].reindex(matrix.columns, fill_value=0).to_numpy(dtype=np.int64)
    requested = matrix.to_numpy(dtype=np.int64)
    rows, cols = np.nonzero(requested > left[None, :])
    # int64 is exact here: a request is at most 10^15 VND and what is left at most a line's amount.
    missing = requested[rows, cols] - left[cols]
    return rows, matrix.columns.to_numpy(dtype=object)[cols], missing


def _gap_texts(shortfalls: tuple[np.ndarray, np.ndarray, np.ndarray], size: int, lang: str,
               line_names: Mapping[str, str]) -> np.ndarray:
    """Per plan: :func:`~chainplan.allocation.wording.gap_phrase` of its shortfalls ('' when none)."""
    rows, lines, missing = shortfalls
    out = np.full(size, "", dtype=object)
    if len(rows):
        line_text = np.array([line_names.get(str(line), str(line)) for line in lines], dtype=object)
        pieces = _fill(phrase_template("gap", lang), {"amount": _vnd_texts(missing, lang), "line": line_text},
                       np.arange(len(rows)))
        plans, joined = _join_runs(rows, pieces, phrase_template("and", lang))
        out[plans] = joined
    return out


def _counts_toward(plans: pd.DataFrame, lang: str) -> np.ndarray:
    """Per plan: :func:`~chainplan.allocation.wording.counts_phrase` of the targets it counts toward."""
    names = list(TARGET_OUTCOMES)
    flags = np.column_stack([plans[outcome].to_numpy(dtype=float) > 0 for outcome in TARGET_OUTCOMES.values()])
    # One phrase per combination of targets (at most 2^6), picked by each plan's combination.
    combination = flags.astype(np.int64) @ (1 << np.arange(len(names), dtype=np.int64))
    phrases = np.array([counts_phrase([name for bit, name in enumerate(names) if code >> bit & 1], lang)
                        for code in range(1 << len(names))], dtype=object)
    return phrases[combination]


@dataclass(frozen=True)
class PlanWording:
    """What the decisions' sentences say of each plan whatever is funded: the plan's product, region and needed
    plan by name, its benefit, its rank by benefit per VND, the targets it counts toward, why it is not eligible,
    its two chances of success; per language, one text per plan (in the plans' order).

    It does not depend on the answer, so a run writes it while the solver works
    (:attr:`~chainplan.allocation.data.AllocationInput.plan_wording`).
    """

    #: ``{lang: {field: texts}}``: the fields of the decision templates (``need``, ``product``, ``region``,
    #: ``cap``, ``benefit``, ``share``, ``rank``, ``counts``, ``reasons``).
    fields: dict[str, dict[str, Any]]
    #: Positions of the plans whose calibrated chance differs from the stated one (to 2 decimals) and, per
    #: language, the phrase naming both.
    calibrated: np.ndarray
    calibrated_phrases: dict[str, np.ndarray]
    #: Per plan: the ineligibility reasons are only about the minimum grant.
    below_min_grant: np.ndarray


def plan_wording(inp: AllocationInput) -> PlanWording:
    """The answer-independent texts of :func:`explain_decisions` (see :class:`PlanWording`).

    Examples
    --------
    >>> from chainplan.allocation.data import prepare
    >>> from chainplan.demo import build_demo_dataset
    >>> from chainplan.scenario import Scenario
    >>> wording = plan_wording(prepare(build_demo_dataset(), Scenario(name="demo")))
    >>> sorted(wording.fields) == ["en", "vi"]
    True
    """
    plans = inp.plans
    scenario = inp.scenario
    names = inp.names
    size = len(plans.index)
    rank = benefit_per_vnd_rank(inp)
    ranks = rank.reindex(plans.index).to_numpy(dtype=float)
    labels: dict[str, Any] = {
        "need": _texts(_labels(plans["requires_plan"], "plan", names)),
        "product": _texts(_labels(plans["product_code"], "product", names)),
        "region": _texts(_labels(plans["region"], "region", names)), "cap": str(scenario.max_plans_per_region),
    }
    # Not eligible only for asking less than the minimum grant: every reason names the minimum grant.
    written = plans["ineligible_reasons"].explode().dropna().astype(str)
    only_minimum = written.str.contains("minimum grant", regex=False).groupby(level=0).all()
    below_min = only_minimum.reindex(plans.index, fill_value=False).to_numpy(dtype=bool)
    # A calibrated run names both chances where the province's record moved the producer's own (to 2 decimals).
    stated = plans["stated_probability"].to_numpy(dtype=float)
    chance = plans["success_probability"].to_numpy(dtype=float)
    calibrated = np.flatnonzero(np.round(stated, 2) != np.round(chance, 2))
    fields: dict[str, dict[str, Any]] = {}
    phrases: dict[str, np.ndarray] = {}
    for lang, column in (("en", "ineligible_reasons"), ("vi", "ineligible_reasons_vi")):
        # Every number in the language's own way: benefit, rank, share.
        rank_text = np.where(np.isnan(ranks), "", _decimals(np.nan_to_num(ranks), lang, 0))
        rank_phrases = _fill(phrase_template("rank", lang), {"rank": rank_text, "of": render(len(rank), lang)},
                             np.arange(size))
        fields[lang] = {
            **labels,
            "benefit": _decimals(plans["benefit"].to_numpy(dtype=float), lang, 2),
            "share": render(Share(scenario.max_region_share, 0), lang),
            "rank": np.where(np.isnan(ranks), "", rank_phrases).astype(object),
            "counts": _counts_toward(plans, lang),
            "reasons": plans[column].str.join("; ").fillna("").to_numpy(dtype=object),
        }
        phrases[lang] = _fill(phrase_template("calibrated", lang), {
            "stated": _decimals(stated[calibrated], lang, 2), "calibrated": _decimals(chance[calibrated], lang, 2),
        }, np.arange(len(calibrated)))
    return PlanWording(fields, calibrated, phrases, below_min)


def explain_decisions(inp: AllocationInput, funded: Iterable[str], budget: pd.DataFrame) -> pd.DataFrame:
    """One row per plan: ``plan_code``, ``funded``, ``reason`` (a code), ``explanation`` (a sentence in English)
    and ``explanation_vi`` (the same sentence in Vietnamese).

    Reasons are tried in this order: funded, not_eligible / below_min_grant, excluded_by, needs_plan,
    one_plan_per_product, region_cap, region_share, no_benefit, value_for_money, other_rules. The region
    rules apply only to plans whose organization lies within the scenario's ``region_level``. Every step works
    on whole columns: no loop over plans. What does not depend on ``funded`` comes from
    :attr:`~chainplan.allocation.data.AllocationInput.plan_wording`, written once per input.
    """
    plans = inp.plans
    scenario = inp.scenario
    index = plans.index
    size = len(index)
    chosen = index.isin(list(funded))
    wording = inp.plan_wording

    # Who excludes whom, both ways; which funded plan took the product.
    exclusions = plans["excludes_plans"].explode().dropna()
    pairs = pd.DataFrame({"plan": exclusions.index.to_numpy(dtype=object), "other": exclusions.to_numpy()})
    pairs = pd.concat([pairs, pairs.rename(columns={"plan": "other", "other": "plan"})], ignore_index=True)
    names = inp.names
    pairs = pairs.assign(label=_labels(pairs["other"], "plan", names))
    rivals = _joined(pairs[pairs["other"].isin(index[chosen])], "plan", "label", index)
    taken = plans.loc[chosen].reset_index().drop_duplicates("product_code").set_index("product_code")["code"] \
        if chosen.any() else pd.Series(dtype=object)
    sibling = plans["product_code"].map(taken)

    in_level = plans["region"].notna().to_numpy()
    funded_plans = plans.loc[chosen & in_level]
    per_region = plans["region"].map(funded_plans.groupby("region").size()).fillna(0).to_numpy()
    region_amount = plans["region"].map(funded_plans.groupby("region")["total_request"].sum()).fillna(0).to_numpy()
    total_funded = float(plans.loc[chosen, "total_request"].sum())
    cost = plans["total_request"].to_numpy(dtype=float)
    needed = plans["requires_plan"]
    short = _shortfalls(inp, budget)
    has_short = np.zeros(size, dtype=bool)
    has_short[short[0]] = True
    cap = scenario.max_plans_per_region

    with np.errstate(divide="ignore", invalid="ignore"):
        share_after = (region_amount + cost) / (total_funded + cost)
    conditions = [
        chosen,
        ~plans["eligible"].to_numpy(),
        (rivals != "").to_numpy(),
        (needed.notna() & (needed != "") & ~needed.isin(index[chosen])).to_numpy(),
        scenario.one_plan_per_product & sibling.notna().to_numpy(),
        in_level & (cap is not None) & (per_region >= (cap if cap is not None else 0)),
        in_level & (scenario.max_region_share < 1) & (total_funded + cost > 0)
        & (share_after > scenario.max_region_share + 1e-9),
        (plans["benefit"] <= 0).to_numpy(),
        has_short,
    ]
    reasons = ["funded", "not_eligible", "excluded_by", "needs_plan", "one_plan_per_product", "region_cap",
               "region_share", "no_benefit", "value_for_money"]
    reason = np.select(conditions, reasons, default="other_rules").astype(object)
    reason[(reason == "not_eligible") & wording.below_min_grant] = "below_min_grant"

    answer: dict[str, Any] = {"rival": rivals.to_numpy(dtype=object),
                              "other": _texts(_labels(sibling, "plan", names))}
    calibrated = wording.calibrated
    sentences: dict[str, np.ndarray] = {}
    for lang in ("en", "vi"):
        total = np.full(size, "", dtype=object)
        total[chosen] = _vnd_texts(plans["total_request"].to_numpy()[chosen], lang)
        fields = {**wording.fields[lang], **answer, "total": total,
                  "gap": _gap_texts(short, size, lang, names.get("line", {}))}
        out = np.full(size, "", dtype=object)
        for why in (*reasons, "below_min_grant", "other_rules"):
            rows = np.flatnonzero(reason == why)
            if len(rows):
                template = decision_template("not_eligible" if why == "below_min_grant" else why, lang)
                out[rows] = _fill(template, fields, rows)
        if len(calibrated):
            out[calibrated] = out[calibrated] + wording.calibrated_phrases[lang]
        sentences[lang] = out
    return pd.DataFrame({"plan_code": index.to_numpy(dtype=object), "funded": chosen, "reason": reason,
                         "explanation": sentences["en"], "explanation_vi": sentences["vi"]})
