"""Who may use which route.

Every view declares its rule with ``@allow(...)`` or ``@public``. A request to a view with no
rule is refused (deny by default), and tests/test_permissions.py walks every registered route
so a forgotten rule fails the build before it can reach anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

ROLES = ("inspector", "coordinator", "partner", "admin")
# Who works in the field: records visits, and so gets the offline tools.
FIELD_ROLES = ("inspector", "coordinator")
# Who sees the risk map, the site list and exports (partners only what their profile allows).
MAP_ROLES = ("coordinator", "partner")
# Who manages the register: imports premises lists.
REGISTER_ROLES = ("coordinator", "admin")
ROLE_LABELS = {
    "inspector": "Inspector",
    "coordinator": "Coordinator",
    "partner": "Partner agency",
    "admin": "Administrator",
}
PUBLIC = "public"
ATTR = "_fieldapp_access"
# Roles a view lets in only where a deployment's setting says so: {role: setting name}.
WHEN_ATTR = "_fieldapp_access_when"

F = TypeVar("F", bound=Callable[..., Any])


def allow(*roles: str, when: dict[str, str] | None = None) -> Callable[[F], F]:
    """Let signed-in users with one of ``roles`` use the view; a role named in ``when``
    only where the deployment's setting of that name is true (partners see the reports
    for sharing only where the council chooses to share them)."""
    unknown = (set(roles) | set(when or {})) - set(ROLES)
    if unknown or not roles or not set(when or {}) <= set(roles):
        raise ValueError(f"allow() needs roles from {ROLES}, got {roles} when {when}")

    def decorate(view: F) -> F:
        setattr(view, ATTR, frozenset(roles))
        setattr(view, WHEN_ATTR, dict(when or {}))
        return view

    return decorate


def public(view: F) -> F:
    """Let anyone, signed in or not, use the view (sign-in page, health check)."""
    setattr(view, ATTR, PUBLIC)
    return view


# Endpoints Flask registers itself, whose functions we cannot decorate.
BUILTIN_PUBLIC = {"static"}


def rule_for(endpoint: str | None, app: Flask | None = None) -> frozenset[str] | str | None:
    """The declared rule for an endpoint: a set of roles, PUBLIC, or None if undeclared."""
    if endpoint in BUILTIN_PUBLIC:
        return PUBLIC
    view = (app or current_app).view_functions.get(endpoint or "")
    return getattr(view, ATTR, None) if view else None


def _switched_on(endpoint: str | None, role: str) -> bool:
    """Whether a role the view lets in only by a setting is let in by this deployment."""
    view = current_app.view_functions.get(endpoint or "")
    setting = getattr(view, WHEN_ATTR, {}).get(role)
    return setting is None or current_app.config.get(setting) is True


def can(endpoint: str) -> bool:
    """Whether the current user may open ``endpoint`` (used to build navigation)."""
    rule = rule_for(endpoint)
    if rule == PUBLIC:
        return True
    if rule is None or not current_user.is_authenticated:
        return False
    return current_user.role in rule and _switched_on(endpoint, current_user.role)


def _enforce() -> Any:
    """Before every request: apply the view's rule, refusing views that have none."""
    if request.endpoint is None:
        return None  # Routing failed; Flask will answer 404 or 405.
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("Route %s declares no access rule", request.endpoint)
        abort(403)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in rule or not _switched_on(request.endpoint, current_user.role):
        abort(403)
    return None


def init_app(app: Flask) -> None:
    """Install the check and expose ``can`` and role labels to templates."""
    app.before_request(_enforce)
    app.add_template_global(can)
    app.add_template_global(ROLE_LABELS, "ROLE_LABELS")
