"""The fields of a register, the headers that suggest them, and the reading of values.

Pure: no database. Headers and words are compared folded (`mowakaba.text.normalise`:
case, accents, Arabic spelling variants), so "Date de Naissance", "date de naissance"
and "تاريخ الإزدياد" all find their field.
"""

from __future__ import annotations

import re
from datetime import date

from mowakaba.enums import EducationLevel, Sex, VocationalLevel
from mowakaba.labels import N_
from mowakaba.text import normalise

# The fields a column may feed, in the order the mapping step lists them.
FIELDS: dict[str, str] = {
    "code": N_("Mowakaba code"),
    "first_name": N_("First name (Latin script)"),
    "last_name": N_("Last name (Latin script)"),
    "first_name_ar": N_("First name (Arabic script)"),
    "last_name_ar": N_("Last name (Arabic script)"),
    "date_of_birth": N_("Date of birth"),
    "sex": N_("Sex"),
    "admission_date": N_("Admission date"),
    "education_level": N_("Education level"),
    "vocational_level": N_("Vocational level"),
    "planned_exit_date": N_("Planned exit date"),
    "mediator": N_("Mediator"),
    "notes": N_("Notes"),
}
REQUIRED = ("date_of_birth", "sex", "admission_date", "education_level", "vocational_level")
DATE_FIELDS = ("date_of_birth", "admission_date", "planned_exit_date")
NAME_FIELDS = ("first_name", "last_name", "first_name_ar", "last_name_ar")

_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("code", "code mowakaba", "mowakaba code", "youth code", "رمز", "الرمز"),
    "first_name": ("prenom", "first name", "firstname", "given name", "prenom (latin)"),
    "last_name": ("nom", "nom de famille", "last name", "lastname", "surname", "family name"),
    "first_name_ar": (
        "الاسم", "الاسم الشخصي", "prenom (arabe)", "prenom arabe", "prenom en arabe",
        "first name (arabic)", "first name arabic", "arabic first name",
    ),
    "last_name_ar": (
        "النسب", "الاسم العائلي", "nom (arabe)", "nom arabe", "nom en arabe",
        "last name (arabic)", "last name arabic", "arabic last name",
    ),
    "date_of_birth": (
        "date de naissance", "ne le", "nee le", "ne(e) le", "naissance", "dob",
        "date of birth", "birth date", "born", "تاريخ الازدياد", "تاريخ الميلاد", "تاريخ الولادة",
    ),
    "sex": ("sexe", "genre", "sex", "gender", "الجنس", "النوع"),
    "admission_date": (
        "date d'admission", "date admission", "date d'entree", "admission", "admis le",
        "admission date", "date admitted", "تاريخ الايداع", "تاريخ الدخول", "تاريخ القبول",
    ),
    "education_level": (
        "niveau scolaire", "niveau d'etudes", "niveau d'instruction", "scolarite",
        "education", "education level", "schooling", "المستوى الدراسي", "المستوى التعليمي",
    ),
    "vocational_level": (
        "formation professionnelle", "formation", "niveau de formation", "niveau professionnel",
        "qualification", "vocational", "vocational level", "vocational training",
        "التكوين المهني", "المستوى المهني",
    ),
    "planned_exit_date": (
        "date de sortie prevue", "sortie prevue", "date de sortie", "planned exit",
        "planned exit date", "exit date", "تاريخ المغادرة المتوقع", "تاريخ المغادرة",
    ),
    "mediator": (
        "mediateur", "mediateur social", "mediator", "social mediator", "الوسيط",
        "الوسيط الاجتماعي",
    ),
    "notes": ("observations", "remarques", "notes", "remarks", "ملاحظات"),
}  # fmt: skip
_BY_HEADER = {normalise(h): f for f, heads in _HEADERS.items() for h in heads}


def _fold(text: str) -> str:
    """A header or word folded for comparison; punctuation around words dropped."""
    return " ".join(re.sub(r"[\s:*._\-–/]+", " ", normalise(text)).split())


_BY_HEADER.update({_fold(h): f for f, heads in _HEADERS.items() for h in heads})


