"""From a dataset and a scenario to the allocation's input tables: eligibility, outcomes, benefits, money.

One outcome table serves both the benefit (weights × outcomes) and the targets (outcomes counted over funded
plans), so a plan that counts toward a target is valued for the same reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from chainplan.allocation.wording import eligibility_sentence
from chainplan.chains import ChainNetwork, Gap, gaps_closed_by_plan, products_reaching_supermarket
from chainplan.dataset import Dataset, InputProblem, region_ancestors, region_at_level
from chainplan.money import MAX_VND, scale_vnd
from chainplan.names import name_book
from chainplan.programme.inspections import unresolved_violations
from chainplan.scenario import Scenario, ScenarioError
from chainplan.schema import APPRAISAL_STAGES
from chainplan.wording import Joined, Money, Term

if TYPE_CHECKING:
    from chainplan.allocation.explain import PlanWording

__all__ = [
    "OUTCOMES",
    "TARGET_OUTCOMES",
    "AllocationInput",
    "derive_ahead",
    "eligibility_reasons",
    "plan_outcomes",
    "prepare",
    "stars_for_score",
]

#: Outcomes of a plan that the weights value (same names as the weights).
OUTCOMES: tuple[str, ...] = (
    "score_gain", "star_upgrade", "new_product", "new_organization", "supermarket_entry", "national_5_star",
    "safe_food_chain", "e_stamp", "gap_closed", "priority_points",
)
#: Which outcome each counted target counts (``e_stamp_share`` is a share, handled apart).
TARGET_OUTCOMES: dict[str, str] = {
    "new_products": "new_product",
    "new_organizations": "new_organization",
    "supermarket_entries": "supermarket_entry",
    "rated_3_to_5_stars": "rated_3_to_5_stars",
    "national_5_star": "national_5_star",
    "safe_food_chain": "safe_food_chain",
}


def stars_for_score(score: float | None) -> int:
    """OCOP stars for a score: 1★ < 30, 2★ 30–49, 3★ 50–69, 4★ 70–89, 5★ 90–100; 0 when unknown.

    Examples
    --------
    >>> [stars_for_score(s) for s in (None, 10, 30, 49.9, 50, 70, 89.9, 90)]
    [0, 1, 2, 2, 3, 4, 4, 5]
    """
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return 0
    return 1 if score < 30 else 2 if score < 50 else 3 if score < 70 else 4 if score < 90 else 5


def _stars_for_scores(scores: pd.Series) -> pd.Series:
    """:func:`stars_for_score` over a column of scores, in one array operation."""
    values = scores.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        stars = np.select([np.isnan(values), values < 30, values < 50, values < 70, values < 90], [0, 1, 2, 3, 4], 5)
    return pd.Series(stars, index=scores.index, dtype=int)


def plan_outcomes(ds: Dataset, gaps_closed: Mapping[str, list[Gap]]) -> pd.DataFrame:
    """Each plan's outcomes if it succeeds (not yet weighted by ``success_probability``), indexed by plan code.

    Besides :data:`OUTCOMES`: ``rated_3_to_5_stars`` (product below 3★ today, expected score ≥ 50),
    ``stamp_numerator`` and ``stamp_denominator`` (how the plan moves the count of stamped products rated 3★+
    and of products rated 3★+, for the ``e_stamp_share`` target).
    """
    products = ds.products.set_index("code")
    plans = ds.plans.set_index("code")
    product = products.loc[plans["product_code"]].set_axis(plans.index)
    expected = plans["expected_score"]
    stars_now = product["stars"].astype(int)
    stars_after = _stars_for_scores(expected)
    current_score = product["ocop_score"].fillna(0.0)
    reaches_today = plans["product_code"].map(products_reaching_supermarket(ds)).astype(bool)
    rated_before = stars_now >= 3
    rated_after = rated_before | (stars_after >= 3)
    stamped_before = product["e_stamp"].astype(bool)
    stamped_after = stamped_before | plans["adds_e_stamp"].astype(bool)
    outcomes = pd.DataFrame(index=plans.index)
    outcomes["score_gain"] = (expected.fillna(current_score) - current_score).clip(lower=0.0)
    outcomes["star_upgrade"] = (stars_after - stars_now).clip(lower=0).where(expected.notna(), 0).astype(float)
    outcomes["new_product"] = plans["creates_new_product"].astype(float)
    outcomes["new_organization"] = plans["creates_organization"].astype(float)
    outcomes["supermarket_entry"] = (plans["enters_supermarket"] & ~reaches_today).astype(float)
    outcomes["national_5_star"] = ((stars_now < 5) & (expected >= 90)).astype(float)
    outcomes["safe_food_chain"] = (plans["joins_safe_food_chain"] & ~product["safe_food_chain"].astype(bool)).astype(
        float)
    outcomes["e_stamp"] = (plans["adds_e_stamp"] & ~stamped_before).astype(float)
    closed = pd.Series({code: len(gaps) for code, gaps in gaps_closed.items()}, dtype=float)
    outcomes["gap_closed"] = closed.reindex(plans.index, fill_value=0.0) if len(closed) else 0.0
    outcomes["priority_points"] = plans["priority_points"].astype(float)
    outcomes["rated_3_to_5_stars"] = ((stars_now < 3) & (expected >= 50)).astype(float)
    outcomes["stamp_numerator"] = ((rated_after & stamped_after).astype(float)
                                   - (rated_before & stamped_before).astype(float))
    outcomes["stamp_denominator"] = rated_after.astype(float) - rated_before.astype(float)
    return outcomes


@dataclass
class AllocationInput:
    """Everything the formulation, the baselines and the explanations read."""

    scenario: Scenario
    plans: pd.DataFrame
    requests: pd.DataFrame
    lines: pd.DataFrame
    stamp_base: tuple[float, float]
    gaps_closed: dict[str, list[Gap]] = field(default_factory=dict)
    #: What a person reads in place of a code (``{kind: {code: name}}``, :func:`chainplan.names.name_book`).
    names: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def eligible(self) -> pd.DataFrame:
        return self.plans[self.plans["eligible"]]

    @cached_property
    def plan_wording(self) -> PlanWording:
        """What the decisions' sentences say of each plan whatever is funded
        (:func:`~chainplan.allocation.explain.plan_wording`), written once: a run writes it while the solver
        works."""
        from chainplan.allocation.explain import plan_wording  # the explanations read this module

        return plan_wording(self)

    @cached_property
    def request_matrix(self) -> pd.DataFrame:
        """Plans × budget lines, VND requested (0 where none); computed once, read by results and explanations."""
        return self.requests.pivot_table(index="plan_code", columns="budget_line_code", values="amount_vnd",
                                         aggfunc="sum", fill_value=0).reindex(columns=self.lines.index, fill_value=0)


def _available(ds: Dataset, scenario: Scenario) -> pd.DataFrame:
    lines = ds.budget_lines.set_index("code")[["name", "source", "amount_vnd", "region_code"]].copy()
    unknown = sorted(set(scenario.budget_lines) - set(lines.index))
    if unknown:
        raise ScenarioError([InputProblem(None, None, None, code, "error.dataset.unknown_line",
                                          key=f"budget_lines.{code}")
                             for code in unknown])
    for code, amount in scenario.budget_lines.items():
        lines.loc[code, "amount_vnd"] = amount
    # Exact: floor(amount × scale) in integers, the scale read as the decimal the committee wrote.
    scaled = [scale_vnd(int(a), scenario.budget_scale) for a in lines["amount_vnd"]]
    # Each amount is at most MAX_VND as written; scaled up it may not be (nor fit the int64 columns).
    too_large = [InputProblem(None, None, None, scenario.budget_scale, "error.scenario.scaled_line_too_large",
                              key="budget_scale", params={"line": code, "maximum": Money(MAX_VND)})
                 for code, amount in zip(lines.index, scaled, strict=True) if amount > MAX_VND]
    if too_large:
        raise ScenarioError(too_large[:1])
    lines["available"] = pd.Series(scaled, index=lines.index, dtype="int64")
    return lines


def eligibility_reasons(ds: Dataset, scenario: Scenario, totals: pd.Series | None = None, *,
                        lang: str = "en") -> pd.Series:
    """Reasons a plan may not be funded at all (empty list = eligible), before the optimisation, per plan code.

    In this order: each required appraisal stage (missing, pending, failed), each request on a line reserved for
    another region, the minimum grant, then a required plan that is itself not eligible. ``totals`` is each plan's
    total request in VND (computed from ``plan_requests`` when not given); ``lang`` is ``en`` or ``vi``.
    """
    return _in_words(_ineligibility(ds, scenario, totals), lang, name_book(ds))


def _in_words(reasons: dict[str, list[tuple[str, dict[str, Any]]]], lang: str,
              names: dict[str, dict[str, str]]) -> pd.Series:
    """The reasons of :func:`_ineligibility` as sentences in ``lang`` (a new list per plan, empty when eligible).

    Thousands of plans share a reason ("province appraisal still pending"): each distinct one is written once.
    """
    written: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = {}

    def sentence(code: str, params: dict[str, Any]) -> str:
        key = (code, tuple(sorted(params.items())))
        if key not in written:
            written[key] = eligibility_sentence(code, _named(params, names), lang)
        return written[key]

    return pd.Series([[sentence(code, params) for code, params in found] for found in reasons.values()],
                     index=pd.Index(list(reasons), dtype=object), dtype=object)


def _named(params: dict[str, Any], names: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A reason's codes as a person reads them: a plan as its code and what it is, a line or region by name."""
    named = dict(params)
    if "need" in named and named["need"] in names.get("plan", {}):
        named["need"] = f"{named['need']} ({names['plan'][named['need']]})"
    for key, kind in (("line", "line"), ("region", "region"), ("organization", "organization")):
        if key in named:
            named[key] = names.get(kind, {}).get(named[key], named[key])
    return named


