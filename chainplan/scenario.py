"""Scenario files: the committee's rules, weights and targets for one allocation, validated by a schema.

A scenario may ``extends:`` another file (a path relative to itself); mappings merge key by key, everything
else is replaced. Unknown keys, wrong types and impossible values are rejected with the key's path.

Examples
--------
>>> scenario = Scenario.model_validate({"name": "try", "targets": {"new_products": {"min": 5}}})
>>> scenario.targets.new_products.min, scenario.weights.new_product, scenario.solver
(5.0, 10.0, 'highs')
>>> Scenario.model_validate({"name": "x", "budget_scale": -1})
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Scenario
budget_scale
  Input should be greater than or equal to 0 [type=greater_than_equal, input_value=-1, input_type=int]
...
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chainplan.dataset import InputProblem, problems_message
from chainplan.errors import ChainplanError, exact_number
from chainplan.io.cells import control_character
from chainplan.money import MoneyError, parse_vnd
from chainplan.wording import Joined, Money, NameBook, Ref
from chainplan.wording.numbers import DecimalError, parse_decimal

__all__ = [
    "TARGET_NAMES",
    "Bound",
    "Scenario",
    "ScenarioError",
    "ScenarioValueRefused",
    "Targets",
    "Weights",
    "load_scenario",
    "scenario_from_mapping",
    "scenario_title",
    "scenario_with_changes",
]

Stage = Literal["commune", "district", "province"]
_DEFAULT_STAGES: tuple[Stage, ...] = ("district", "province")


class ScenarioError(ChainplanError, ValueError):
    """A scenario file that cannot be used; ``problems`` name the key path and the reason."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = list(problems)
        super().__init__("error.scenario.problems", count=len(self.problems))

    def message(self, lang: str, names: NameBook | None = None) -> str:
        return problems_message(self.code, self.problems, lang, names)


class ScenarioValueRefused(ChainplanError, ValueError):
    """A value the scenario's own rules refuse (raised inside the schema, reported as a problem of its key)."""


class _Strict(BaseModel):
    # No infinity or NaN in any number, checked before its bounds (NaN read as "must be at least 0").
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_true_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        # Pydantic reads YAML's true/false as 1/0 where a number is meant: `mip_gap: true` ran at a gap of 1. Other
        # fields (text, choices, lists) refuse a true/false by their own type, with their own reason.
        if isinstance(value, bool) and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            # A number, or a number or None; not a mapping to numbers (get_args of dict[str, int] names int too).
            container = get_origin(annotation) in (dict, list)
            accepted = (annotation,) if container else get_args(annotation) or (annotation,)
            if bool not in accepted and (int in accepted or float in accepted):
                raise ScenarioValueRefused("error.value.not_a_number")
        return value


class Bound(_Strict):
    """A target's lower and/or upper bound."""

    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Bound:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ScenarioValueRefused("error.scenario.min_above_max", min=exact_number(self.min),
                                       max=exact_number(self.max))
        if self.min is None and self.max is None:
            raise ScenarioValueRefused("error.scenario.no_bound")
        return self


class ShareBound(Bound):
    min: float | None = Field(default=None, ge=0, le=1)
    max: float | None = Field(default=None, ge=0, le=1)


class Weights(_Strict):
    """Benefit of a funded plan = success_probability × Σ weight × outcome."""

    score_gain: float = 1.0
    star_upgrade: float = 5.0
    new_product: float = 10.0
    new_organization: float = 10.0
    supermarket_entry: float = 10.0
    national_5_star: float = 20.0
    safe_food_chain: float = 5.0
    e_stamp: float = 2.0
    gap_closed: float = 10.0
    priority_points: float = 0.0


class Targets(_Strict):
    """The year's targets, counted over funded plans as expected values."""

    new_products: Bound | None = None
    new_organizations: Bound | None = None
    supermarket_entries: Bound | None = None
    rated_3_to_5_stars: Bound | None = None
    national_5_star: Bound | None = None
    safe_food_chain: Bound | None = None
    e_stamp_share: ShareBound | None = None

    def items(self) -> list[tuple[str, Bound]]:
        return [(name, bound) for name in TARGET_NAMES if (bound := getattr(self, name)) is not None]


TARGET_NAMES: tuple[str, ...] = (
    "new_products", "new_organizations", "supermarket_entries", "rated_3_to_5_stars", "national_5_star",
    "safe_food_chain", "e_stamp_share",
)


