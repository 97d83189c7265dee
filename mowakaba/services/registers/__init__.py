"""An institution's register of young people, imported from CSV or XLSX (docs/imports.md)."""

from mowakaba.services.registers.fields import FIELDS, REQUIRED, suggest_mapping
from mowakaba.services.registers.importing import (
    CheckedRow,
    RegisterReport,
    RowError,
    cell_text,
    check_mapping,
    run_register,
)
from mowakaba.services.registers.reading import MAX_BYTES, MAX_ROWS, Table, read_register

__all__ = [
    "FIELDS",
    "MAX_BYTES",
    "MAX_ROWS",
    "REQUIRED",
    "CheckedRow",
    "RegisterReport",
    "RowError",
    "Table",
    "cell_text",
    "check_mapping",
    "read_register",
    "run_register",
    "suggest_mapping",
]
