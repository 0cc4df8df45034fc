"""Use cases: each takes plain values and a unit of work, and returns plain values or result objects.

The command line and the web pages call these and nothing below them, so both behave the same. The use cases
live in one module per family (data, chains, runs and decisions, analysis, users, plans); this package
re-exports every one of them, so callers write ``from chainplan import services`` and ``services.NAME``.
"""

from __future__ import annotations

from chainplan.services._common import OutputNotWritable, check_writable, json_document
from chainplan.services.analysis import budget_frontier, compare, comparison_view, run_risk, weight_sensitivity
from chainplan.services.chains import (
    ChainCatalogue,
    ChainView,
    chain_catalogue,
    chain_gaps,
    chain_trace,
    chain_view,
    gap_candidates,
    indicators,
)
from chainplan.services.data import (
    MAX_UPLOAD_BYTES,
    ImportNeedsConfirmation,
    ImportRefused,
    ImportReport,
    dataset_summary,
    export_dataset,
    import_dataset,
    import_upload,
    load_dataset,
    load_demo,
    make_template,
    write_demo_workbook,
)

# Not a use case: the tests store hand-made datasets with it, as they did when the services were one module.
from chainplan.services.data import _replace as _replace
from chainplan.services.plans import (
    RegisterView,
    ScenarioChoice,
    YearTargets,
    plan_choices,
    plans_register,
    record_appraisal,
    register_view,
    scenario_choices,
    scenario_for,
    year_targets,
)
from chainplan.services.records import (
    YearChoice,
    plan_years,
    record_inspection,
    record_outcome,
    year_choice,
)
from chainplan.services.runs import (
    AllocationRun,
    adopt_run,
    allocation_view,
    audit_log,
    run_allocation,
    run_document,
    runs_overview,
    stored_run,
    stored_runs,
)
from chainplan.services.users import add_user, authenticate, change_user, ensure_demo_admin, list_users

__all__ = [
    "MAX_UPLOAD_BYTES",
    "AllocationRun",
    "ChainCatalogue",
    "ChainView",
    "ImportNeedsConfirmation",
    "ImportRefused",
    "ImportReport",
    "OutputNotWritable",
    "RegisterView",
    "ScenarioChoice",
    "YearChoice",
    "YearTargets",
    "add_user",
    "adopt_run",
    "allocation_view",
    "audit_log",
    "authenticate",
    "budget_frontier",
    "chain_catalogue",
    "chain_gaps",
    "chain_trace",
    "chain_view",
    "change_user",
    "check_writable",
    "compare",
    "comparison_view",
    "dataset_summary",
    "ensure_demo_admin",
    "export_dataset",
    "gap_candidates",
    "import_dataset",
    "import_upload",
    "indicators",
    "json_document",
    "list_users",
    "load_dataset",
    "load_demo",
    "make_template",
    "plan_choices",
    "plan_years",
    "plans_register",
    "record_appraisal",
    "record_inspection",
    "record_outcome",
    "register_view",
    "run_allocation",
    "run_document",
    "run_risk",
    "runs_overview",
    "scenario_choices",
    "scenario_for",
    "stored_run",
    "stored_runs",
    "weight_sensitivity",
    "write_demo_workbook",
    "year_choice",
    "year_targets",
]
