"""A browser's Dash renderer in miniature, over HTTP: what a signed-in person's page costs the server.

It reads the app as the served renderer does (``/_dash-layout``, ``/_dash-dependencies``), keeps every component's
props, and fires the server-side callbacks the renderer would: the page router when a ``dcc.Location`` mounts or a
``dcc.Link`` is followed, each newly drawn component's initial callbacks (in the renderer's order: a callback waits
while one of its inputs is still to be written by another), and the callbacks a changed value triggers, in cascade.
Nothing about the pages is written here: page paths come from the navigation links the app draws, callbacks and
component ids from the dependencies it serves, so the load test follows the app when pages or ids change.

Not emulated: clientside callbacks (the browser runs them), static files (cached by a browser after the first
visit), and background callbacks (a planner drives those with :class:`tests.serving.WebClient`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

__all__ = ["Callback", "DashPage", "RendererError", "RequestFailed"]

#: The longest cascade one action may set off (the renderer has no limit; a loop here is a bug to report).
MAX_CASCADE = 60


class RendererError(AssertionError):
    """The app answered something the renderer could not use (a bad status, a missing component)."""


class RequestFailed(RendererError):
    """A request got no answer or an error status: already counted as that request's failure."""


@dataclass(frozen=True)
class Callback:
    """One server-side callback as ``/_dash-dependencies`` describes it."""

    output: str
    outputs: tuple[tuple[Any, str], ...]
    inputs: tuple[tuple[Any, str], ...]
    state: tuple[tuple[Any, str], ...]
    prevent_initial_call: bool
    background: bool
    #: How often the renderer polls a background callback (ms); ``None`` for a plain one.
    interval: int | None = None

    @property
    def multi(self) -> bool:
        return self.output.startswith("..")

    def label(self) -> str:
        """A short stable name: the outputs' component ids and properties (without Dash's duplicate hashes)."""
        return "+".join(f"{_id_text(i)}.{p.split('@')[0]}" for i, p in self.outputs)


def _id_text(component_id: Any) -> str:
    if isinstance(component_id, dict):
        return "{" + ",".join(f"{k}:{v}" for k, v in sorted(component_id.items()) if not isinstance(v, list)) + "}"
    return str(component_id)


def _parse_id(text: str) -> Any:
    return json.loads(text) if text.startswith("{") else text


def _split_output(output: str) -> tuple[tuple[Any, str], ...]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    pairs = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        pairs.append((_parse_id(component), prop))
    return tuple(pairs)


def callbacks_of(dependencies: list[dict[str, Any]]) -> list[Callback]:
    """The server-side callbacks among the served dependencies (clientside ones run in the browser)."""
    found = []
    for dependency in dependencies:
        if dependency.get("clientside_function"):
            continue
        found.append(Callback(
            output=dependency["output"],
            outputs=_split_output(dependency["output"]),
            inputs=tuple((_parse_id(i["id"]), i["property"]) for i in dependency["inputs"]),
            state=tuple((_parse_id(s["id"]), s["property"]) for s in dependency["state"]),
            prevent_initial_call=bool(dependency.get("prevent_initial_call")),
            background=bool(dependency.get("background")),
            interval=(dependency.get("background") or {}).get("interval"),
        ))
    return found


def _key(component_id: Any) -> str:
    return json.dumps(component_id, sort_keys=True) if isinstance(component_id, dict) else str(component_id)


