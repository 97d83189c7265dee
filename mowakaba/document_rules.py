"""Documents' rules, pure: which checklist item a document meets, which kinds a newer upload
replaces, when a document's renewal is asked for. No I/O: the services apply them."""

from __future__ import annotations

from datetime import date, timedelta

from mowakaba.enums import ChecklistItem, DocumentKind, DocumentStatus, WorkItemKind
from mowakaba.rules import WorkItemSpec

# The exit checklist items a document meets while it is in force and not expired.
CHECKLIST_OF: dict[DocumentKind, ChecklistItem] = {
    DocumentKind.national_id_card: ChecklistItem.national_id_card,
    DocumentKind.birth_certificate: ChecklistItem.birth_certificate,
    DocumentKind.health_coverage_card: ChecklistItem.health_coverage,
}
DOCUMENT_FOR: dict[ChecklistItem, DocumentKind] = {v: k for k, v in CHECKLIST_OF.items()}

# A youth has one of these in force at a time: a newer upload replaces the older one.
# School certificates and "other" documents pile up; a signed plan replaces the signed
# copy of the same plan version only.
ONE_IN_FORCE = frozenset(
    {
        DocumentKind.national_id_card,
        DocumentKind.birth_certificate,
        DocumentKind.placement_order,
        DocumentKind.health_coverage_card,
    }
)


def is_valid(*, status: DocumentStatus, expiry_date: date | None, today: date) -> bool:
    """A document counts while in force and until its expiry day, included."""
    return status == DocumentStatus.current and (expiry_date is None or expiry_date >= today)


def meets(kind: DocumentKind, subject: str) -> bool:
    """Tell whether a kind of document meets an exit checklist item (by its subject)."""
    return kind in CHECKLIST_OF and CHECKLIST_OF[kind].value == subject


def replaces(
    new: DocumentKind, old: DocumentKind, *, new_plan: int | None, old_plan: int | None
) -> bool:
    """Tell whether a new upload retires an older document in force."""
    if new != old:
        return False
    if new == DocumentKind.signed_plan:
        return new_plan is not None and new_plan == old_plan
    return new in ONE_IN_FORCE


def renewal_from(expiry_date: date, *, lead_days: int) -> date:
    """The day the renewal work item is created: `lead_days` before the expiry."""
    return expiry_date - timedelta(days=lead_days)


def renewal_item(document_id: int, expiry_date: date, today: date) -> WorkItemSpec:
    """The renewal work item: due on the expiry day (today when that has passed already)."""
    return WorkItemSpec(
        WorkItemKind.document_renewal, max(expiry_date, today), subject=f"d{document_id}"
    )
