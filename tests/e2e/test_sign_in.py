"""Sign-in and roles in a real browser, and the server refusing what a role may not do, whatever the page shows."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser


def _callback_body(output: str) -> bytes:
    # What Dash posts for the users page's write callback, as a forger would send it.
    inputs = [{"id": "user-add", "property": "n_clicks", "value": 1},
              {"id": "user-change", "property": "n_clicks", "value": None}]
    state = [{"id": i, "property": "value", "value": v} for i, v in (
        ("user-name", "intruder"), ("user-role", "admin"), ("user-password", "intruder-pass"),
        ("change-name", None), ("change-role", None), ("change-active", ["active"]), ("users-lang", "vi"))]
    state[-1]["property"] = "data"
    return json.dumps({"output": output, "outputs": [], "inputs": inputs, "state": state,
                       "changedPropIds": ["user-add.n_clicks"]}).encode()


FORGED_OUTPUT = "..users-feedback.children...users-list.children.."


def test_an_anonymous_visitor_is_sent_to_sign_in_and_callbacks_are_refused(anonymous_page: Any,
                                                                          live_url: str) -> None:
    anonymous_page.goto(live_url + "/chains?lang=EN")
    anonymous_page.wait_for_selector("#login-submit")
    assert "/login" in anonymous_page.url and anonymous_page.inner_text("#login-submit") == "Sign in"
    request = urllib.request.Request(live_url + "/_dash-update-component", data=_callback_body(FORGED_OUTPUT),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403


def test_a_wrong_password_is_refused_and_the_right_one_returns_to_the_page(anonymous_page: Any,
                                                                          live_url: str) -> None:
    anonymous_page.goto(live_url + "/chains")
    anonymous_page.fill("#login-username", "viewer")
    anonymous_page.fill("#login-password", "not the password")
    anonymous_page.click("#login-submit")
    anonymous_page.wait_for_selector("#login-error")
    assert "không đúng" in anonymous_page.inner_text("#login-error")
    anonymous_page.fill("#login-password", PASSWORD)
    anonymous_page.click("#login-submit")
    anonymous_page.wait_for_selector("#tier-filter")
    assert anonymous_page.url.split("?")[0].endswith("/chains")
    anonymous_page.click("#sign-out")
    anonymous_page.wait_for_selector("#login-submit")
    anonymous_page.goto(live_url + "/")
    anonymous_page.wait_for_selector("#login-submit")  # signed out: the overview asks to sign in again
    assert anonymous_page.errors == []


def test_a_viewer_sees_disabled_controls_and_the_server_refuses_a_forged_write(viewer_page: Any,
                                                                              live_url: str) -> None:
    viewer_page.goto(live_url + "/users")
    viewer_page.wait_for_selector("#users-table")
    assert viewer_page.is_disabled("#user-add") and viewer_page.is_disabled("#user-change")
    assert "Chỉ quản trị viên" in viewer_page.inner_text("#users-not-admin")
    response = viewer_page.request.post(live_url + "/_dash-update-component", data=_callback_body(FORGED_OUTPUT),
                                        headers={"Content-Type": "application/json"})
    assert response.status == 403 and "may not manage_users" in response.text()
    viewer_page.reload()
    viewer_page.wait_for_function("document.querySelector('#users-table')?.innerText.includes('admin')")
    assert "intruder" not in viewer_page.inner_text("#users-table")


def test_an_admin_adds_a_user_who_can_then_sign_in(page: Any, live_url: str, browser: Any) -> None:
    page.goto(live_url + "/users?lang=en")
    page.wait_for_selector("#users-table")
    page.fill("#user-name", "lan")
    page.fill("#user-password", "another good password")
    page.click("#user-role")
    page.get_by_role("option", name="Committee").click()
    page.click("#user-add")
    page.wait_for_function("document.querySelector('#users-feedback').innerText.includes('User added: lan')")
    page.wait_for_function("document.querySelector('#users-table').innerText.includes('Committee')")
    context = browser.new_context()
    other = context.new_page()
    sign_in(other, live_url, "lan", "another good password")
    assert "lan (Ban Chỉ đạo)" in other.inner_text("#signed-in-user")
    context.close()
    page.fill("#user-name", "x")
    page.fill("#user-password", "short")
    page.click("#user-add")
    page.wait_for_function("document.querySelector('#users-feedback').innerText.includes('at least 8')")
    assert page.errors == []