class Scenario(_Strict):
    """One allocation question: which rules, which weights, which targets, which solver."""

    name: str = Field(min_length=1)
    description: str = ""
    #: What a Vietnamese reader sees; ``name`` stays the scenario's one key in every language. A scenario that
    #: extends another does not inherit these (its own name would otherwise read as its base's).
    name_vi: str = ""
    description_vi: str = ""
    extends: str | None = None
    #: The programme year whose plans and budget lines the run reads (default: the latest year with plans).
    year: int | None = Field(default=None, ge=2000, le=2100)
    required_appraisals: list[Stage] = Field(default_factory=lambda: list(_DEFAULT_STAGES))
    budget_lines: dict[str, int] = Field(default_factory=dict)
    budget_scale: float = Field(default=1.0, ge=0)
    min_grant_vnd: int = Field(default=0, ge=0)
    max_plans_per_region: int | None = Field(default=None, ge=0)
    region_level: Stage = "district"
    min_region_share: float = Field(default=0.0, ge=0, le=1)
    max_region_share: float = Field(default=1.0, ge=0, le=1)
    one_plan_per_product: bool = True
    weights: Weights = Field(default_factory=Weights)
    targets: Targets = Field(default_factory=Targets)
    target_mode: Literal["soft", "hard"] = "soft"
    shortfall_penalty: float = Field(default=1000.0, ge=0)
    #: ``expected``: targets count expected values. ``robust``: each counted target must hold with probability
    #: ``confidence`` (normal approximation, met exactly by outer approximation; README "Robust allocation").
    objective: Literal["expected", "robust"] = "expected"
    confidence: float = Field(default=0.9, gt=0.5, lt=1)
    solver: Literal["cbc", "highs"] = "highs"
    time_limit_s: float = Field(default=60.0, gt=0)
    mip_gap: float = Field(default=0.0, ge=0, le=1)
    #: ``True``: a plan whose organization has a ``violation`` inspection with no ``resolved_on`` is not eligible.
    exclude_unresolved_violations: bool = False
    #: ``calibrated``: each plan's probability shrunk toward the province's record for its purpose
    #: (:mod:`chainplan.programme.calibration`); ``stated``: as the producer wrote it.
    success_probability: Literal["stated", "calibrated"] = "stated"
    #: k of the posterior p' = (s + k·p) / (n + k): how many finished plans the stated probability weighs.
    calibration_strength: float = Field(default=5.0, gt=0)
    #: A phase file (:mod:`chainplan.programme.phases`); read relative to the scenario file that names it, and
    #: kept as an absolute path. Targets the scenario leaves out come from the phase's remaining targets.
    phase: str | None = None

    @field_validator("budget_lines")
    @classmethod
    def _amounts(cls, value: dict[str, int]) -> dict[str, int]:
        for code, amount in value.items():
            if amount < 0:
                raise ScenarioValueRefused("error.scenario.negative_line", line=Ref("line", code), amount=Money(amount))
        return value

    @field_validator("name", "name_vi", "description", "description_vi")
    @classmethod
    def _printable(cls, value: str, info: ValidationInfo) -> str:
        # Names and descriptions reach pages, packs and workbooks, which cannot hold a control character; only a
        # description may break lines.
        found = control_character(value, allow_line_breaks=str(info.field_name).startswith("description"))
        if found:
            raise ScenarioValueRefused("error.value.control_character", point=found)
        return value

    def title(self, lang: str) -> str:
        """The scenario's name in ``lang`` (its ``name`` when there is no Vietnamese one).

        Examples
        --------
        >>> Scenario(name="equity", name_vi="Công bằng vùng").title("vi"), Scenario(name="equity").title("vi")
        ('Công bằng vùng', 'equity')
        """
        return self.name_vi if lang == "vi" and self.name_vi else self.name

    def summary(self, lang: str) -> str:
        """The scenario's description in ``lang`` (the English one when there is no Vietnamese one)."""
        return self.description_vi if lang == "vi" and self.description_vi else self.description

    @property
    def has_regional_rules(self) -> bool:
        """Whether any rule works per region at ``region_level``."""
        return self.max_plans_per_region is not None or self.min_region_share > 0 or self.max_region_share < 1

    @model_validator(mode="after")
    def _shares(self) -> Scenario:
        if self.min_region_share > self.max_region_share:
            raise ScenarioValueRefused("error.scenario.shares", min=exact_number(self.min_region_share),
                                       max=exact_number(self.max_region_share))
        return self


