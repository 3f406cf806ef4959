"""Fieldapp: the inspection field tool for hand car washes and nail bars."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from fieldapp import config as config_module
from fieldapp import faults


class ConfigError(RuntimeError):
    """The app was configured in a way that is unsafe or unusable."""


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the Flask app.

    Settings come from the defaults, then ``instance/config.py`` (created with a random
    secret key on first run), then ``FIELDAPP_*`` environment variables. ``test_config``
    replaces the instance file so tests never read or write a real installation.
    """
    instance_path = instance_path or os.environ.get("FIELDAPP_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        # Adds the /static/ route; the folder it serves is the STATIC_FOLDER setting, below.
        static_folder=config_module.DEFAULTS["STATIC_FOLDER"],
        static_url_path="/static",
    )
    app.config.from_mapping(config_module.defaults(app.instance_path))
    if test_config is None:
        config_module.write_instance_config(Path(app.instance_path) / "config.py")
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    # Values are parsed as JSON where they can be (numbers, true/false), else kept as text.
    app.config.from_prefixed_env("FIELDAPP")
    _refuse_unsafe_config(app)
    problem = faults.configure(app.config, app.instance_path)
    if problem:
        raise ConfigError(problem)
    app.static_folder = str(Path(app.config["STATIC_FOLDER"]).resolve())

    os.makedirs(app.instance_path, exist_ok=True)
    _configure_jinja(app)
    _install(app)
    return app


def _install(app: Flask) -> None:
    """Wire the infrastructure, then the web areas and the shell commands."""
    from fieldapp import audit, commands, db, errors, http, logs, permissions, web

    logs.init_app(app)  # first, so its clock starts before any other hook runs
    audit.set_key(app.config["AUDIT_KEY"])
    http.init_app(app)
    db.init_app(app)
    permissions.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    commands.init_app(app)


def _refuse_unsafe_config(app: Flask) -> None:
    """Stop a production start with a well-known development key."""
    if app.debug or app.testing:
        return
    for name, dev_value in (
        ("SECRET_KEY", config_module.DEV_SECRET_KEY),
        ("AUDIT_KEY", config_module.DEV_AUDIT_KEY),
    ):
        key = app.config.get(name)
        if not key or key == dev_value:
            raise ConfigError(
                f"{name} is the development default. Set {name} in instance/config.py or "
                f"the FIELDAPP_{name} environment variable, or run in debug mode."
            )


def _configure_jinja(app: Flask) -> None:
    """Find our templates first, then the GOV.UK Frontend macros under their prefixes."""
    from govuk_frontend_wtf.main import WTFormsHelpers

    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("fieldapp"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
