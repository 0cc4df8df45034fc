"""Every decision in words a committee member understands, and the value of more money per budget line."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from chainplan.allocation.data import TARGET_OUTCOMES, AllocationInput
from chainplan.allocation.wording import LANGS, counts_phrase, decision_sentence, gap_phrase, rank_phrase
from chainplan.money import format_vnd

__all__ = ["benefit_per_vnd_rank", "explain_decisions"]


def benefit_per_vnd_rank(inp: AllocationInput) -> pd.Series:
    """Rank (1 = best) of each eligible plan by benefit per VND requested; a plan asking nothing ranks first.

    Ties are broken by plan code, so the same input always gives the same order.
    """
    eligible = inp.eligible
    ratio = (eligible["benefit"] / eligible["total_request"].where(eligible["total_request"] > 0)).fillna(np.inf)
    codes = eligible.index.to_numpy(dtype=object)
    order = codes[np.lexsort((codes.astype(str), -ratio.to_numpy(dtype=float)))]
    return pd.Series(np.arange(1, len(order) + 1, dtype="int64"), index=pd.Index(order, dtype=object))


def _joined(pairs: pd.DataFrame, key: str, value: str, index: pd.Index) -> pd.Series:
    """For each code of ``index``: the sorted ``value``s paired with it, joined by commas ('' when none)."""
    if pairs.empty:
        return pd.Series("", index=index, dtype=object)
    joined = pairs.sort_values(value).groupby(key)[value].agg(", ".join)
    return joined.reindex(index, fill_value="")


def _shortfalls(inp: AllocationInput, budget: pd.DataFrame) -> pd.Series:
    """Per plan: ``[(amount as written, line), …]`` for the lines its requests do not fit in what is left."""
    matrix = inp.request_matrix
    left = budget.set_index("line")["left"].reindex(matrix.columns, fill_value=0)
    requested = matrix.to_numpy(dtype=object)
    remaining = left.to_numpy(dtype=object)
    rows, cols = np.nonzero(matrix.to_numpy() > left.to_numpy()[None, :])
    gaps: dict[str, list[tuple[str, str]]] = {}
    lines = matrix.columns
    for r, c in zip(rows, cols, strict=True):
        gap = int(requested[r, c]) - int(remaining[c])
        gaps.setdefault(matrix.index[r], []).append((format_vnd(gap), str(lines[c])))
    empty: list[tuple[str, str]] = []
    return pd.Series([gaps.get(code, empty) for code in inp.plans.index], index=inp.plans.index, dtype=object)


def _counts_toward(plans: pd.DataFrame) -> pd.Series:
    """Per plan: the targets it counts toward (a list of target codes)."""
    flags = pd.DataFrame({target: plans[outcome] > 0 for target, outcome in TARGET_OUTCOMES.items()},
                         index=plans.index)
    names = np.array(list(TARGET_OUTCOMES), dtype=object)
    return pd.Series([list(names[row]) for row in flags.to_numpy()], index=plans.index, dtype=object)


def explain_decisions(inp: AllocationInput, funded: Iterable[str], budget: pd.DataFrame) -> pd.DataFrame:
    """One row per plan: ``plan_code``, ``funded``, ``reason`` (a code), ``explanation`` (a sentence in English)
    and ``explanation_vi`` (the same sentence in Vietnamese).

    Reasons are tried in this order: funded, not_eligible / below_min_grant, excluded_by, needs_plan,
    one_plan_per_product, region_cap, region_share, no_benefit, value_for_money, other_rules. The region
    rules apply only to plans whose organization lies within the scenario's ``region_level``.
    """
    plans = inp.plans
    scenario = inp.scenario
    index = plans.index
    chosen = index.isin(list(funded))
    rank = benefit_per_vnd_rank(inp)
    ranked = rank.reindex(index)
    of = len(rank)

    # Who excludes whom, both ways; which funded plan took the product.
    exclusions = plans["excludes_plans"].explode().dropna()
    pairs = pd.DataFrame({"plan": exclusions.index.to_numpy(dtype=object), "other": exclusions.to_numpy()})
    pairs = pd.concat([pairs, pairs.rename(columns={"plan": "other", "other": "plan"})], ignore_index=True)
    rivals = _joined(pairs[pairs["other"].isin(index[chosen])], "plan", "other", index)
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
        short.map(bool).to_numpy(dtype=bool),
    ]
    reasons = ["funded", "not_eligible", "excluded_by", "needs_plan", "one_plan_per_product", "region_cap",
               "region_share", "no_benefit", "value_for_money"]
    reason = pd.Series(np.select(conditions, reasons, default="other_rules"), index=index, dtype=object)
    ineligible = plans["ineligible_reasons"]
    below_min = ineligible.map(lambda why: bool(why) and all("minimum grant" in r for r in why))
    reason[(reason == "not_eligible") & below_min] = "below_min_grant"

    toward = _counts_toward(plans)
    sentences: dict[str, list[str]] = {lang: [] for lang in LANGS}
    share = f"{scenario.max_region_share:.0%}"
    for why, row_rank, benefit, total, product, region, rival, need, other, gap, counts, en, vi in zip(
            reason, ranked, plans["benefit"], plans["total_request"], plans["product_code"], plans["region"],
            rivals, needed, sibling, short, toward, ineligible, plans["ineligible_reasons_vi"], strict=True):
        position = None if row_rank != row_rank else int(row_rank)
        for lang in LANGS:
            params: dict[str, object] = {"rank": rank_phrase(position, of, lang)}
            if why == "funded":
                params.update(total=format_vnd(total), benefit=f"{benefit:.2f}", counts=counts_phrase(counts, lang))
            elif why in ("not_eligible", "below_min_grant"):
                params["reasons"] = "; ".join(vi if lang == "vi" else en)
            else:
                params.update(rival=rival, need=need, other=other, product=product, region=region, cap=cap,
                              share=share, gap=gap_phrase(gap, lang))
            template = "not_eligible" if why == "below_min_grant" else why
            sentences[lang].append(decision_sentence(template, params, lang))
    return pd.DataFrame({"plan_code": index.to_numpy(dtype=object), "funded": chosen, "reason": reason.to_numpy(),
                         "explanation": sentences["en"], "explanation_vi": sentences["vi"]})