def suggest_mapping(headers: list[str]) -> list[str | None]:
    """The field each header suggests (None: not imported); a field goes to one column."""
    taken: set[str] = set()
    mapping: list[str | None] = []
    for header in headers:
        found = _BY_HEADER.get(normalise(header)) or _BY_HEADER.get(_fold(header))
        if found in taken:
            found = None
        if found:
            taken.add(found)
        mapping.append(found)
    return mapping


# ---------------------------------------------------------------- values

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_YMD = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})")
# A date+time as text (a CSV saved from Excel: "2008-03-14 00:00:00").
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2})?$")


class BadValue(ValueError):
    """A cell that does not hold what its field takes; args[0] is the message (N_)."""


def western_digits(text: str) -> str:
    """Arabic-Indic (٠-٩) and Persian (۰-۹) digits as 0-9."""
    return text.translate(_DIGITS)


def parse_date(value: object) -> date:
    """A date cell: an Excel date, dd/mm/yyyy (also - or .), or yyyy-mm-dd; any digits."""
    if isinstance(value, date):
        return value
    text = _TIME.sub("", western_digits(str(value)).strip())
    try:
        if found := _DMY.fullmatch(text):
            day, month, year = (int(g) for g in found.groups())
            return date(year, month, day)
        if found := _YMD.fullmatch(text):
            year, month, day = (int(g) for g in found.groups())
            return date(year, month, day)
    except ValueError as exc:
        raise BadValue(N_("This day does not exist in the calendar.")) from exc
    raise BadValue(N_("Not a date: write it as dd/mm/yyyy (e.g. 14/03/2008)."))


def _words(*pairs: tuple[str, tuple[str, ...]]) -> dict[str, str]:
    return {_fold(word): value for value, words in pairs for word in (value, *words)}


_SEX = _words(
    (Sex.female, ("f", "female", "femme", "feminin", "fille", "girl", "أنثى", "انثى")),
    (Sex.male, ("m", "h", "male", "homme", "masculin", "garcon", "boy", "ذكر")),
)
_EDUCATION = _words(
    (EducationLevel.none, ("aucun", "aucune", "neant", "sans", "non scolarise", "analphabete",
                           "no schooling", "بدون", "امي", "غير متمدرس")),
    (EducationLevel.primary, ("primaire", "ecole primaire", "ابتدائي", "الابتدائي")),
    (EducationLevel.lower_secondary, ("lower secondary", "college", "collegial",
                                      "secondaire collegial", "اعدادي", "الاعدادي")),
    (EducationLevel.secondary, ("secondaire", "lycee", "secondaire qualifiant", "bac",
                                "baccalaureat", "ثانوي", "الثانوي", "ثانوي تاهيلي")),
    (EducationLevel.university, ("universite", "universitaire", "superieur", "higher",
                                 "جامعي", "عالي", "الجامعي")),
)  # fmt: skip
_VOCATIONAL = _words(
    (VocationalLevel.none, ("aucun", "aucune", "neant", "sans", "non", "no", "بدون", "لا")),
    (VocationalLevel.basic, ("base", "de base", "basique", "initiation", "specialisation",
                             "اساسي", "تخصص")),
    (VocationalLevel.qualified, ("qualification", "qualifie", "qualifiant", "تاهيل", "مؤهل")),
    (VocationalLevel.technician, ("technicien", "technician", "تقني")),
    (VocationalLevel.specialised_technician, ("specialised technician", "specialized technician",
                                              "technicien specialise", "ts", "تقني متخصص")),
)  # fmt: skip


def _choice(table: dict[str, str], value: object, message: str) -> str:
    found = table.get(_fold(str(value)))
    if found is None:
        raise BadValue(message)
    return found


def parse_sex(value: object) -> Sex:
    """F/M, female/male, femme/homme, أنثى/ذكر ..."""
    return Sex(_choice(_SEX, value, N_("Write the sex as F or M (female or male).")))


def parse_education(value: object) -> EducationLevel:
    """none, primary, lower secondary, secondary, university, in ar/fr/en words."""
    message = N_("Unknown education level: none, primary, lower secondary, secondary, university.")
    return EducationLevel(_choice(_EDUCATION, value, message))


def parse_vocational(value: object) -> VocationalLevel:
    """none, basic, qualified, technician, specialised technician, in ar/fr/en words."""
    message = N_(
        "Unknown vocational level: none, basic, qualified, technician, specialised technician."
    )
    return VocationalLevel(_choice(_VOCATIONAL, value, message))
