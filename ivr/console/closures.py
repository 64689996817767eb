"""The console's Cierres page: closures and special hours added without editing the YAML.

Everyone sees what is stored; an operator adds a closure (a line or every line, a day or a
range, the reason callers hear) or special hours for a date, and removes them, each after a
confirmation page, as the emergency switch asks. The checks, the writes and the audit are the
actions of ``ivr.actions.closures``, the same ``ivr closures`` runs; a refusal is shown beside
its field. What is stored is heard on every host within a second, and the calendar shows it.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from ivr.actions import ActionRefused
from ivr.actions.closures import (
    add_closure,
    add_special_hours,
    describe_entry,
    plan_closure,
    plan_special_hours,
    remove_closure,
)
from ivr.console.blueprint import blueprint
from ivr.console.views import Answer, _actor, operator_only
from ivr.core.say import SAY_LIMIT
from ivr.runtime import Runtime, current_runtime
from ivr.storage.closures import ClosureStore

# Each form's fields, as the actions name them.
FIELDS = {
    "closure": ("line", "first", "last", "label", "message"),
    "hours": ("line", "day", "opens", "closes", "label", "message"),
}


def _page(rt: Runtime, status: int = 200, **values: Any) -> tuple[str, int]:
    today = rt.now().date()
    entries = [e for e in ClosureStore(rt.engine, ttl=0).all() if e.last >= today]
    page = render_template(
        "console/closures.html",
        entries=[(entry, describe_entry(entry)) for entry in entries],
        lines=rt.config.schedules.line_names,
        today=today,
        limit=SAY_LIMIT,
        **values,
    )
    return page, status


@blueprint.route("/closures", methods=["GET"])
def closures() -> Answer:
    return _page(current_runtime())


@blueprint.route("/closures/<kind>", methods=["POST"])
@operator_only
def closures_add(kind: str) -> Answer:
    """Check the form; show the confirmation; on confirmation, store and audit the entry."""
    if kind not in FIELDS:
        return render_template("console/error.html", message="Ese formulario no existe."), 404
    rt = current_runtime()
    form = {name: request.form.get(name, "").strip() for name in FIELDS[kind]}
    plan = plan_closure if kind == "closure" else plan_special_hours
    add = add_closure if kind == "closure" else add_special_hours
    try:
        entry = plan(rt, **form)
        if request.form.get("confirm") != "yes":
            return render_template(
                "console/closures_confirm.html",
                kind=kind,
                form=form,
                said=describe_entry(entry),
                entry=entry,
            )
        stored = add(rt, _actor(), **form)
    except ActionRefused as refused:
        return _page(rt, 422, kind=kind, form=form, errors={refused.field or "": refused.es})
    flash(f"Guardado (#{stored.id}): {describe_entry(stored)}.", "info")
    return redirect(url_for(".closures"))


@blueprint.route("/closures/<int:entry_id>/remove", methods=["POST"])
@operator_only
def closures_remove(entry_id: int) -> Answer:
    """Show the confirmation; on confirmation, remove the entry."""
    rt = current_runtime()
    found = ClosureStore(rt.engine, ttl=0).get(entry_id)
    if found is None:
        flash(f"El cierre u horario especial #{entry_id} ya no existe.", "error")
        return redirect(url_for(".closures"))
    if request.form.get("confirm") != "yes":
        return render_template(
            "console/closures_confirm.html", kind="remove", entry=found, said=describe_entry(found)
        )
    try:
        remove_closure(rt, _actor(), entry_id)
    except ActionRefused as refused:
        flash(refused.es, "error")
        return redirect(url_for(".closures"))
    flash(f"Quitado (#{entry_id}): {describe_entry(found)}.", "info")
    return redirect(url_for(".closures"))
