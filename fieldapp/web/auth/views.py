"""Sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from fieldapp import accounts, audit, sessions
from fieldapp.db import get_db
from fieldapp.permissions import allow, public
from fieldapp.web.auth.forms import SignInForm
from fieldapp.web.auth.users import User

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site, never to another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


def _limits() -> accounts.SignInLimits:
    return accounts.limits_from_config(current_app.config)


def _wait_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return (
        f"Too many failed attempts to sign in. Wait {seconds} {unit} and try again. If you "
        "have forgotten your password, ask an administrator to reset it."
    )


def _start_session(db, row: dict, persistent: bool, ip: str | None):
    """Sign the user in under a new server-side session and go where they were going."""
    session.clear()
    token = sessions.start(db, row["id"], persistent=persistent, ip=ip)
    user = User.from_row(row, token)
    login_user(user)
    # Without the tick the cookie has no expiry and goes when the browser closes (a shared
    # phone); with it, PERMANENT_SESSION_LIFETIME applies.
    session.permanent = persistent
    audit.record("auth.sign_in", "users", user.id, db=db)
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def login():
    """Show the sign-in form and sign the user in, slowing repeated failures."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("auth/sign_in.html", form=form), 200
    db = get_db()
    ip = request.remote_addr
    username = form.username.data
    wait = accounts.sign_in_wait(db, username, ip, _limits())
    if wait is not None:
        form.username.errors.append(_wait_message(wait.seconds))
        audit.record(
            "auth.throttled", "users", None, db=db,
            attempted=username, scope=wait.scope, wait_seconds=wait.seconds,
        )  # fmt: skip
        page = render_template("auth/sign_in.html", form=form)
        return page, 429, {"Retry-After": str(wait.seconds)}
    row = accounts.verify(db, username, form.password.data)
    if row is not None:
        accounts.record_sign_in(db, username, ip, True, _limits())
        return _start_session(db, row, bool(form.stay_signed_in.data), ip)
    form.username.errors.append("Enter a correct username and password")
    audit.record("auth.sign_in_failed", "users", None, db=db, attempted=username)
    wait = accounts.record_sign_in(db, username, ip, False, _limits())
    if wait is not None:
        # The nearest thing to a lock: the next attempt must wait.
        audit.record(
            "auth.sign_in_delayed", "users", None, db=db,
            attempted=username, scope=wait.scope, wait_seconds=wait.seconds,
        )  # fmt: skip
    return render_template("auth/sign_in.html", form=form), 200


@bp.route("/sign-out", methods=["POST"])
@allow("inspector", "coordinator", "partner", "admin")
def logout():
    """Sign the user out (POST only, so a link on another site cannot do it).

    The session ends on the server, so a copy of the cookie no longer works. With
    ``everywhere`` set, every other session of this user ends too (a lost phone).
    """
    db = get_db()
    if request.form.get("everywhere"):
        ended = sessions.end_all(db, current_user.id, "signed out everywhere")
        audit.record("auth.sign_out_everywhere", "users", current_user.id, db=db, ended=ended)
        message = "You have signed out on every phone and computer."
    else:
        sessions.end(db, current_user.session_token or "", "signed out")
        audit.record("auth.sign_out", "users", current_user.id, db=db)
        message = "You have signed out."
    logout_user()
    session.clear()
    flash(message, "success")
    return redirect(url_for("auth.login"))
