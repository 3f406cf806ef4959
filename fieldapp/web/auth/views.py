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

from fieldapp import accounts, audit
from fieldapp.db import get_db
from fieldapp.permissions import allow, public
from fieldapp.queries import users as users_q
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


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def login():
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        db = get_db()
        cfg = current_app.config
        ip = request.remote_addr
        if accounts.is_throttled(
            db, form.username.data, ip, cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_LOCKOUT_MINUTES"]
        ):
            form.username.errors.append(
                "Too many failed attempts to sign in. Wait "
                f"{cfg['LOGIN_LOCKOUT_MINUTES']} minutes and try again, or ask an "
                "administrator to reset your password."
            )
            audit.record("auth.throttled", "users", None, db=db, attempted=form.username.data)
            status = 429
        else:
            row = accounts.verify(db, form.username.data, form.password.data)
            users_q.record_attempt(db, form.username.data, ip, succeeded=row is not None)
            if row is None:
                form.username.errors.append("Enter a correct username and password")
                audit.record(
                    "auth.sign_in_failed", "users", None, db=db, attempted=form.username.data
                )
                status = 200
            else:
                session.clear()
                user = User.from_row(row)
                login_user(user)
                session.permanent = True
                audit.record("auth.sign_in", "users", user.id, db=db)
                return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
@allow("inspector", "coordinator", "partner", "admin")
def logout():
    """Sign the user out (POST only, so a link on another site cannot do it)."""
    audit.record("auth.sign_out", "users", current_user.id, db=get_db())
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))