def _appraisal_states(ds: Dataset) -> pd.Series:
    return ds.derived("appraisal status by plan and stage", _appraisal_states_of)


def _appraisal_states_of(ds: Dataset) -> pd.Series:
    """Each plan's appraisal status per stage (the first row of a stage), indexed by (plan, stage)."""
    return ds.appraisals.drop_duplicates(["plan_code", "stage"]).set_index(["plan_code", "stage"])["status"]


def _outside_reserved_region(ds: Dataset) -> pd.DataFrame:
    return ds.derived("requests on a line reserved for another region", _outside_reserved_region_of)


def _outside_reserved_region_of(ds: Dataset) -> pd.DataFrame:
    """Requests on a line reserved for a region the plan's organization is not in (``plan_code``,
    ``budget_line_code``, ``reserved``), in the order of the requests."""
    ancestors = region_ancestors(ds.regions)
    pairs = pd.DataFrame([(region, above) for region, chain in ancestors.items() for above in chain],
                         columns=["region", "reserved"])
    requests = ds.plan_requests[["plan_code", "budget_line_code"]].merge(
        ds.budget_lines[["code", "region_code"]].rename(columns={"code": "budget_line_code",
                                                                 "region_code": "reserved"}), how="left")
    requests = requests[requests["reserved"].notna() & (requests["reserved"] != "")]
    if not len(requests):
        return requests
    org_region = ds.plans.set_index("code")["organization_code"].map(
        ds.organizations.set_index("code")["region_code"])
    requests = requests.assign(region=requests["plan_code"].map(org_region))
    inside = requests.merge(pairs.assign(inside=True), on=["region", "reserved"], how="left")["inside"]
    return requests[inside.isna().to_numpy()]