def _matches(pattern: Any, component_id: Any) -> bool:
    """Whether a pattern-matching id (values ``["ALL"]`` and the like) matches a dict id."""
    if not isinstance(pattern, dict):
        return False
    if not isinstance(component_id, dict) or set(pattern) != set(component_id):
        return False
    return all(isinstance(v, list) or component_id[k] == v for k, v in pattern.items())


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every component (``{"type", "namespace", "props"}``) in a layout tree."""
    if isinstance(node, list):
        for item in node:
            yield from walk(item)
    elif isinstance(node, dict) and "props" in node and "type" in node:
        yield node
        for value in node["props"].values():
            yield from walk(value)


@dataclass
class DashPage:
    """One browser tab on the app: the components drawn now, and the requests it sends.

    ``http`` is a ``requests.Session`` (or locust's ``HttpSession``) already signed in; ``named(name)`` is a
    context in which its requests are reported under ``name`` (locust's ``rename_request``; none by default).
    """

    http: requests.Session
    base: str
    named: Callable[[str], AbstractContextManager[Any]] = lambda _name: nullcontext()
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)
    #: The component whose ``children`` drew each component (``""``: the app's layout).
    owners: dict[str, str] = field(default_factory=dict)
    callbacks: list[Callback] = field(default_factory=list)
    path: str = "/"
    end_id: str = ""
    #: Each callback fired since the page was opened: (request name, outputs written).
    fired: list[str] = field(default_factory=list)

    # -- loading -------------------------------------------------------------------------------------------------
    def open(self, address: str) -> None:
        """A full page load: the HTML, the layout, the dependencies, then what the renderer fires on mount."""
        self.path = urlsplit(address).path or "/"
        with self.named(f"page {self.path}"):
            page = self.http.get(f"{self.base}{address}", timeout=120)
        self._ok(page, f"GET {address}")
        config = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page.text, re.S)
        if config is None:
            raise RendererError(f"GET {address}: no Dash configuration in the page")
        self.end_id = str(json.loads(config.group(1)).get("end_id") or "")
        with self.named("dash layout"):
            layout = self.http.get(f"{self.base}/_dash-layout", timeout=120)
        self._ok(layout, "GET /_dash-layout")
        with self.named("dash dependencies"):
            dependencies = self.http.get(f"{self.base}/_dash-dependencies", timeout=120)
        self._ok(dependencies, "GET /_dash-dependencies")
        self.callbacks = callbacks_of(dependencies.json())
        self.components.clear()
        self.kinds.clear()
        self.ids.clear()
        self.owners.clear()
        self._mount(layout.json(), address)

    def follow(self, address: str) -> None:
        """Follow a ``dcc.Link``: every ``callback-nav`` location learns the new address, the router draws."""
        self.path = urlsplit(address).path or "/"
        changed = []
        for key, kind in self.kinds.items():
            if kind == "Location" and self.components[key].get("refresh") == "callback-nav":
                changed += self._set(key, _location_props(address))
        self._cascade(changed, [])

    def links(self) -> list[str]:
        """The app's own pages that the navigation links lead to (``dcc.Link`` with a path on this site)."""
        found = []
        for key, kind in self.kinds.items():
            href = self.components[key].get("href")
            if kind == "Link" and isinstance(href, str) and href.startswith("/") and not href.startswith("//"):
                found.append(href)
        return list(dict.fromkeys(found))

    # -- acting --------------------------------------------------------------------------------------------------
    def choices(self) -> list[tuple[Any, list[Any], bool]]:
        """The drawn controls with options (dropdowns, radio items, checklists) whose value a server callback
        reads: ``(id, option values, multi)``."""
        read = {_key(i) for callback in self.callbacks if not callback.background
                for i, prop in callback.inputs if prop == "value"}
        found = []
        for key, props in self.components.items():
            options = props.get("options")
            if key in read and isinstance(options, list) and options:
                values = [o["value"] if isinstance(o, dict) else o for o in options]
                found.append((self.ids[key], values, bool(props.get("multi"))))
        return found

    def choose(self, component_id: Any, value: Any) -> None:
        """Choose a value in a control, as a person does: the callbacks reading it fire, in cascade."""
        key = _key(component_id)
        if key not in self.components:
            raise RendererError(f"{self.path}: no component {key}")
        self._cascade(self._set(key, {"value": value}), [])

    def click(self, component_id: Any) -> dict[str, Any]:
        """Click a button: ``n_clicks`` goes up, its callbacks fire; returns the outputs written by them."""
        key = _key(component_id)
        if key not in self.components:
            raise RendererError(f"{self.path}: no component {key}")
        clicks = int(self.components[key].get("n_clicks") or 0) + 1
        written: list[dict[str, Any]] = []
        self._cascade(self._set(key, {"n_clicks": clicks}), written)
        merged: dict[str, Any] = {}
        for response in written:
            for component, props in response.items():
                merged.setdefault(component, {}).update(props)
        return merged

    def buttons_for(self, kind: str) -> list[Any]:
        """The drawn buttons whose click a server callback answers with a component of ``kind`` (``Download``)."""
        found = []
        for callback in self.callbacks:
            if callback.background or not all(self.kinds.get(_key(i)) == kind for i, _ in callback.outputs):
                continue
            for component, prop in callback.inputs:
                if prop == "n_clicks" and _key(component) in self.components:
                    found.append(component)
        return found

    def set_props(self, component_id: Any, props: dict[str, Any]) -> None:
        """Write props as a finished background callback's answer does; what reads them fires."""
        self._cascade(self._set(_key(component_id), props), [])

    # -- the renderer --------------------------------------------------------------------------------------------
    def _mount(self, tree: Any, address: str) -> None:
        added = self._register(tree)
        changed = []
        for key in added:
            if self.kinds[key] == "Location":
                changed += self._set(key, _location_props(address))
        self._cascade(changed, [], added=added)

    def _register(self, tree: Any, owner: str = "") -> list[str]:
        """Draw a layout tree (the new ``children`` of ``owner``): what it held before is gone."""
        if owner:
            gone = {key for key in self.owners if self._owned_by(key, owner)}
            for key in gone:
                for table in (self.components, self.kinds, self.ids, self.owners):
                    table.pop(key, None)
        added = []
        for node in walk(tree):
            props = node["props"]
            if "id" not in props:
                continue
            key = _key(props["id"])
            self.components[key] = {k: v for k, v in props.items()}
            self.kinds[key] = node["type"]
            self.ids[key] = props["id"]
            self.owners[key] = owner
            added.append(key)
        return added

    def _owned_by(self, key: str, owner: str) -> bool:
        seen = set()
        while key in self.owners and key not in seen:
            seen.add(key)
            key = self.owners[key]
            if key == owner:
                return True
        return False

    def _set(self, key: str, props: dict[str, Any]) -> list[tuple[str, str]]:
        """Write props of a drawn component; the (component, prop) pairs whose value changed."""
        current = self.components.setdefault(key, {})
        changed = []
        for prop, value in props.items():
            if current.get(prop) != value:
                current[prop] = value
                changed.append((key, prop))
        return changed

    def _present(self, component: Any) -> bool:
        if isinstance(component, dict) and any(isinstance(v, list) for v in component.values()):
            return True  # a pattern matches none or several: present either way
        return _key(component) in self.components

    def _initial(self, added: set[str]) -> list[Callback]:
        chosen = []
        for callback in self.callbacks:
            if callback.prevent_initial_call or callback.background:
                continue
            touched = {_key(i) for i, _ in (*callback.inputs, *callback.outputs)} & added
            if touched and all(self._present(i) for i, _ in callback.inputs) \
                    and any(self._present(o) for o, _ in callback.outputs):
                chosen.append(callback)
        return chosen

    def _triggered(self, changed: list[tuple[str, str]]) -> list[Callback]:
        wanted = set(changed)
        chosen = []
        for callback in self.callbacks:
            if callback.background:
                continue
            reads = {(_key(i), p) for i, p in callback.inputs}
            reads |= {(key, p) for i, p in callback.inputs if isinstance(i, dict)
                      for key, cid in self.ids.items() if _matches(i, cid)}
            if reads & wanted and all(self._present(i) for i, _ in callback.inputs):
                chosen.append(callback)
        return chosen

    def _cascade(self, changed: list[tuple[str, str]], written: list[dict[str, Any]],
                 added: list[str] | None = None) -> None:
        pending: list[tuple[Callback, list[tuple[str, str]]]] = [(c, changed) for c in self._triggered(changed)]
        if added:
            pending += [(c, []) for c in self._initial(set(added)) if c not in [p[0] for p in pending]]
        fired = 0
        while pending:
            # As the renderer: a callback waits while another pending one is still to write one of its inputs.
            outputs_pending = {(_key(o), p.split("@")[0]) for c, _ in pending for o, p in c.outputs}
            ready = [(c, why) for c, why in pending
                     if not ({(_key(i), p) for i, p in c.inputs} & (outputs_pending - {(_key(o), p.split("@")[0])
                                                                                        for o, p in c.outputs}))]
            callback, why = (ready or pending)[0]
            pending.remove((callback, why))
            fired += 1
            if fired > MAX_CASCADE:
                raise RendererError(f"{self.path}: more than {MAX_CASCADE} callbacks from one action")
            response = self._fire(callback, why)
            written.append(response)
            new_changes: list[tuple[str, str]] = []
            new_added: list[str] = []
            for key, props in response.items():
                for prop, value in props.items():
                    if prop == "children" or (isinstance(value, dict | list) and any(True for _ in walk(value))):
                        new_added += self._register(value, key)
                new_changes += self._set(key, props)
            for key in new_added:
                if self.kinds[key] == "Location":
                    new_changes += self._set(key, _location_props(self._address()))
            for follow in self._triggered(new_changes):
                if follow not in [p[0] for p in pending]:
                    pending.append((follow, new_changes))
            for follow in self._initial(set(new_added)):
                if follow not in [p[0] for p in pending]:
                    pending.append((follow, []))

    def _address(self) -> str:
        for key, kind in self.kinds.items():
            if kind == "Location" and self.components[key].get("refresh") == "callback-nav":
                props = self.components[key]
                return f"{props.get('pathname') or '/'}{props.get('search') or ''}"
        return self.path

    def _value(self, component: Any, prop: str) -> Any:
        if isinstance(component, dict) and any(isinstance(v, list) for v in component.values()):
            return [{"id": cid, "property": prop, "value": self.components[key].get(prop)}
                    for key, cid in self.ids.items() if _matches(component, cid)]
        return {"id": component, "property": prop, "value": self.components.get(_key(component), {}).get(prop)}

    def _fire(self, callback: Callback, why: list[tuple[str, str]]) -> dict[str, Any]:
        outputs: list[Any] = []
        for component, prop in callback.outputs:
            if isinstance(component, dict) and any(isinstance(v, list) for v in component.values()):
                outputs.append([{"id": cid, "property": prop} for key, cid in self.ids.items()
                                if _matches(component, cid)])
            else:
                outputs.append({"id": component, "property": prop})
        inputs = [self._value(i, p) for i, p in callback.inputs]
        state = [self._value(s, p) for s, p in callback.state]
        reads = {(_key(i), p) for i, p in callback.inputs}
        changed = [f"{self._plain(key)}.{prop}" for key, prop in why if (key, prop) in reads] or \
                  [f"{self._plain(_key(i))}.{p}" for i, p in callback.inputs[:1]]
        body = {"output": callback.output, "outputs": outputs if callback.multi else outputs[0],
                "inputs": inputs, "changedPropIds": changed, "state": state}
        name = f"callback {self.path} {callback.label()}"
        with self.named(name):
            answer = self.http.post(f"{self.base}/_dash-update-component", params={"endId": self.end_id} if
                                    self.end_id else None, json=body, timeout=120,
                                    headers={"Referer": f"{self.base}{self._address()}"})
        self.fired.append(name)
        if answer.status_code == 204:  # PreventUpdate: nothing written
            return {}
        self._ok(answer, name)
        return dict(answer.json().get("response", {}))

    def _plain(self, key: str) -> str:
        component = self.ids.get(key, key)
        return json.dumps(component, separators=(",", ":"), sort_keys=True) if isinstance(component, dict) \
            else str(component)

    @staticmethod
    def _ok(answer: requests.Response, what: str) -> None:
        # Status 0: locust's client had no answer at all (a connection reset or refused).
        if answer.status_code == 0 or answer.status_code >= 400:
            raise RequestFailed(f"{what}: HTTP {answer.status_code}")


def _location_props(address: str) -> dict[str, Any]:
    parts = urlsplit(address)
    search = f"?{parts.query}" if parts.query else ""
    return {"pathname": parts.path or "/", "search": search, "hash": "", "href": f"{parts.path or '/'}{search}"}
