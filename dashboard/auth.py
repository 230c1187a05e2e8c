"""Who is using the dashboard: the sign-in gate (local accounts, or Streamlit's native OIDC
when the site configured ``[auth]`` in its secrets), the signed-in name and role in the
sidebar, and :func:`writer` for every write (the store checks the role; pages pass it on)."""

from __future__ import annotations

import getpass
import sys

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard import common, data
from dashboard.common import tr
from store.access import ROLES, Actor
from store.sign_in import SignInLocked, sign_in
from store.users import ensure_first_admin, first_run_notice, role_of

ACTOR = "_actor"
SOURCE = "_actor_source"  # local | oidc | off


def actor() -> Actor | None:
    """The signed-in person, or None."""
    return st.session_state.get(ACTOR)


def writer() -> Actor | None:
    """The actor to hand a write function, a local account's role re-read from the store:
    a button's callback runs before the page run that re-checks the account, so a role
    lowered or an account removed since the page was drawn counts here too."""
    who = actor()
    if who is None or st.session_state.get(SOURCE) != "local":
        return who
    try:
        role = role_of(data.engine(common.config().db_url), who.name)
    except SQLAlchemyError:
        return None  # no store to ask: no write either
    return Actor(who.name, role) if role is not None else None


def may(action: str) -> bool:
    who = actor()
    return who is not None and who.may(action)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than answer False
        return False


def current() -> Actor | None:
    """Who is signed in for this run, or None (then :func:`sign_in_page`). Each run re-reads
    a local account's role, so a removed account or a changed role counts at once, not at
    the next sign-in. A store the dashboard cannot use ends the run with its message."""
    cfg = common.config()
    if not cfg.sign_in:
        st.session_state[ACTOR] = Actor(getpass.getuser(), "admin")
        st.session_state[SOURCE] = "off"
        return actor()
    engine = common.require_store()
    if _oidc_configured():
        return _oidc(engine, cfg.oidc_role)
    who = actor()
    if who is not None and st.session_state.get(SOURCE) == "local":
        role = role_of(engine, who.name)
        if role is None:
            sign_out()
        elif role != who.role:
            st.session_state[ACTOR] = Actor(who.name, role)
    return actor()


def sign_in_page() -> None:
    """The sign-in form (or the identity provider's button), then the end of this run."""
    engine = common.require_store()
    if _oidc_configured():
        st.title(tr("sign_in_title"))
        st.button(tr("sign_in_sso"), on_click=st.login, type="primary")
    else:
        _first_run(engine)
        _local_form(engine)
    st.stop()


def _first_run(engine) -> None:
    """No account at all (the store appeared after ``floorlight dashboard`` started): make
    the first admin now and print its password on the server's terminal, once."""
    password = ensure_first_admin(engine)
    if password is not None:
        print(first_run_notice(password), file=sys.__stdout__, flush=True)


def _local_form(engine) -> None:
    st.title(tr("sign_in_title"))
    # a form: Enter in the password field submits it, and nothing reruns while typing
    with st.form("sign_in"):
        name = st.text_input(tr("user_name"), key="sign_in_name", max_chars=128)
        password = st.text_input(tr("password"), type="password", key="sign_in_password")
        submitted = st.form_submit_button(tr("sign_in"), type="primary")
    if not submitted:
        return
    try:
        who = sign_in(engine, name, password)
    except SignInLocked as locked:  # recorded in the audit log by the store
        st.error(tr("sign_in_locked", until=f"{locked.until:%H:%M} UTC"))
        return
    if who is None:
        st.error(tr("sign_in_failed"))  # no hint whether the name or the password was wrong
        return
    st.session_state[ACTOR] = who
    st.session_state[SOURCE] = "local"
    st.rerun()


def _oidc(engine, default_role: str) -> Actor | None:
    """Streamlit's ``st.login``: the identity provider says who; a ``users`` row (by e-mail,
    else name) says the role, else the configured default role."""
    if not st.user.is_logged_in:
        st.session_state.pop(ACTOR, None)
        return None
    name = str(st.user.get("email") or st.user.get("name") or st.user.get("sub"))
    role = role_of(engine, name) or (default_role if default_role in ROLES else "viewer")
    st.session_state[ACTOR] = Actor(name, role)
    st.session_state[SOURCE] = "oidc"
    return actor()


def sign_out() -> None:
    source = st.session_state.pop(SOURCE, None)
    st.session_state.pop(ACTOR, None)
    if source == "oidc":
        st.logout()


def sidebar() -> None:
    """The signed-in name and role, and a sign-out button (not when sign-in is off)."""
    who = actor()
    if who is None:
        return
    with st.sidebar:
        st.markdown(tr("signed_in_as", name=who.name, role=tr(f"role_{who.role}")))
        if st.session_state.get(SOURCE) != "off":
            st.button(tr("sign_out"), key="sign_out", on_click=sign_out)
