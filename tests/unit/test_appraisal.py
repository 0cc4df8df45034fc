"""An appraisal's score as a person types it: a comma or a point, blank for none; anything else is refused, never
stored as no score (a browser's number field sent nothing for 150, and the plan became eligible)."""

from __future__ import annotations

import pytest

from chainplan.appraisal import Appraisal, AppraisalRefused, check_appraisal
from chainplan.demo import build_demo_dataset

DATA = build_demo_dataset()
PLAN = str(DATA.plans["code"].iloc[0])


def _checked(score: object) -> Appraisal:
    return check_appraisal(DATA, Appraisal(PLAN, "district", "passed", score, None, "lan"))  # type: ignore[arg-type]


@pytest.mark.parametrize(("typed", "score"), [("72,5", 72.5), ("72.5", 72.5), (" 100 ", 100.0), ("0", 0.0),
                                               (55, 55.0), (None, None), ("", None), ("  ", None)])
def test_a_score_is_read_as_typed(typed: object, score: float | None) -> None:
    assert _checked(typed).score == score


@pytest.mark.parametrize("typed", ["150", "100,01", "-1", "abc", "1.234,5", "7 mươi", "nan", "inf", "1e400",
                                   float("nan"), 101, True])
def test_a_score_that_is_not_one_from_0_to_100_is_refused(typed: object) -> None:
    with pytest.raises(AppraisalRefused) as refused:
        _checked(typed)
    assert (refused.value.field, refused.value.code) == ("score", "error.appraisal.score_range")
