"""The eligibility evaluator: conditions as data, every reason in the three languages."""

from __future__ import annotations

from datetime import date

import pytest

from mowakaba.eligibility import YouthFacts, parse_conditions, reasons_not_eligible
from mowakaba.enums import EducationLevel, Language, Sex, Stage, VocationalLevel
from mowakaba.errors import InvalidInput

DAY = date(2026, 11, 30)
# Born 15 March 2010: 16 on the day; primary school; no vocational level; in care.
YOUTH = YouthFacts(
    date_of_birth=date(2010, 3, 15), sex=Sex.male, education_level=EducationLevel.primary,
    vocational_level=VocationalLevel.none, stage=Stage.active, region="Casablanca-Settat",
    documents=frozenset({"birth_certificate"}),
)  # fmt: skip

# condition → its reason when not met, in English, French and Arabic (None: met).
CASES = [
    ({"kind": "age", "min": 16, "max": 25}, None),
    ({"kind": "age", "min": 18, "max": 25},
     ("ages 18–25", "de 18 à 25 ans", "من 18 إلى 25 سنة")),
    ({"kind": "age", "min": 17}, ("from age 17", "à partir de 17 ans", "ابتداء من 17 سنة")),
    ({"kind": "age", "max": 15}, ("up to age 15", "jusqu'à 15 ans", "إلى غاية 15 سنة")),
    ({"kind": "age", "max": 16}, None),
    ({"kind": "sex", "is": "male"}, None),
    ({"kind": "sex", "is": "female"},
     ("for young women only", "réservé aux jeunes femmes", "مخصص فقط لـ: الشابات")),
    ({"kind": "education_level", "min": "primary"}, None),
    ({"kind": "education_level", "min": "lower_secondary"},
     ("needs lower-secondary level", "exige : niveau collège", "يشترط: المستوى الإعدادي")),
    ({"kind": "education_level", "max": "none"},
     ("for no schooling at most", "au plus : sans scolarité", "كحد أقصى: بدون تمدرس")),
    ({"kind": "vocational_level", "min": "qualified"},
     ("needs qualified vocational level", "exige : niveau qualification",
      "يشترط: مستوى التأهيل")),
    ({"kind": "stage", "in": ["active", "exit_preparation"]}, None),
    ({"kind": "stage", "in": ["exited", "follow_up"]},
     ("for young people who have left care", "pour les jeunes sortis de l'établissement",
      "للشباب الذين غادروا المؤسسة")),
    ({"kind": "stage", "in": ["exit_preparation"]},
     ("for young people still in care", "pour les jeunes encore en établissement",
      "للشباب الذين لا يزالون في المؤسسة")),
    ({"kind": "stage", "in": ["exit_preparation", "exited"]},
     ("not at this stage of the pathway", "pas à cette étape du parcours",
      "ليس في هذه المرحلة من المسار")),
    ({"kind": "region", "in": ["Casablanca-Settat"]}, None),
    ({"kind": "region", "in": ["Fès-Meknès"]},
     ("only in Fès-Meknès", "uniquement dans : Fès-Meknès", "فقط في: Fès-Meknès")),
    ({"kind": "document", "has": "birth_certificate"}, None),
    ({"kind": "document", "has": "national_id_card"},
     ("needs a national ID card", "exige une carte nationale d'identité",
      "يشترط البطاقة الوطنية للتعريف")),
]  # fmt: skip


@pytest.mark.parametrize(("condition", "expected"), CASES)
def test_each_condition_gives_its_reason_in_the_readers_language(condition, expected):
    reasons = reasons_not_eligible(parse_conditions([condition]), YOUTH, DAY)
    if expected is None:
        assert reasons == []
        return
    (reason,) = reasons
    got = tuple(reason.text(lang) for lang in (Language.en, Language.fr, Language.ar))
    assert got == expected


def test_a_youth_who_meets_every_condition_is_eligible():
    conditions = parse_conditions([c for c, expected in CASES if expected is None])
    assert reasons_not_eligible(conditions, YOUTH, DAY) == []


def test_every_unmet_condition_is_listed_in_order():
    conditions = parse_conditions([c for c, expected in CASES if expected is not None])
    codes = [r.code for r in reasons_not_eligible(conditions, YOUTH, DAY)]
    assert len(codes) == len([1 for _, e in CASES if e is not None])


def test_age_counts_whole_years_on_the_day():
    conditions = parse_conditions([{"kind": "age", "min": 17}])
    assert reasons_not_eligible(conditions, YOUTH, date(2027, 3, 14))
    assert not reasons_not_eligible(conditions, YOUTH, date(2027, 3, 15))


@pytest.mark.parametrize(
    "raw",
    [
        [{"kind": "age"}],
        [{"kind": "age", "min": 30, "max": 20}],
        [{"kind": "colour", "is": "blue"}],
        [{"kind": "sex", "is": "other"}],
        [{"kind": "education_level", "min": "phd"}],
        [{"kind": "stage", "in": []}],
        [{"kind": "document", "has": "housing"}],
        [{"kind": "age", "min": 16, "extra": 1}],
        {"kind": "age"},
        [{"kind": "age", "min": 1}] * 21,
    ],
)
def test_bad_conditions_are_refused_with_a_clear_error(raw):
    with pytest.raises(InvalidInput, match="eligibility"):
        parse_conditions(raw)