def scenario_title(scenario: Mapping[str, Any], lang: str) -> str:
    """The name in ``lang`` of a scenario kept as a mapping (a stored run's), as :meth:`Scenario.title` gives it.

    Examples
    --------
    >>> scenario_title({"name": "equity", "name_vi": "Công bằng vùng"}, "vi"), scenario_title({"name": "x"}, "vi")
    ('Công bằng vùng', 'x')
    """
    name, name_vi = str(scenario.get("name") or ""), str(scenario.get("name_vi") or "")
    return name_vi if lang == "vi" and name_vi else name


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class _WrittenFloat(float):
    """A YAML float that remembers how it was written: ``300.000`` is 300 thousand VND to a Vietnamese planner."""

    text: str


class _ScenarioLoader(yaml.SafeLoader):
    """YAML's safe loader, keeping the written text of floats so that money keys can be read like cells, and
    refusing a key written twice in one mapping (YAML keeps the last one without a word)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue  # an unhashable key: the schema refuses it by its type
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"the key {key!r} is written twice",
                    key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _float_as_written(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    value = _WrittenFloat(loader.construct_yaml_float(node))
    value.text = str(node.value)
    return value


_ScenarioLoader.add_constructor("tag:yaml.org,2002:float", _float_as_written)

#: Keys whose values are whole VND; ``budget_lines`` maps line codes to amounts.
MONEY_KEYS = ("min_grant_vnd",)


def _vnd(value: object) -> int:
    """Read a money value the way a workbook cell is read (``300.000`` and ``"1.500.000.000"`` included)."""
    if isinstance(value, _WrittenFloat):
        try:
            return parse_vnd(value.text.replace("_", ""))
        except MoneyError:
            if "e" in value.text.lower() and float(value).is_integer():
                return parse_vnd(int(value))  # 1.5e9: whole VND written in scientific notation
            raise
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return parse_vnd(value)
    raise MoneyError("error.money.not_whole")


def _read_money(document: dict[str, Any], source: str, problems: list[InputProblem]) -> dict[str, Any]:
    """The document with its money keys read as whole VND. A bad amount is added to ``problems`` with its key path
    and left out, so the schema can still report every other problem of the file at the same time."""
    money = dict(document)
    for key in MONEY_KEYS:
        if key in money and money[key] is not None:
            try:
                money[key] = _vnd(money[key])
            except MoneyError as exc:
                problems.append(InputProblem(None, None, None, _plain_value(money[key]), exc.code, source, key=key,
                                             params=exc.params))
                del money[key]
    lines = money.get("budget_lines")
    if isinstance(lines, dict):
        read_lines = {}
        for code, amount in lines.items():
            try:
                read_lines[code] = _vnd(amount)
            except MoneyError as exc:
                problems.append(InputProblem(None, None, None, _plain_value(amount), exc.code, source,
                                             key=f"budget_lines.{code}", params=exc.params))
        money["budget_lines"] = read_lines
    return money


#: Keys whose values are decimals; ``weights.*`` and ``targets.*.min``/``max`` are decimals too.
NUMBER_KEYS = ("budget_scale", "max_plans_per_region", "min_region_share", "max_region_share", "shortfall_penalty",
               "confidence", "time_limit_s", "mip_gap", "calibration_strength")


def _decimal(value: object, key: str, source: str, problems: list[InputProblem]) -> object:
    """Text read as a decimal (``0,93`` and ``0.93`` alike; blank is no value); anything else as it is, for the
    schema to check. Text that is not a number is added to ``problems`` with its key and the text as written."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        return parse_decimal(value)
    except DecimalError:
        problems.append(InputProblem(None, None, None, value, "error.value.not_a_number", source, key=key))
        return _NOT_A_NUMBER


#: Marks a value :func:`_decimal` refused (already a problem): the key is left out of what the schema checks.
_NOT_A_NUMBER = object()


def _read_numbers(document: dict[str, Any], source: str, problems: list[InputProblem]) -> dict[str, Any]:
    """The document with the text of its decimal keys read as numbers, as a person types them in a form.

    A form sends what was typed, not what a browser made of it: ``0,93`` is 0.93 (never 93), and ``2,5`` plans per
    region stays 2.5 for the schema to refuse (a browser would have sent nothing, and the cap would be gone).
    """
    read = dict(document)
    for key in NUMBER_KEYS:
        if key in read:
            read[key] = _decimal(read[key], key, source, problems)
    for group in ("weights", "targets"):
        if isinstance(read.get(group), dict):
            read[group] = dict(read[group])
    weights = read.get("weights")
    if isinstance(weights, dict):
        for name in list(weights):
            weights[name] = _decimal(weights[name], f"weights.{name}", source, problems)
    targets = read.get("targets")
    if isinstance(targets, dict):
        for name, bound in list(targets.items()):
            if isinstance(bound, dict):
                targets[name] = {end: _decimal(value, f"targets.{name}.{end}", source, problems)
                                 for end, value in bound.items()}
    return _without(read, _NOT_A_NUMBER)


