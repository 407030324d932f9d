"""Settings › Rules (managers): the ordered list, the rule form with its preview, enable, move, delete."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.automation import defaults, rule_services, rules, wismo
from portal.automation.forms import RuleForm, form_data
from portal.automation.models import Rule
from portal.extensions import db
from portal.staff.access import permission_required

bp = Blueprint("automation", __name__, url_prefix="/staff/settings/rules")
SKIPPED = {
    "flagged": lambda: _("not sent: the message was an automatic reply or flagged mail"),
    "missing": lambda: _("skipped: it no longer exists"),
    "nobody": lambda: _("skipped: nobody to notify or assign"),
    "unsubscribed": lambda: _("skipped: that address turned notifications off"),
    "closed": lambda: _("skipped: the ticket is closed"),
    "no-order": lambda: _("skipped: no linked order, and not exactly one open order for this customer"),
    "handled": lambda: _("skipped: already answered or sent to a person"),
    "answered": lambda: _("skipped: someone already replied"),
    "open": lambda: _("skipped: the team is at work now"),
}
RESULTS = {
    "answered": lambda: _("answered from the order; the ticket waits for the customer"),
    "routed: wismo-late": lambda: _("sent to a person: the order was not shipped in time"),
    "routed: wismo-stuck": lambda: _("sent to a person: the tracking has not moved"),
}


@bp.route("/")
@permission_required("settings.manage")
def index():
    """The rules in the order they run, with how often and when each last fired."""
    every = rule_services.all_rules()
    return render_template("automation/rules.html", triggers=[r for r in every if r.kind == "trigger"],
                           timed=[r for r in every if r.kind == "timed"], counts=rule_services.run_counts(),
                           missing_defaults=_missing_defaults(every), event_labels=rules.EVENTS,
                           since_labels=rules.SINCE, wismo=wismo.stats(), wismo_rule=_answering_rule(every))


def _answering_rule(every):
    """The rule the WISMO figures sit next to: the shipped one, else the first that answers from the order."""
    answering = [r for r in every if any(a.get("type") == "answer_order" for a in r.actions or [])]
    return next((r for r in answering if r.builtin == defaults.WISMO), answering[0] if answering else None)


def _missing_defaults(every) -> int:
    have = {r.builtin for r in every}
    return sum(1 for d in defaults.definitions() if d["builtin"] not in have)


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:rule_id>", methods=["GET", "POST"])
@permission_required("settings.manage")
def edit(rule_id=None):
    """Create or edit a rule; "Preview" shows the matching open tickets without saving."""
    rule = rule_services.get_rule(rule_id) if rule_id else None
    form = RuleForm() if request.method == "POST" else RuleForm(data=form_data(rule))
    result, failed = None, request.method == "POST"
    if form.validate_on_submit():
        try:
            if "preview" in request.form:
                cleaned = rules.clean_rule(**form.values(), previous_actions=rule.actions if rule else ())
                result, failed = rule_services.preview(Rule(**cleaned)), False
            else:
                saved = rule_services.save_rule(rule=rule, **form.values())
                db.session.commit()
                flash(_("Rule “%(name)s” saved.", name=saved.name), "success")
                return redirect(url_for("automation.index"))
        except rules.RuleErrors as exc:  # a row's error is not in form.errors (FieldList keeps its own)
            _put_errors(form, exc.errors)
    return render_template("automation/rule_edit.html", form=form, rule=rule, preview=result,
                           **reference()), 400 if failed else 200


def _put_errors(form, errors: dict) -> None:
    """Each message next to its field: "conditions-2-value" is the value of the third condition row."""
    for path, message in errors.items():
        target = form
        for part in path.split("-"):
            try:
                target = target[int(part)] if part.isdigit() else getattr(getattr(target, "form", target), part)
            except (AttributeError, IndexError):
                target = None
                break
        if target is None or not hasattr(target, "errors"):
            form.form_errors.append(message)
        else:
            target.errors = list(target.errors or []) + [message]


def reference() -> dict:
    """What the form's help lists: each field's operators and values, each action's value."""
    fields = []
    for key, spec in rules.FIELDS.items():
        values = rules.choices(key) if spec.values == "choice" else [
            (str(i), name) for i, name in rules.entities(spec.values)] if spec.values in ("group", "agent", "store") \
            else []
        fields.append({"key": key, "field": spec, "ops": [rules.OPERATORS[o] for o in spec.ops], "values": values})
    return {"fields": fields, "actions": rules.ACTIONS, "macros": rules.entities("macro")}


