"""First responder training: who is trained, overdue or untrained, and recording it.

Administrators record and withdraw; coordinators, who plan the work and answer officers'
questions about training, can read the list, each person's record and the CSV.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldapp import audit, training
from fieldapp.db import get_db
from fieldapp.permissions import allow
from fieldapp.queries import training as training_q
from fieldapp.queries import transaction
from fieldapp.queries import users as users_q
from fieldapp.timeutil import uk_today
from fieldapp.web.admin.forms import TrainingForm, WithdrawTrainingForm
from fieldapp.web.admin.views import bp

READERS = ("admin", "coordinator")


def _months() -> int:
    return training.refresh_months(current_app.config)


@bp.route("/training")
@allow(*READERS)
def training_list():
    """Every active officer's latest training, untrained and overdue first."""
    today = uk_today()
    rows = training_q.officers(get_db(), today, _months())
    return render_template(
        "admin/training.html",
        groups=training.by_standing(rows),
        total=len(rows),
        today=today,
        months=_months(),
        labels=training.STANDING_LABELS,
    )


@bp.route("/training.csv")
@allow(*READERS)
def training_csv():
    """The training list as a CSV file, its download on the audit trail."""
    today = uk_today()
    db = get_db()
    rows = training_q.officers(db, today, _months())
    with transaction(db):
        audit.record("training.download", "training", None, db=db, officers=len(rows))
    return (
        training.csv_bytes(rows, today),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="training-{today.isoformat()}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _person_page(user: dict, form: TrainingForm | None = None):
    today = uk_today()
    records = training_q.for_user(get_db(), user["id"])
    latest = training_q.latest_for_user(get_db(), user["id"], today)
    due_on = None
    if latest:
        latest_day = date.fromisoformat(latest["trained_on"])
        due_on = training_q.refresh_due(latest_day, _months())
    return render_template(
        "admin/training_person.html",
        person=user,
        records=records,
        latest=latest,
        due_on=due_on,
        today=today,
        is_officer=user["role"] in training_q.OFFICER_ROLES,
        form=form if form is not None else TrainingForm(formdata=None),
    )


# One rule for both methods: with two, Werkzeug answers a POST to an id no route can take
# (beyond SQLite's range) with 405 instead of 404.
@bp.route("/training/users/<int:user_id>", methods=["GET", "POST"])
@allow(*READERS)
def training_person(user_id: int):
    """One person's training, withdrawn records too; for admins, the form to record more."""
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)  # coordinators read the record; only admins add to it
        return _record_training(user_id)
    return _person_page(users_q.get(get_db(), user_id))


def _record_training(user_id: int):
    """Record a course someone did."""
    user = users_q.get(get_db(), user_id)
    if user["role"] not in training_q.OFFICER_ROLES:
        abort(404)
    form = TrainingForm()
    if form.validate_on_submit():
        try:
            training.record(
                get_db(),
                user_id,
                course=form.course_name(),
                trained_on=form.trained_on.data,
                recorded_by=current_user.id,
            )
        except training.TrainingError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            flash(f"Training recorded for {user['display_name']}.", "success")
            return redirect(url_for("admin.training_person", user_id=user_id), code=303)
    return _person_page(user, form), 400


@bp.route("/training/<int:training_id>/withdraw", methods=["GET", "POST"])
@allow("admin")
def withdraw_training(training_id: int):
    """Withdraw a wrong record, saying why; it stays on the person's page, marked."""
    record = training_q.get(get_db(), training_id)
    person = users_q.get(get_db(), record["user_id"])
    form = WithdrawTrainingForm()
    if record["withdrawn_at"]:
        flash("That record has already been withdrawn.", "info")
        return redirect(url_for("admin.training_person", user_id=person["id"]), code=303)
    if form.validate_on_submit():
        try:
            training.withdraw(
                get_db(), training_id, reason=form.reason.data, withdrawn_by=current_user.id
            )
        except training.TrainingError as error:
            form.reason.errors = [*form.reason.errors, error.message]
        else:
            flash(f"The record was withdrawn from {person['display_name']}'s training.", "success")
            return redirect(url_for("admin.training_person", user_id=person["id"]), code=303)
    status = 400 if form.errors else 200
    return render_template(
        "admin/training_withdraw.html", form=form, record=record, person=person
    ), status