def _without(document: dict[str, Any], marker: object) -> dict[str, Any]:
    """``document`` without the keys whose value is ``marker``, at every depth."""
    return {key: _without(value, marker) if isinstance(value, dict) else value for key, value in document.items()
            if value is not marker}


def _plain_value(value: object) -> object:
    if isinstance(value, _WrittenFloat):
        return value.text
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _read(path: Path, chain: tuple[Path, ...], money_problems: list[InputProblem]) -> dict[str, Any]:
    source = str(path)
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError([InputProblem(None, None, None, None, "error.scenario.extends_cycle", source,
                                          key="extends", params={"cycle": cycle})])
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([InputProblem(None, None, None, None, "error.scenario.no_file", source)]) from None
    except IsADirectoryError:
        raise ScenarioError([InputProblem(None, None, None, None, "error.scenario.is_folder", source)]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([InputProblem(None, None, None, None, "error.scenario.not_utf8", source,
                                          params={"byte": exc.start})]) from None
    except OSError as exc:
        raise ScenarioError([InputProblem(None, None, None, None, "error.scenario.unreadable", source,
                                          params={"detail": exc.strerror or str(exc)})]) from None
    try:
        document = yaml.load(text, Loader=_ScenarioLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc)
        # Line and column are places in the file, written as the editor shows them (no thousands separator).
        found = (InputProblem(None, None, None, None, "error.scenario.bad_yaml_at", source,
                              params={"line": str(mark.line + 1), "column": str(mark.column + 1), "problem": problem})
                 if mark is not None else
                 InputProblem(None, None, None, None, "error.scenario.bad_yaml", source, params={"problem": problem}))
        raise ScenarioError([found]) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ScenarioError([InputProblem(None, None, None, None, "error.value.not_a_mapping", source)])
    document = _read_money(document, source, money_problems)
    if isinstance(document.get("phase"), str) and document["phase"].strip():
        # Relative to the file that names it, as ``extends`` is: a base scenario's phase stays its own.
        document["phase"] = str((path.parent / document["phase"].strip()).resolve())
    parent = document.get("extends")
    if parent is None:
        return document
    if not isinstance(parent, str):
        raise ScenarioError([InputProblem(None, None, None, parent, "error.scenario.extends_not_path", source,
                                          key="extends")])
    base = _read((path.parent / parent).resolve(), (*chain, path), money_problems)
    if "name" not in document:
        raise ScenarioError([InputProblem(None, None, None, None, "error.scenario.extends_needs_name", source,
                                          key="name")])
    return _merge(_own_titles(base, document), document)


def _own_titles(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``base`` without its Vietnamese name and its descriptions when ``override`` renames the scenario: they
    describe the base, and a Vietnamese page would otherwise fall back to the base's English description.

    Examples
    --------
    >>> base = {"name": "b", "name_vi": "Cơ sở", "description": "Seed targets", "description_vi": "Chỉ tiêu gốc"}
    >>> _own_titles(base, {"name": "mine"})
    {'name': 'b'}
    >>> _own_titles(base, {"name": "b"}) == base
    True
    """
    if "name" in override and override["name"] != base.get("name"):
        return {k: v for k, v in base.items() if k not in ("name_vi", "description", "description_vi")
                or k in override}
    return base


def scenario_from_mapping(document: dict[str, Any], source: str | None = None) -> Scenario:
    """Validate a scenario given as a mapping; errors carry each key's path."""
    try:
        return Scenario.model_validate(document)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = ".".join(str(part) for part in error["loc"]) or "(scenario)"
            value = error.get("input") if error["type"] not in ("missing",) else None
            if isinstance(value, dict | list):
                value = None
            code, params = _schema_problem(error)
            problems.append(InputProblem(None, None, None, value, code, source, key=path, params=params))
        raise ScenarioError(problems) from None


#: The schema's checks by pydantic's error type: the code of the reason (a value-error carries its own).
_SCHEMA_CODES = {
    "extra_forbidden": "error.scenario.unknown_key", "missing": "error.scenario.missing_key",
    "float_type": "error.value.not_a_number", "float_parsing": "error.value.not_a_number",
    "finite_number": "error.value.not_finite", "int_type": "error.value.not_whole",
    "int_parsing": "error.value.not_whole", "int_from_float": "error.value.not_whole",
    "bool_type": "error.value.not_true_false", "bool_parsing": "error.value.not_true_false",
    "string_type": "error.value.not_text", "string_too_short": "error.value.empty",
    "list_type": "error.value.not_a_list", "dict_type": "error.value.not_a_mapping",
    "model_type": "error.value.not_a_mapping", "model_attributes_type": "error.value.not_a_mapping",
}
#: Bounds by pydantic's error type: the code, the bound's name in pydantic's context and in the message.
_SCHEMA_BOUNDS = {
    "greater_than_equal": ("error.value.at_least", "ge", "minimum"),
    "greater_than": ("error.value.greater_than", "gt", "minimum"),
    "less_than_equal": ("error.value.at_most", "le", "maximum"),
    "less_than": ("error.value.less_than", "lt", "maximum"),
}


def _schema_problem(error: Any) -> tuple[str, dict[str, Any]]:
    """The catalogue code and parameters of one schema error (pydantic's own sentence is English only)."""
    kind, context = error["type"], error.get("ctx") or {}
    refused = context.get("error")
    if isinstance(refused, ChainplanError):
        return refused.code, dict(refused.params)
    if kind in _SCHEMA_BOUNDS:
        code, bound, name = _SCHEMA_BOUNDS[kind]
        # A year is written as a year (2100), never grouped as a quantity (2,100).
        is_year = error.get("loc", ())[-1:] == ("year",)
        return code, {name: str(context[bound]) if is_year else exact_number(context[bound])}
    if kind == "literal_error":
        return "error.value.one_of", {"choices": Joined(tuple(re.findall(r"'([^']*)'", context["expected"])))}
    if kind in _SCHEMA_CODES:
        return _SCHEMA_CODES[kind], {}
    return "error.value.invalid", {"detail": error["msg"]}


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario file (following ``extends:``) and validate it."""
    resolved = Path(path).resolve()
    money_problems: list[InputProblem] = []
    document = _read(resolved, (), money_problems)
    try:
        scenario = scenario_from_mapping(document, str(path))
    except ScenarioError as exc:
        raise ScenarioError([*money_problems, *exc.problems]) from None
    if money_problems:
        raise ScenarioError(money_problems)
    return scenario


def scenario_with_changes(base: Scenario, changes: dict[str, Any], source: str = "form") -> Scenario:
    """``base`` with ``changes`` merged in (nested keys merge; ``None`` in a target removes that target).

    Money keys are read as in a file (``"300.000"`` is 300,000 VND); decimal keys given as text are read as a person
    types them (``"0,93"`` and ``"0.93"`` are both 0.93; blank is no value); every problem is reported at once, each
    with its key path and the text as written, as for a file.

    Examples
    --------
    >>> base = Scenario(name="base")
    >>> changed = scenario_with_changes(base, {"min_grant_vnd": "300.000", "weights": {"e_stamp": 4}})
    >>> changed.min_grant_vnd, changed.weights.e_stamp, changed.weights.new_product
    (300000, 4.0, 10.0)
    >>> scenario_with_changes(base, {"budget_scale": "0,93", "max_plans_per_region": "4"}).budget_scale
    0.93
    >>> scenario_with_changes(base, {"budget_scale": -1, "min_grant_vnd": "lots", "max_plans_per_region": "2,5"})
    Traceback (most recent call last):
    ...
    chainplan.scenario.ScenarioError: 3 problem(s) in the scenario:
    ...
    """
    money_problems: list[InputProblem] = []
    changes = _read_numbers(_read_money(dict(changes), source, money_problems), source, money_problems)
    document = _merge(_own_titles(base.model_dump(exclude={"extends"}), changes), changes)
    targets = document.get("targets")
    if isinstance(targets, dict):
        document["targets"] = {key: bound for key, bound in targets.items() if bound is not None}
    try:
        scenario = scenario_from_mapping(document, source)
    except ScenarioError as exc:
        raise ScenarioError([*money_problems, *exc.problems]) from None
    if money_problems:
        raise ScenarioError(money_problems)
    return scenario
