"""The read cache keeps at most a few of its largest values per kind, and leaves every other value alone."""

from __future__ import annotations

from chainplan.services._cache import LARGE_KINDS, MEMO, Memo


def _fill(memo: Memo, generation: str, keys: list[object]) -> None:
    for key in keys:
        memo.get_or_compute("dataset", generation, key, lambda key=key: key)


def _kept(memo: Memo, generation: str, keys: list[object]) -> list[object]:
    """The keys still remembered (a key that was not is remembered as "missed" from then on)."""
    kept = []
    for key in keys:
        if memo.get_or_compute("dataset", generation, key, lambda: "missed") != "missed":
            kept.append(key)
    return kept


def test_the_least_recently_used_of_a_kind_go_first_and_other_kinds_stay() -> None:
    memo = Memo(kinds={"prepared": 3})
    prepared = [("prepared", setting) for setting in range(5)]
    others = ["network", ("gaps", "SP001"), ("register", "x", "vi")]
    _fill(memo, "g1", [*others, *prepared[:3]])
    memo.get_or_compute("dataset", "g1", prepared[0], lambda: "not asked")  # used again: now the newest
    _fill(memo, "g1", prepared[3:])
    assert _kept(memo, "g1", others) == others
    assert _kept(memo, "g1", [prepared[0], prepared[3], prepared[4]]) == [prepared[0], prepared[3], prepared[4]]
    assert _kept(memo, "g1", [prepared[1]]) == []  # the least recently used went first


def test_the_limit_is_per_generation() -> None:
    memo = Memo(kinds={"dataset": 1})
    memo.get_or_compute("dataset", "g1", ("dataset", None), lambda: "first")
    memo.get_or_compute("dataset", "g2", ("dataset", None), lambda: "second")
    assert memo.get_or_compute("dataset", "g1", ("dataset", None), lambda: "missed") == "first"
    assert memo.get_or_compute("dataset", "g2", ("dataset", None), lambda: "missed") == "second"


def test_the_process_memo_bounds_whole_datasets_and_prepared_runs() -> None:
    assert MEMO.kinds is not None
    for kind in ("dataset", "prepared", "register", ".xlsx", ".html"):
        assert 1 <= LARGE_KINDS[kind] <= 8 and MEMO.kinds[kind] == LARGE_KINDS[kind]
