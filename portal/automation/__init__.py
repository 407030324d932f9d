"""Automation: rules that route, tag and answer; business hours and SLA targets with escalation;
satisfaction surveys. Everything runs through tickets.services, on the worker for anything timed."""


def init_app(app):
    from portal.automation import models  # noqa: F401  (the tables)
    from portal.automation import engine  # the trigger hook and the rules' jobs (sweep, webhook)
    from portal.automation.cli import rules_cli
    from portal.automation.views import bp as rules_bp

    engine.init_app(app)
    app.register_blueprint(rules_bp)
    app.cli.add_command(rules_cli)
    from portal.automation import assignment, sla
    from portal.automation import sla_settings  # noqa: F401  (the recompute job)
    from portal.automation.sla_views import bp as sla_bp

    sla.init_app(app)
    assignment.init_app(app)
    app.register_blueprint(sla_bp)
    from portal.automation import csat  # the survey job, pages, CLI and solve hook

    csat.init_app(app)
