"""Satisfaction surveys on the web: the public survey page of a mailed link, the customer's choice on
their portal ticket, the agents' figures and the manager's settings."""
from contextlib import nullcontext

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from portal.automation import csat
from portal.errors import DomainError
from portal.extensions import db
from portal.staff.access import permission_required
from portal.tickets import services
from portal.tickets.models import CHANNEL_LABELS, Channel
from portal.tickets.web import put_error_on_form

bp = Blueprint("csat", __name__)


class SurveyForm(FlaskForm):
    rating = RadioField(_l("Your answer"), choices=[(r, csat.RATING_LABELS[r]) for r in csat.RATINGS],
                        validators=[InputRequired(message=_l("Choose one of the three answers."))])
    comment = TextAreaField(_l("Comment (optional)"), render_kw={"rows": 5})


class SettingsForm(FlaskForm):
    enabled = BooleanField(_l("Send satisfaction surveys"))
    delay_hours = StringField(_l("Delay after the ticket is solved (hours)"), render_kw={"inputmode": "numeric"})
    channels = SelectMultipleField(_l("Ask about tickets from these channels"), validate_choice=False,
                                   choices=[(c.value, CHANNEL_LABELS[c]) for c in Channel],
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


def _customer_locale(ticket):
    """The page of a mailed link speaks the customer's language, whoever opens it."""
    from portal.tickets.notifications import _locale_for

    locale = _locale_for(ticket)
    return force_locale(locale) if locale else nullcontext()


def _survey_page(form, survey, ticket, *, portal: bool, status: int = 200):
    return render_template("automation/csat/survey.html", form=form, survey=survey, ticket=ticket, portal=portal,
                           closed=survey is not None and not csat.is_open(survey), max_comment=csat.MAX_COMMENT,
                           answer_days=csat.ANSWER_DAYS, open_until=csat.open_until(survey) if survey else None), status


def _answer(form, survey, ticket, *, portal: bool, done_url: str, start=None):
    """GET shows the form (changes nothing); POST records the answer, or shows field errors (400),
    or refuses a closed survey (409)."""
    if request.method == "GET":
        form.rating.data = request.view_args.get("rating") or (survey.rating if survey else None)
        form.comment.data = survey.comment if survey else ""
        return _survey_page(form, survey, ticket, portal=portal)
    if survey is not None and not csat.is_open(survey):
        form.rating.data, form.comment.data = survey.rating, survey.comment
        return _survey_page(form, survey, ticket, portal=portal, status=409)
    if not form.validate_on_submit():
        return _survey_page(form, survey, ticket, portal=portal, status=400)
    try:
        survey = survey or start()
        comment = form.comment.data if "comment" in request.form else survey.comment
        csat.record_answer(survey, rating=form.rating.data, comment=comment,
                           actor=current_user if current_user.is_authenticated else None)
    except DomainError as exc:
        put_error_on_form(form, exc)
        return _survey_page(form, csat.survey_for(ticket), ticket, portal=portal, status=400)
    db.session.commit()
    flash(_("Thank you! Your answer was recorded."), "success")
    return redirect(done_url)


@bp.route("/survey/<token>", methods=["GET", "POST"])
@bp.route("/survey/<token>/<rating>", methods=["GET", "POST"])
def answer(token, rating=None):
    """The survey page of a mailed link (no login): the chosen rating preselected, a comment, Send."""
    survey = csat.survey_by_token(token)
    if survey is None or (rating is not None and rating not in csat.RATINGS):
        abort(404)
    ticket = csat.ticket_of(survey)
    with _customer_locale(ticket):
        return _answer(SurveyForm(), survey, ticket, portal=False, done_url=url_for("csat.answer", token=token))


@bp.route("/portal/tickets/<int:number>/satisfaction", methods=["GET", "POST"])
@login_required
def portal_answer(number):
    """A customer rates their solved request from the portal (the ticket page's buttons post here)."""
    ticket = services.get_ticket(number, viewer=current_user)
    survey = csat.survey_for(ticket)
    if survey is None and not csat.portal_can_start(ticket):
        abort(404)
    return _answer(SurveyForm(), survey, ticket, portal=True, start=lambda: csat.portal_survey(ticket),
                   done_url=url_for("portal_tickets.show", number=ticket.number))


@bp.route("/staff/csat")
@permission_required("tickets.work")
def figures():
    """Satisfaction per agent over 7, 30 or 90 days; managers see every agent."""
    days = request.args.get("days", type=int)
    days = days if days in csat.PERIODS else 30
    return render_template("automation/csat/figures.html", figures=csat.agent_figures(current_user, days=days),
                           periods=csat.PERIODS, labels=csat.RATING_LABELS)


@bp.route("/staff/settings/csat", methods=["GET", "POST"])
@permission_required("settings.manage")
def settings():
    """Survey settings: on/off, delay, channels; the bad-rating rule's state."""
    from portal.automation import defaults, rule_services

    form = SettingsForm()
    if request.method == "GET":
        values = csat.settings()
        for name in ("enabled", "channels"):
            getattr(form, name).data = values[name]
        form.delay_hours.data = str(values["delay_hours"])
    elif form.validate_on_submit():
        try:
            csat.save_settings(enabled=form.enabled.data, delay_hours=form.delay_hours.data,
                               channels=form.channels.data)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            flash(_("Survey settings saved."), "success")
            return redirect(url_for("csat.settings"))
    return render_template("automation/csat/settings.html", form=form,
                           bad_rule=rule_services.builtin_rule(defaults.BAD_RATING)), \
        400 if form.errors or form.form_errors else 200