def _ineligibility(ds: Dataset, scenario: Scenario, totals: pd.Series | None
                   ) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Per plan code, each reason it is not eligible as ``(code, parameters)``, in the order of
    :func:`eligibility_reasons`; computed once and written in either language."""
    if totals is None:
        totals = ds.plan_requests.groupby("plan_code")["amount_vnd"].sum()
    codes = ds.plans["code"]
    found: list[pd.DataFrame] = []  # columns: plan, order, code, params
    states = _appraisal_states(ds)
    for order, stage in enumerate(scenario.required_appraisals):
        state = pd.Series(states.xs(stage, level="stage"), dtype=object).reindex(codes) if len(states) else \
            pd.Series(None, index=codes, dtype=object)
        why = state.map({"pending": "pending", "failed": "failed"}).where(state.notna(), "not_appraised")
        why = why[why.notna()]
        found.append(pd.DataFrame({"plan": why.index, "order": order, "code": why.to_numpy(),
                                   "params": [{"stage": stage}] * len(why)}))
    outside = _outside_reserved_region(ds)
    if len(outside):
        found.append(pd.DataFrame({
            "plan": outside["plan_code"].to_numpy(), "order": len(scenario.required_appraisals),
            "code": "reserved_line",
            "params": [{"line": line, "region": region}
                       for line, region in zip(outside["budget_line_code"], outside["reserved"], strict=True)]}))
    total = totals.reindex(codes, fill_value=0)
    small = total[total < scenario.min_grant_vnd]
    found.append(pd.DataFrame({
        "plan": small.index, "order": len(scenario.required_appraisals) + 1, "code": "below_min_grant",
        "params": [{"total": int(v), "minimum": scenario.min_grant_vnd} for v in small.to_numpy()]}))
    if scenario.exclude_unresolved_violations:
        found.append(_violation_reasons(ds, len(scenario.required_appraisals) + 2))
    table = pd.concat(found, ignore_index=True).sort_values("order", kind="stable")
    reasons: dict[str, list[tuple[str, dict[str, Any]]]] = {code: [] for code in codes}
    for plan, code, params in zip(table["plan"], table["code"], table["params"], strict=True):  # reasons, not plans
        reasons[plan].append((code, params))
    # A plan that needs an ineligible plan cannot be funded either (repeat until nothing changes: chains).
    requires = {code: needed for code, needed in zip(codes, ds.plans["requires_plan"], strict=True) if needed}
    flagged: set[str] = set()
    changed = True
    while changed:
        changed = False
        for code, needed in requires.items():
            if reasons.get(needed) and code not in flagged:
                reasons[code].append(("needs_ineligible", {"need": needed}))
                flagged.add(code)
                changed = True
    return reasons


def _violation_reasons(ds: Dataset, order: int) -> pd.DataFrame:
    """``unresolved_violation`` for each plan of an organization with a violation not yet resolved, one reason per
    open inspection (its code, the organization, the date and the kind of check), as columns of
    :func:`_ineligibility`'s table."""
    violations = unresolved_violations(ds)
    hits = ds.plans[["code", "organization_code"]].merge(violations, on="organization_code", how="inner",
                                                          suffixes=("_plan", ""))
    return pd.DataFrame({
        "plan": hits["code_plan"].to_numpy(dtype=object), "order": order, "code": "unresolved_violation",
        "params": [{"inspection": inspection, "organization": organization, "date": date, "kind": kind}
                   for inspection, organization, date, kind in zip(hits["code"], hits["organization_code"],
                                                                   hits["inspected_on"], hits["kind"], strict=True)]})


