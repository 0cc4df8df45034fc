"""What the services remember between requests: the read-mostly views every page and command reads.

The stored dataset (per selection of programme years), its fingerprints, the chain network built from it, gap
reports, the plan register, the runs overview and the committee pack are read on nearly every request and change
only when someone writes: an import of any year, an appraisal, an outcome or an inspection recorded, a run
stored, a decision recorded. Each process keeps the ones it computed, under the **data generation** the database
gives for their scope (:meth:`chainplan.ports.DatasetRepository.data_version`, read in the same unit of work, so
the generation and what was read with it belong to one snapshot). The generation is shared by every process on
the database, since a writer's transaction advances it in the database itself; a write by another gunicorn
worker, a background solve or the command line is therefore seen by the next request here, and nothing is ever
served from a generation other than the one the request's own snapshot holds. A unit of work that has itself
written to a scope reads that scope afresh (its own writes belong to no generation yet).

The cost is one small query per scope and unit of work (the generation is read once per transaction).

Everything remembered is shared by the threads of a process, so its readers must not change it: the services
hand out copies of what a caller changes (lists, dicts, the register's frame), and the domain's datasets and
networks are not changed by their readers (their methods return new objects; ``tests/integration/
test_read_cache.py`` checks that a remembered dataset is the same after every service has read it).

``CHAINPLAN_CACHE=0`` turns the memo off: every request reads and computes again.

Examples
--------
>>> memo = Memo(generations=1)
>>> memo.get_or_compute("dataset", "g1", "answer", lambda: 42)
42
>>> memo.get_or_compute("dataset", "g1", "answer", lambda: 0)  # remembered for generation g1
42
>>> memo.get_or_compute("dataset", "g2", "answer", lambda: 43)  # a new generation computes again
43
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from chainplan.ports import CHANGE_SCOPES, UnitOfWork

__all__ = ["LARGE_KINDS", "MEMO", "Memo", "caching", "remembered", "remembered_file", "remembered_run"]

T = TypeVar("T")


def _kind(key: Hashable) -> Hashable:
    """What kind of value a key names: the first item of a tuple key, else the key itself."""
    return key[0] if isinstance(key, tuple) and key else key


class Memo:
    """Values by (scope, generation, key), for the newest ``generations`` generations seen of each scope, at most
    ``entries`` values per generation (the least recently used go first; ``limits`` gives some scopes another
    number) and at most ``kinds[kind]`` values of a kind (the first item of a tuple key) per generation. Safe to
    share between threads.

    Examples
    --------
    >>> memo = Memo(kinds={"prepared": 2})
    >>> for setting in ("a", "b", "c"):
    ...     _ = memo.get_or_compute("dataset", "g1", ("prepared", setting), lambda: setting.upper())
    >>> memo.get_or_compute("dataset", "g1", ("prepared", "a"), lambda: "read again")  # the oldest went first
    'read again'
    """

    def __init__(self, *, generations: int = 2, entries: int = 256, limits: dict[str, int] | None = None,
                 kinds: dict[Hashable, int] | None = None) -> None:
        self.generations, self.entries = generations, entries
        self.limits = dict(limits or {})
        self.kinds = dict(kinds or {})
        self._lock = threading.Lock()
        self._values: dict[str, OrderedDict[str, OrderedDict[Hashable, Any]]] = {}

    def get_or_compute(self, scope: str, generation: str, key: Hashable, compute: Callable[[], T]) -> T:
        """The value remembered for ``key`` in that generation, else ``compute()`` remembered."""
        with self._lock:
            values = self._values.get(scope, OrderedDict()).get(generation)
            if values is not None and key in values:
                values.move_to_end(key)
                return values[key]
        # Computed outside the lock: two threads may both compute a missing value, neither waits for the other.
        value = compute()
        with self._lock:
            by_generation = self._values.setdefault(scope, OrderedDict())
            values = by_generation.setdefault(generation, OrderedDict())
            by_generation.move_to_end(generation)
            while len(by_generation) > self.generations:
                by_generation.popitem(last=False)
            values[key] = value
            values.move_to_end(key)
            while len(values) > self.limits.get(scope, self.entries):
                values.popitem(last=False)
            kind = _kind(key)
            if kind in self.kinds:
                same = [k for k in values if _kind(k) == kind]  # least recently used first
                for old in same[:max(0, len(same) - self.kinds[kind])]:
                    del values[old]
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._values.clear()

    def _after_fork(self) -> None:
        # A lock held by another thread at the fork stays held in the child forever: a forked background solve
        # gets a fresh one (what was remembered stays valid: it is keyed by the database's generation).
        self._lock = threading.Lock()


#: The largest values, by kind: a whole dataset per selection of years, one year's slice of it (shared by the
#: scenarios of that year), a run's prepared data per scenario as set
#: (the national dataset takes about 90 MB in memory; a planner trying twenty settings of the allocation form must
#: not leave twenty slices of it in every worker), a plan register per scenario and language, a committee pack's bytes.
LARGE_KINDS: dict[Hashable, int] = {"dataset": 4, "year slice": 4, "prepared": 6, "register": 6, ".xlsx": 8,
                                    ".html": 8}

#: The process's memo. A stored run is never changed, so a few numbers per run are kept for as many runs as a
#: province stores.
MEMO = Memo(limits={"stored run": 1_000_000}, kinds=LARGE_KINDS)
os.register_at_fork(after_in_child=MEMO._after_fork)


def caching() -> bool:
    """Whether the memo is on (``CHAINPLAN_CACHE=0`` turns it off)."""
    return os.environ.get("CHAINPLAN_CACHE") != "0"


def remembered(uow: UnitOfWork, scope: str, key: Hashable, compute: Callable[[], T]) -> T:
    """Inside ``with uow``: the value of ``compute()`` for the generation of ``scope`` this unit of work sees,
    computed once per process and generation. ``compute`` must read only that scope, in this unit of work.

    Examples
    --------
    >>> remembered(None, "users", "answer", lambda: 42)
    Traceback (most recent call last):
    ...
    ValueError: unknown scope 'users'; use one of dataset, runs
    """
    if scope not in CHANGE_SCOPES:
        raise ValueError(f"unknown scope {scope!r}; use one of {', '.join(CHANGE_SCOPES)}")
    if not caching():
        return compute()
    generation = uow.repository.data_version(scope)
    if generation is None:  # this unit of work wrote to the scope: what it reads is its own
        return compute()
    return MEMO.get_or_compute(scope, generation, key, compute)


def remembered_file(path: str | os.PathLike[str], read: Callable[[Path], T]) -> T:
    """``read(path)`` once per version of the file (its size and modification time): a shipped scenario file is
    parsed again only when someone edits it."""
    target = Path(path).resolve()
    status = target.stat()
    key = (str(target), status.st_mtime_ns, status.st_size, getattr(read, "__qualname__", repr(read)))
    if not caching():
        return read(target)
    return MEMO.get_or_compute("files", "", key, lambda: read(target))


def remembered_run(key: Hashable, read: Callable[[], T]) -> T:
    """What ``read()`` gives about one stored run, once per process: runs are never changed once stored. ``key``
    must tell the run from any other database's (its id with its time and data fingerprint do)."""
    if not caching():
        return read()
    return MEMO.get_or_compute("stored run", "", key, read)
