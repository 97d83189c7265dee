"""`mowakaba users create --partner-id`: a partner user belongs to one partner."""

from mowakaba.db import session_scope
from mowakaba.models import User
from tests.cli.test_commands import run
from tests.factories import make_partner


def test_a_partner_user_is_created_with_its_partner_and_only_so(committed):
    with session_scope() as s:
        partner_id = make_partner(s, name="ANAPEC Fès").pk
    account = ("users", "create", "--password", "kasbah sunrise 42", "--role")
    created = run(*account, "partner", "--username", "anapec", "--partner-id", str(partner_id))
    assert "(partner)" in created.output
    with session_scope() as s:
        user = s.query(User).filter_by(username="anapec").one()
        assert user.partner_id == partner_id
    for case in (
        (*account, "partner", "--username", "nobody"),  # no partner
        (*account, "partner", "--username", "ghost", "--partner-id", "999"),  # no such partner
        (*account, "admin", "--username", "boss", "--partner-id", str(partner_id)),
    ):
        result = run(*case, ok=False)
        assert result.exit_code == 2 and result.output.startswith("error: "), result.output