def _requests_and_scores(ds: Dataset) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    return ds.derived("allocation: requests, totals, scores", _requests_and_scores_of)


def _requests_and_scores_of(ds: Dataset) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The requests (plan, line, VND), each plan's total request, and each plan's appraisal score: the furthest
    stage's (of two rows for one stage, the later one)."""
    requests = ds.plan_requests[["plan_code", "budget_line_code", "amount_vnd"]].reset_index(drop=True)
    totals = requests.groupby("plan_code")["amount_vnd"].sum()
    scores = ds.appraisals.dropna(subset=["score"])
    stage_rank = scores["stage"].map({stage: i for i, stage in enumerate(APPRAISAL_STAGES)})
    last_score = scores.assign(rank=stage_rank).sort_values("rank", kind="stable").groupby("plan_code")["score"].last()
    return requests, totals, last_score


def _gaps_and_outcomes(ds: Dataset) -> tuple[dict[str, list[Gap]], pd.DataFrame]:
    return ds.derived("allocation: gaps closed and outcomes", _gaps_and_outcomes_of)


def _gaps_and_outcomes_of(ds: Dataset, network: ChainNetwork | None = None
                          ) -> tuple[dict[str, list[Gap]], pd.DataFrame]:
    """The gaps each plan's new links close, and each plan's outcomes (:func:`plan_outcomes`)."""
    with_links = ds.plans[ds.plans["new_links"].str.len() > 0]
    # The chain graphs are built only for plans that propose new links (to find the gaps they close).
    gaps_closed = gaps_closed_by_plan(network or ChainNetwork.from_dataset(ds), with_links) if len(with_links) \
        else {}
    return gaps_closed, plan_outcomes(ds, gaps_closed)


