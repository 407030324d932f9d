"""Each role's tokens: which scopes it may hold, and what one call per scope answers (a token never does
more than its user: the same permission checks as the pages)."""
import pytest

from portal.accounts.models import Role
from portal.api import services
from portal.errors import PermissionDenied, ValidationError
from portal.permissions import API_SCOPES, grantable_scopes
from tests.factories import make_agent, make_article, make_question, make_ticket, make_user

READS = {"tickets:read": "/tickets", "customers:read": "/customers", "orders:read": "/orders",
         "help_center:read": "/help-center/articles", "community:read": "/community/questions",
         "macros:read": "/macros", "groups:read": "/groups", "users:read": "/users/me", "reports:read": "/reports"}
CONTENT = {"help_center:read", "help_center:write", "community:read", "users:read"}
DESK = {"tickets:read", "tickets:write", "customers:read", "customers:write", "orders:read", "macros:read",
        "groups:read"}
GRANTABLE = {
    Role.CUSTOMER: set(),
    Role.EDITOR: CONTENT,
    Role.AGENT: DESK | {"help_center:read", "community:read", "community:write", "users:read", "reports:read"},
    Role.MANAGER: set(API_SCOPES),
}


def user_of(role):
    return make_agent(scope="all", role=role) if role in (Role.AGENT, Role.MANAGER) else make_user(role)


@pytest.mark.parametrize("role", list(Role))
def test_which_scopes_each_role_may_hold(app, role):
    user = user_of(role)
    assert set(grantable_scopes(user)) == GRANTABLE[role]
    refused = sorted(set(API_SCOPES) - GRANTABLE[role])
    if role == Role.CUSTOMER:
        with pytest.raises(PermissionDenied):
            services.create_token(user=user, name="x", scopes=["users:read"])
    elif refused:
        with pytest.raises(ValidationError):
            services.create_token(user=user, name="x", scopes=refused[:1])


@pytest.mark.parametrize("role", [Role.EDITOR, Role.AGENT, Role.MANAGER])
def test_one_read_per_scope_answers_200_with_the_scope_and_403_without(api, role):
    make_ticket()
    make_article()
    make_question()
    user = user_of(role)
    held = sorted(GRANTABLE[role])
    _token, secret = services.create_token(user=user, name="all mine", scopes=held)
    for scope, path in READS.items():
        expected = 200 if scope in held else 403
        assert api.get(path, token=secret).status_code == expected, (role, scope)


def test_a_scope_without_its_permission_is_refused_even_if_stored(api):
    """A role change after the token was made: the stored scope no longer opens anything."""
    from portal.extensions import db

    editor = make_user(Role.EDITOR)
    token, secret = services.create_token(user=editor, name="x", scopes=["help_center:read"])
    token.scopes = ["help_center:read", "tickets:read"]  # as if granted when the user was an agent
    db.session.commit()
    assert api.get("/tickets", token=secret).status_code == 403
    assert api.get("/help-center/articles", token=secret).status_code == 200