@bp.route("/<int:rule_id>/preview")
@permission_required("settings.manage")
def preview(rule_id):
    """Which open tickets a saved rule matches now."""
    rule = rule_services.get_rule(rule_id)
    return render_template("automation/rule_preview.html", rule=rule, preview=rule_services.preview(rule))


@bp.route("/<int:rule_id>/enabled", methods=["POST"])
@permission_required("settings.manage")
def set_enabled(rule_id):
    """Enable or disable a rule."""
    rule = rule_services.get_rule(rule_id)
    rule_services.set_enabled(rule, request.form.get("enabled") == "1")
    db.session.commit()
    flash(_("Rule “%(name)s” enabled.", name=rule.name) if rule.enabled else
          _("Rule “%(name)s” disabled.", name=rule.name), "success")
    return redirect(url_for("automation.index"))


@bp.route("/<int:rule_id>/move", methods=["POST"])
@permission_required("settings.manage")
def move(rule_id):
    """Move a rule one place up or down."""
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    rule_services.move_rule(rule_services.get_rule(rule_id), direction)
    db.session.commit()
    return redirect(url_for("automation.index"))


@bp.route("/<int:rule_id>/delete", methods=["POST"])
@permission_required("settings.manage")
def delete(rule_id):
    """Delete a rule (its log on tickets stays)."""
    rule = rule_services.get_rule(rule_id)
    name = rule.name
    rule_services.delete_rule(rule)
    db.session.commit()
    flash(_("Rule “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("automation.index"))


@bp.route("/defaults", methods=["POST"])
@permission_required("settings.manage")
def install_defaults():
    """Add the shipped rules that are missing."""
    added = defaults.install_defaults()
    db.session.commit()
    flash(_("%(num)d default rules added.", num=added), "success")
    return redirect(url_for("automation.index"))


# --- on the ticket page ---------------------------------------------------------------------------

@bp.app_template_global()
def ticket_rule_runs(ticket):
    """What rules did on this ticket, latest first."""
    return rule_services.runs_of(ticket)


@bp.app_template_global()
def rule_outcomes(run) -> list[str]:
    """A run's actions as sentences in the reader's language."""
    import json

    try:
        outcomes = json.loads(run.summary or "[]")
    except ValueError:
        return []
    lines = []
    for outcome in outcomes if isinstance(outcomes, list) else []:
        label = rules.ACTIONS.get(outcome.get("type"), (outcome.get("type"), None))[0]
        line = f"{label}: {outcome['shown']}" if outcome.get("shown") else str(label)
        if outcome.get("result"):
            line += " — " + RESULTS.get(outcome["result"], lambda: outcome["result"])()
        skipped = str(outcome.get("skipped") or "")
        if skipped.startswith("missing:"):
            line += " — " + _("not sent: no value for %(names)s", names=skipped.removeprefix("missing:"))
        elif skipped:
            line += " — " + SKIPPED.get(skipped, lambda: skipped)()
        if outcome.get("error"):
            line += " — " + _("failed: %(error)s", error=outcome["error"])
        lines.append(line)
    return lines


@bp.app_template_global()
def rule_actor(ticket_event) -> str | None:
    """"Rule «name»" for a timeline event a rule caused (None for the others)."""
    if not ticket_event.rule_id:
        return None
    names = g.get("_rule_names")
    if names is None:
        names = g._rule_names = dict(db.session.execute(db.select(Rule.id, Rule.name)).tuples().all())
    name = names.get(ticket_event.rule_id)
    return _("Rule «%(name)s»", name=name) if name else None
