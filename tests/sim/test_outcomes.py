"""The simulation's outcome lines: the indicator services' figures, as n/N."""

from datetime import date

from mowakaba.enums import ActivityOutcome, CheckpointStatus, HousingOutcome, Stage
from mowakaba.sim.outcomes import format_outcomes, outcome_indicators
from tests.factories import make_institution
from tests.services.indicator_builders import checkpoint, youth


def test_outcomes_are_the_indicator_services_figures(session):
    home = make_institution(session)
    left = youth(session, home, exit_date=date(2027, 1, 4), stage=Stage.follow_up)
    checkpoint(session, left, 12, status=CheckpointStatus.contacted, due=date(2028, 1, 4),
               recorded=date(2028, 1, 4), housing=HousingOutcome.shared_flat,
               activity=ActivityOutcome.training)  # fmt: skip
    youth(session, home, exit_date=date(2027, 3, 1), stage=Stage.follow_up)  # never reached
    table = outcome_indicators(session, first_day=date(2026, 1, 1), as_of=date(2029, 12, 31))
    # Both leavers have had 12 months; the one reached is integrated: 1/2.
    assert table["outcome_12m"]["integrated"][0] >= 1
    lines = format_outcomes(table, date(2029, 12, 31))
    assert lines[0].startswith("Outcome indicators as of 2029-12-31")
    assert lines[3].split()[:2] == ["12", "months"]
