"""Automation: rules that route, tag and answer; business hours and SLA targets with escalation;
satisfaction surveys. Everything runs through tickets.services, on the worker for anything timed."""


def init_app(app):
    from portal.automation import models  # noqa: F401  (the tables)
    from portal.automation import assignment, sla

    sla.init_app(app)
    assignment.init_app(app)
