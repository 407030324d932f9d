"""Rules for the automation tests, made through the same service the settings page calls."""
from portal.automation import rule_services
from portal.automation.models import RuleRun
from portal.extensions import db


def make_rule(**values):
    rule = rule_services.save_rule(**{"name": "Test rule", "kind": "trigger", "events": ["opened"], "match": "all",
                                      "conditions": [], "actions": [{"type": "add_tags", "value": "ruled"}],
                                      **values})
    db.session.commit()
    return rule


def runs(rule=None, ticket=None) -> list[RuleRun]:
    query = db.session.query(RuleRun)
    if rule is not None:
        query = query.filter_by(rule_id=rule.id)
    if ticket is not None:
        query = query.filter_by(ticket_id=ticket.id)
    return query.order_by(RuleRun.id).all()
