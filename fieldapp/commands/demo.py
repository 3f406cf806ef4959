"""``flask --app fieldapp demo load``: demo users, premises, visits, referrals, joint
operations and training for trying the app."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from fieldapp import demo
from fieldapp.db import get_db
from fieldapp.web import checklists

demo_group = AppGroup("demo", help="Demo data for trying the app.")


@demo_group.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database has users.")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same data.")
def load_demo(if_empty: bool, seed: int) -> None:
    """Create demo users (a partner login for each of several agencies), premises, visits
    over three financial years with referrals, joint operations with outcomes and officers'
    training, and print the demo logins."""
    db = get_db()
    if if_empty and db["users"].count:
        click.echo("The database already has data; demo data not loaded.")
    else:
        summary = demo.load(
            db,
            seed=seed,
            instance_path=current_app.instance_path,
            reference=checklists.current(),
            agencies=checklists.partner_agencies(),
        )
        click.echo(summary)
    click.echo(demo.logins_text(current_app.instance_path))
