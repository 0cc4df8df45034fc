"""The people of ``benchmarks/load.py``, as locust users: run by it in a child process, one per number of users.

locust patches the standard library with gevent when it is imported, so this module imports it before anything
that opens sockets; ``load.py`` itself never imports locust. Each simulated person signs in once, with an account of
their own (one session each, the right password: the throttle never counts them), then acts as their kind does:

- a **viewer** follows the navigation to every page the app links to, and on each chooses in turn the values of
  the controls that a server callback reads (every tier on the chains page, runs to compare, a run's risk...);
- a **planner** opens the allocation page, runs one of the shipped scenarios offered there (the background solve,
  polled at the page's own interval) and reads the stored run the page then draws;
- a **committee member** compares two or three of the newest runs and downloads the committee pack and report.

Request names: ``page PATH`` (the HTML), ``dash layout``/``dash dependencies``, ``callback PATH OUTPUTS`` (a page
callback), ``sign-in``, ``solve start``/``solve poll`` (one request each) and ``solve start→answer`` (the whole
background solve as the person waits for it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import gevent
import locust
from locust import HttpUser, between, events, task
from locust.env import Environment

from benchmarks.dash_browser import DashPage, RendererError, RequestFailed
from tests.serving import WebClient, message_text

__all__ = ["Committee", "Planner", "Viewer", "main"]

#: Accounts handed out to the users as they start: ``{role: iterator of (name, password)}`` (set by :func:`main`).
ACCOUNTS: dict[str, Any] = {}
#: How many users have signed in and opened their first page (or failed to): measuring starts when all have.
STARTED = [0]
LANGUAGES = ("vi", "en")


class Person(HttpUser):  # type: ignore[misc]
    """A signed-in person with one browser tab."""

    abstract = True
    role = "viewer"

    def on_start(self) -> None:
        try:
            name, password = next(ACCOUNTS[self.role])
            with self.client.rename_request("sign-in"):
                self.web = WebClient(self.host, name, password, http=self.client)
            self.lang = random.choice(LANGUAGES)
            self.tab = DashPage(self.client, self.host, named=self.named)
            self.tab.open(f"/?lang={self.lang}")
        finally:
            STARTED[0] += 1

    def named(self, name: str) -> AbstractContextManager[Any]:
        return self.client.rename_request(name)  # type: ignore[no-any-return]

    def go(self, path: str) -> None:
        """Follow the app's link to ``path`` (any language)."""
        for link in self.tab.links():
            if link.split("?")[0] == path:
                self.tab.follow(link)
                return
        raise RendererError(f"no link to {path} on {self.tab.path}")

    def guarded(self, kind: str, action: Callable[[], None]) -> None:
        """Run one action; a broken page is reported as an error of that kind rather than ending the user."""
        started = time.perf_counter()
        try:
            action()
        except RequestFailed:
            pass  # counted once, as the failed request's own error
        except Exception as error:  # every other failure is counted, whatever it is
            events.request.fire(request_type="TASK", name=f"{kind} failed", response_time=
                                (time.perf_counter() - started) * 1000, response_length=0, exception=error,
                                context={})


class Viewer(Person):
    """Browses every page the navigation offers and tries the choices each offers."""

    weight = 6
    wait_time = between(2, 6)
    role = "viewer"

    @task
    def browse(self) -> None:
        self.guarded("browse", self._browse)

    def _browse(self) -> None:
        pages = [link for link in self.tab.links() if f"lang={self.lang}" in link]
        link = random.choice(pages)
        self.tab.follow(link)
        for component, values, multi in self.tab.choices():
            if multi:
                self.tab.choose(component, values[-3:] if len(values) >= 2 else values)
                continue
            # Every tier of the chains page (any control with few values), a couple of values of the others.
            for value in values if len(values) <= 6 else random.sample(values, 2):
                self.tab.choose(component, value)


