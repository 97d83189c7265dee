"""Labels shown to people, marked for translation where they are defined.

`N_` only marks a string for pybabel; whoever shows it translates it in the reader's
language (the pages' templates with `_()`, the notifications with `translate`).
"""

from __future__ import annotations

from mowakaba import i18n
from mowakaba.enums import IncidentKind, Language, WorkItemKind


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; it is translated where shown."""
    return message


WORK_ITEM_KINDS = {
    WorkItemKind.intake_assessment: N_("Intake assessment"),
    WorkItemKind.integration_plan: N_("Integration plan"),
    WorkItemKind.plan_approval: N_("Plan approval"),
    WorkItemKind.milestone_check: N_("Milestone check"),
    WorkItemKind.plan_review: N_("Plan review"),
    WorkItemKind.exit_readiness_assessment: N_("Exit-readiness assessment"),
    WorkItemKind.exit_checklist_item: N_("Exit checklist item"),
    WorkItemKind.record_exit: N_("Record the exit"),
    WorkItemKind.follow_up_checkpoint: N_("Follow-up checkpoint"),
    WorkItemKind.exit_extension_decision: N_("Extension decision"),
    WorkItemKind.incident_response: N_("Incident response"),
    WorkItemKind.runaway_decision: N_("Runaway: decide the exit"),
    WorkItemKind.document_renewal: N_("Document renewal"),
}

INCIDENT_KINDS = {
    IncidentKind.runaway: N_("Runaway"),
    IncidentKind.hospitalisation: N_("Hospitalisation"),
    IncidentKind.arrest: N_("Arrest"),
    IncidentKind.violence: N_("Violence"),
    IncidentKind.pregnancy: N_("Pregnancy"),
    IncidentKind.other: N_("Other incident"),
}


def translate(message: str, language: Language) -> str:
    """A marked string in a language, through the Babel catalogs."""
    return i18n.translations(language).gettext(message)


def work_item_kind(kind: WorkItemKind, language: Language) -> str:
    """The name of a kind of work item in a language."""
    return translate(WORK_ITEM_KINDS[kind], language)


def incident_kind(kind: IncidentKind, language: Language) -> str:
    """The name of a kind of incident in a language."""
    return translate(INCIDENT_KINDS[kind], language)
