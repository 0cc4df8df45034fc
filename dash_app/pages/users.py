"""Users (admin): add a user, change a role, disable an account. Every write is checked on the server."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from flask_login import current_user

from chainplan import services
from chainplan.errors import EditConflict
from chainplan.users import ROLES, UserRefused, allowed
from chainplan.wording import term
from dash_app.auth import current_role, require, writes
from dash_app.components import Column, dropdown, grid, header, page_year
from dash_app.i18n import language, t
from dash_app.state import unit_of_work

dash.register_page(__name__, path="/users", name="Users", title="chainplan")

FEEDBACK = writes("users-feedback", "manage_users")


def _users_table(lang: str) -> Any:
    rows = [{"name": u.name, "role": term("user_role", u.role, lang),
             "active": t("active" if u.active else "disabled", lang),
             "created_at": u.created_at.strftime("%d/%m/%Y" if lang == "vi" else "%Y-%m-%d")}
            for u in services.list_users(unit_of_work())]
    return grid("users-table", [Column("name", t("user_name", lang), width=140, flex=2),
                                Column("role", t("role", lang), width=140),
                                Column("active", t("may_sign_in", lang), width=140),
                                Column("created_at", t("user_created", lang), width=120)], rows, lang,
                height="auto" if len(rows) <= 15 else "420px")


def layout(lang: str | None = None, year: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    chosen_year = page_year(year)
    admin = allowed(current_role(), "manage_users")
    roles = [{"label": term("user_role", role, lang), "value": role} for role in ROLES]
    names = [{"label": u.name, "value": u.name} for u in services.list_users(unit_of_work())]
    return html.Div([
        header(lang, "/users", {"year": chosen_year}),
        dcc.Store(id="users-lang", data=lang),
        html.H2(t("users", lang)),
        html.P(t("admins_only", lang), id="users-not-admin") if not admin else None,
        html.Div(_users_table(lang), id="users-list"),
        html.Div([
            html.Section([
                html.H3(t("add_user", lang)),
                html.Label([t("user_name", lang), dcc.Input(id="user-name", type="text", disabled=not admin)],
                           className="cp-field"),
                html.Label([t("role", lang), dropdown(lang, roles, "viewer", "user-role", clearable=False,
                                                          disabled=not admin)], className="cp-field"),
                html.Label([t("password", lang), dcc.Input(id="user-password", type="password",
                                                           disabled=not admin)], className="cp-field"),
                dbc.Button(t("add_user", lang), id="user-add", disabled=not admin),
            ], className="cp-panel"),
            html.Section([
                html.H3(t("change_user", lang)),
                html.Label([t("user_name", lang), dropdown(lang, names, None, "change-name", disabled=not admin)],
                           className="cp-field"),
                html.Label([t("role", lang), dropdown(lang, roles, None, "change-role", disabled=not admin)],
                           className="cp-field"),
                # Drawn from the chosen user (``show_user``), never assumed: a box always ticked re-enabled a
                # disabled user whose role was changed. dbc.Checkbox ties its label to the box (its name).
                dbc.Checkbox(id="change-active", label=t("may_sign_in", lang), value=False, disabled=not admin,
                             className="cp-field"),
                # The chosen user's version when the form showed them: a save on an older one is refused.
                dcc.Store(id="change-opened", data=None),
                dbc.Button(t("save", lang), id="user-change", disabled=not admin),
            ], className="cp-panel"),
        ], style={"display": "flex", "flexWrap": "wrap", "gap": "2rem"}),
        html.P(id=FEEDBACK, role="status"),
    ])


def _opened(user: Any) -> dict[str, Any]:
    return {"name": user.name, "version": user.version}


@callback(Output("change-role", "value"), Output("change-active", "value"), Output("change-opened", "data"),
          Input("change-name", "value"), prevent_initial_call=True)
def show_user(name: str | None) -> tuple[Any, Any, Any]:
    """Choosing a user draws their role and whether they may sign in, and keeps the version the form shows."""
    user = services.get_user(unit_of_work(), name) if name else None
    if user is None:
        return None, False, None
    return user.role, user.active, _opened(user)


@callback(
    Output(FEEDBACK, "children"), Output("users-list", "children"),
    Output("change-role", "value", allow_duplicate=True), Output("change-active", "value", allow_duplicate=True),
    Output("change-opened", "data", allow_duplicate=True),
    Input("user-add", "n_clicks"), Input("user-change", "n_clicks"),
    State("user-name", "value"), State("user-role", "value"), State("user-password", "value"),
    State("change-name", "value"), State("change-role", "value"), State("change-active", "value"),
    State("change-opened", "data"), State("users-lang", "data"), prevent_initial_call=True,
)
def manage_users(_add: int | None, _change: int | None, name: str | None, role: str | None,
                 password: str | None, change_name: str | None, change_role: str | None,
                 change_active: bool | None, opened: dict[str, Any] | None,
                 lang: str | None) -> tuple[Any, Any, Any, Any, Any]:
    lang = language(lang)
    require("manage_users")  # the guard refused a forged request already; this is the write's own check
    unchanged = (dash.no_update,) * 3
    try:
        if dash.ctx.triggered_id == "user-add":
            user = services.add_user(unit_of_work(), name or "", role=role or "viewer", password=password or "")
            return f"{t('user_added', lang)}: {user.name}", _users_table(lang), *unchanged
        if not change_name or not opened or opened.get("name") != change_name:
            # The form has not drawn the chosen user yet: saving would apply what it showed for someone else.
            return html.Span(t("pick_user", lang), className="error cp-error"), dash.no_update, *unchanged
        user = services.change_user(unit_of_work(), change_name, role=change_role, active=bool(change_active),
                                    opened_version=int(opened.get("version") or 0), by=str(current_user.id))
    except UserRefused as exc:
        return html.Span(exc.message(lang), className="error cp-error", id="user-refused"), dash.no_update, *unchanged
    except EditConflict as exc:
        # Nothing was written: the form now shows the user as stored (and carries that version).
        current = services.get_user(unit_of_work(), change_name)
        shown = (current.role, current.active, _opened(current)) if current is not None else unchanged
        return (html.Span(exc.message(lang), className="error cp-error", id="user-conflict"), _users_table(lang),
                *shown)
    return f"{t('user_changed', lang)}: {user.name}", _users_table(lang), user.role, user.active, _opened(user)