class Planner(Person):
    """Runs the shipped scenarios on the allocation page and reads the result."""

    weight = 2
    wait_time = between(5, 15)
    role = "planner"

    @task
    def run_scenario(self) -> None:
        self.guarded("solve", self._run)

    def _run(self) -> None:
        self.go("/allocation")
        offered = [v for c, values, _ in self.tab.choices() if "scenario" in str(c) for v in values]
        scenarios = [str(v).removeprefix("file:").removesuffix(".yaml") for v in offered
                     if str(v).startswith("file:")]
        if not scenarios:
            raise RendererError("the allocation page offers no shipped scenario")
        scenario = random.choice(scenarios)
        background = next(c for c in self.tab.callbacks if c.background and
                          any(p == "data" and "run" in str(i) for i, p in c.outputs))
        interval = (background.interval or 1000) / 1000
        started = time.perf_counter()
        error: Exception | None = None
        try:
            with self.client.rename_request("solve start"):
                job = self.web.start_run(scenario, self.lang)
            answer = self._wait(job, interval)
            if not answer.get("allocation-run", {}).get("data"):
                raise RendererError(f"the run of {scenario} stored nothing: {message_text(answer)[:200]}")
        except Exception as failed:  # reported as the solve's failure
            error = failed
        events.request.fire(request_type="SOLVE", name="solve start→answer",
                            response_time=(time.perf_counter() - started) * 1000, response_length=0,
                            exception=error, context={})
        if error is not None:
            return
        # The page then draws the stored run, as the renderer does when the job's answer arrives.
        for component, props in answer.items():
            if component in self.tab.components:
                self.tab.set_props(component, props)

    def _wait(self, job: Any, interval: float, timeout: float = 300.0) -> dict[str, Any]:
        if not job.cache_key:
            return dict(job.polls[-1].get("response", {}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(interval)
            with self.client.rename_request("solve poll"):
                document = self.web.poll(job)
            if document.get("response"):
                return dict(document["response"])
        raise RendererError(f"no answer from the background solve after {timeout:.0f} s")


class Committee(Person):
    """Compares the newest runs and downloads the committee pack and the printable report."""

    weight = 2
    wait_time = between(5, 15)
    role = "committee"

    @task
    def compare_and_download(self) -> None:
        self.guarded("compare", self._compare)

    def _compare(self) -> None:
        self.go("/compare")
        multi = [(c, values) for c, values, is_multi in self.tab.choices() if is_multi]
        if not multi or len(multi[0][1]) < 2:
            raise RendererError("the compare page offers fewer than two runs")
        component, runs = multi[0]
        self.tab.choose(component, runs[:random.choice((2, 3))])
        buttons = self.tab.buttons_for("Download")
        if not buttons:
            raise RendererError("the compare page offers nothing to download")
        for button in buttons:
            written = self.tab.click(button)
            if not any(isinstance(props.get("data"), dict) and props["data"].get("content")
                       for props in written.values()):
                raise RendererError(f"{button}: no file in the answer")


def _summary(entry: Any) -> dict[str, Any]:
    return {"requests": entry.num_requests, "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5), "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99), "max_ms": round(entry.max_response_time or 0),
            "response_times": {str(k): v for k, v in entry.response_times.items()}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="One level of benchmarks/load.py (run by it).")
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--spawn-rate", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured once every user started")
    parser.add_argument("--accounts", required=True, help="JSON file: {role: [[name, password], ...]}")
    parser.add_argument("--out", required=True)
    options = parser.parse_args(argv)
    accounts = json.loads(Path(options.accounts).read_text())
    ACCOUNTS.update({role: itertools.cycle([tuple(pair) for pair in pairs]) for role, pairs in accounts.items()})

    env = Environment(user_classes=[Viewer, Planner, Committee], host=options.host, events=events)
    runner = env.create_local_runner()
    runner.start(options.users, spawn_rate=options.spawn_rate)
    started = time.monotonic()
    # Signing in is once a day for a person: the figures are of the day's work, once everyone is in.
    while STARTED[0] < options.users and time.monotonic() - started < 600:
        gevent.sleep(0.5)
    gevent.sleep(2)
    signed_in = _summary(env.stats.get("sign-in", "POST"))
    env.stats.reset_all()
    env.runner.exceptions.clear()
    measured_from = time.monotonic()
    gevent.sleep(options.duration)
    elapsed = time.monotonic() - measured_from
    users_running = runner.user_count
    by_class = dict(runner.user_classes_count)
    entries = {f"{method} {name}": _summary(entry) for (name, method), entry in env.stats.entries.items()}
    errors = [{"name": e.name, "method": e.method, "error": str(e.error)[:300], "occurrences": e.occurrences}
              for e in env.stats.errors.values()]
    exceptions = [{"count": e["count"], "msg": str(e["msg"])[:300]} for e in runner.exceptions.values()]
    runner.quit()
    Path(options.out).write_text(json.dumps({
        "users": options.users, "users_running": users_running, "users_by_kind": by_class,
        "sign_in": signed_in, "seconds": round(elapsed, 1), "requests": entries, "errors": errors,
        "exceptions": exceptions, "locust": locust.__version__,
    }))


if __name__ == "__main__":
    main()
