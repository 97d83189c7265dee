"""A referral's letter to its partner: the print view (HTML, A4 print CSS, no navigation)
and the PDF, in the partner's language (`?language=` for another of ours). The youth's
mediator and the institution's coordinators print it; every view is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.headers import CONTENT_SECURITY_POLICY
from api.pages.common import page_guard, page_router
from api.referring import scoped_referral
from mowakaba.enums import Language
from mowakaba.errors import NotFound
from mowakaba.letters import Letter, render_referral_letter
from mowakaba.models import User
from mowakaba.services import referrals as referral_service

router = page_router()
ReferralId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Guard = Annotated[User, Depends(page_guard("referrals.letter"))]
LanguageQuery = Annotated[Language | None, Query()]


def _letter(
    session: SessionDep, request: Request, user: User, referral_id: int, language: Language | None
) -> Letter:
    referral = scoped_referral(session, request, user, referral_id, "referrals.letter")
    # The letter carries what the partner may see: only for a referral sent and open while a
    # consent (or a coordinator's override) covers it — never a draft's unshared details.
    if not referral_service.partner_can_see(session, referral):
        raise NotFound(f"referral {referral_id}: no letter (not sent, closed, or no consent)")
    return render_referral_letter(session, referral.pk, language=language)


@router.get("/referrals/{referral_id}/letter")
def referral_letter(
    referral_id: ReferralId,
    session: SessionDep,
    request: Request,
    user: Guard,
    language: LanguageQuery = None,
) -> Response:
    """The letter as a page to print (its own inline style, allowed by its hash)."""
    letter = _letter(session, request, user, referral_id, language)
    return HTMLResponse(
        letter.html,
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": f"{CONTENT_SECURITY_POLICY}; style-src {letter.style_hash}",
            "Content-Language": letter.language.value,
        },
    )


@router.get("/referrals/{referral_id}/letter.pdf")
def referral_letter_pdf(
    referral_id: ReferralId,
    session: SessionDep,
    request: Request,
    user: Guard,
    language: LanguageQuery = None,
) -> Response:
    """The letter as a PDF to download."""
    letter = _letter(session, request, user, referral_id, language)
    return Response(
        letter.pdf,
        media_type="application/pdf",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{letter.filename}"',
            "Content-Language": letter.language.value,
        },
    )
