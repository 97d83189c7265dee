"""The partner directory's words: kinds of partner, and a service's eligibility conditions
in plain, translated text ("ages 16–25", "lower-secondary level or more", "young women
only", "needs a national ID card"), from the labels of mowakaba/eligibility.py."""

from __future__ import annotations

from typing import Any

from babel.lists import format_list

from api.pages.youth_labels import AXIS_LABELS, CHECKLIST_LABELS
from mowakaba import eligibility as rules
from mowakaba.enums import Language
from mowakaba.errors import InvalidInput
from mowakaba.i18n import LOCALES
from mowakaba.labels import N_, translate
from mowakaba.list_labels import PARTNER_KIND_LABELS

__all__ = ["AXIS_LABELS", "CHECKLIST_LABELS", "KIND_LABELS", "describe_conditions"]

KIND_LABELS = PARTNER_KIND_LABELS

EVERYONE = N_("open to every young person")
UNREADABLE = N_("conditions that cannot be read: check the service")


def _words(items: list[str], language: Language) -> str:
    """A list in words ("a, b and c"; "أ و ب") in the reader's language."""
    return format_list(items, locale=LOCALES[language]) if items else ""


def describe_condition(condition: Any, language: Language) -> str:
    """One condition as a phrase in a reader's language."""

    def t(message: str, **values: str) -> str:
        return translate(message, language).format(**values)

    def level(labels: dict[Any, str], low: Any, high: Any) -> str:
        if low is not None and high is not None:
            return t(N_("from {low} to {high}"), low=t(labels[low]), high=t(labels[high]))
        if low is not None:
            return t(N_("{level_label} or more"), level_label=t(labels[low]))
        return t(N_("{level_label} at most"), level_label=t(labels[high]))

    if isinstance(condition, rules.AgeCondition):
        if condition.min is not None and condition.max is not None:
            return t(N_("ages {min}–{max}"), min=str(condition.min), max=str(condition.max))
        if condition.min is not None:
            return t(N_("from age {min}"), min=str(condition.min))
        return t(N_("up to age {max}"), max=str(condition.max))
    if isinstance(condition, rules.SexCondition):
        return t(N_("{sex_label} only"), sex_label=t(rules.SEX_LABELS[condition.is_]))
    if isinstance(condition, rules.EducationCondition):
        return level(rules.EDUCATION_LABELS, condition.min, condition.max)
    if isinstance(condition, rules.VocationalCondition):
        return level(rules.VOCATIONAL_LABELS, condition.min, condition.max)
    if isinstance(condition, rules.StageCondition):
        stages = _words([t(rules.STAGE_LABELS[s]) for s in condition.in_], language)
        return t(N_("at these stages: {stages}"), stages=stages)
    if isinstance(condition, rules.RegionCondition):
        return t(N_("only in {regions}"), regions=_words(list(condition.in_), language))
    assert isinstance(condition, rules.DocumentCondition)
    return t(N_("needs {document_label}"), document_label=t(rules.DOCUMENT_LABELS[condition.has]))


def describe_conditions(raw: Any, language: Language) -> list[str]:
    """A service's stored conditions as phrases (one for a service open to everyone)."""
    try:
        conditions = rules.parse_conditions(raw)
    except InvalidInput:
        return [translate(UNREADABLE, language)]
    if not conditions:
        return [translate(EVERYONE, language)]
    return [describe_condition(c, language) for c in conditions]