def derive_ahead(ds: Dataset) -> None:
    """Work out now, once per dataset, what :func:`prepare` reads of the data alone whatever the scenario
    (requests and totals, scores, outcomes, appraisal states, requests outside their line's region): a process
    that keeps the data (``chainplan standby``) does it before the first run.

    Examples
    --------
    >>> from chainplan.demo import build_demo_dataset
    >>> ds = build_demo_dataset()
    >>> derive_ahead(ds)
    >>> prepare(ds, Scenario(name="demo")).requests.equals(prepare(ds, Scenario(name="other")).requests)
    True
    """
    _requests_and_scores(ds)
    _gaps_and_outcomes(ds)
    _appraisal_states(ds)
    _outside_reserved_region(ds)


def prepare(ds: Dataset, scenario: Scenario, *, network: ChainNetwork | None = None) -> AllocationInput:
    """The allocation input for ``scenario`` on ``ds``.

    Raises
    ------
    ScenarioError
        When the scenario names a budget line the dataset does not have.
    """
    lines = _available(ds, scenario)
    if scenario.has_regional_rules and len(ds.plans) and not (ds.regions["level"] == scenario.region_level).any():
        # Post-2025 data has no districts: silently dropping the regional rules would misallocate public money.
        levels = sorted(set(ds.regions["level"]))
        raise ScenarioError([InputProblem(None, None, None, scenario.region_level,
                                          "error.scenario.no_level" if levels else "error.scenario.no_regions",
                                          key="region_level",
                                          params={"levels": Joined(tuple(Term("stage", level) for level in levels))})])
    # What depends on the data alone is worked out once per dataset (Dataset.derived), for every scenario run on it.
    requests, totals, last_score = _requests_and_scores(ds)
    gaps_closed, outcomes = _gaps_and_outcomes(ds) if network is None else _gaps_and_outcomes_of(ds, network)
    found = _ineligibility(ds, scenario, totals)  # once; written in both languages below
    names = name_book(ds)
    reasons, reasons_vi = _in_words(found, "en", names), _in_words(found, "vi", names)
    plans = ds.plans.set_index("code")
    org_region = dict(zip(ds.organizations["code"], ds.organizations["region_code"], strict=True))
    to_level = region_at_level(ds.regions, scenario.region_level)
    weights = scenario.weights.model_dump()
    frame = pd.DataFrame(index=plans.index)
    frame["product_code"] = plans["product_code"]
    frame["organization_code"] = plans["organization_code"]
    frame["region"] = plans["organization_code"].map(org_region).map(to_level)
    # Where each plan's money is counted in a regional report: its region at region_level, or, for an
    # organization above that level, its own region (so every funded VND is counted once).
    frame["region_code"] = frame["region"].fillna(plans["organization_code"].map(org_region))
    frame["total_request"] = totals.reindex(plans.index, fill_value=0).astype("int64")
    frame["success_probability"] = plans["success_probability"].astype(float)
    # As the producer wrote it; differs from success_probability only in a calibrated run (programme.calibration).
    frame["stated_probability"] = (plans["stated_probability"] if "stated_probability" in plans.columns
                                   else plans["success_probability"]).astype(float)
    frame["appraisal_score"] = last_score.astype(float).reindex(plans.index)
    frame["requires_plan"] = plans["requires_plan"]
    frame["excludes_plans"] = plans["excludes_plans"]
    frame["ineligible_reasons"] = reasons.reindex(plans.index)
    frame["ineligible_reasons_vi"] = reasons_vi.reindex(plans.index)
    frame["eligible"] = (frame["ineligible_reasons"].str.len() == 0).astype(bool)
    frame = frame.join(outcomes)
    frame["value"] = sum(weights[name] * outcomes[name] for name in OUTCOMES)
    frame["benefit"] = frame["success_probability"] * frame["value"]
    rated = ds.products["stars"] >= 3
    stamp_base = (float((rated & ds.products["e_stamp"]).sum()), float(rated.sum()))
    # The kept frame and mapping are the dataset's: each input gets its own (a caller may change its input).
    return AllocationInput(scenario, frame, requests.copy(), lines, stamp_base, dict(gaps_closed), names)
