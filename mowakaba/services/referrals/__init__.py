"""Referrals: a youth sent to a partner's service, answered, delivered — and chased.

`lifecycle` moves a referral (create, send, cancel, re-route, the partner's answer) and
says what a partner may see; `follow` does what follows a move (`settle_referral`) and
chases the clocks (`deadline_batch`); `lists` pages and counts them. Callers import the
package: `from mowakaba.services import referrals as referral_service`.
"""

from mowakaba.services.referrals.follow import (
    Chased,
    Settled,
    chase_referral,
    deadline_batch,
    settle_referral,
    unsettled_batch,
)
from mowakaba.services.referrals.lifecycle import (
    answer_referral,
    cancel_referral,
    create_referral,
    get_referral,
    may_refer,
    partner_can_see,
    partner_view,
    reroute_referral,
    send_referral,
)
from mowakaba.services.referrals.lists import (
    PartnerFigures,
    page_referrals,
    partner_figures,
    transitions_of,
    working_days_between,
)

__all__ = [
    "Chased",
    "PartnerFigures",
    "Settled",
    "answer_referral",
    "cancel_referral",
    "chase_referral",
    "create_referral",
    "deadline_batch",
    "get_referral",
    "may_refer",
    "page_referrals",
    "partner_can_see",
    "partner_figures",
    "partner_view",
    "reroute_referral",
    "send_referral",
    "settle_referral",
    "transitions_of",
    "unsettled_batch",
    "working_days_between",
]
