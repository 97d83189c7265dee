"""Imports flow one way (DESIGN.md §1): api → mowakaba; flows → tasks → mowakaba.

And two rules of the house: the `mowakaba` command loads nothing heavy before a command
runs (speed a person feels), and nothing but the command depends on `mowakaba.sim`.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = {"prefect", "fastapi", "starlette"}
OUTER = {"flows", "tasks", "api"}
COMPOSITION_ROOT = ROOT / "mowakaba" / "cli"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def imported_roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


FORBIDDEN = {
    "mowakaba": FRAMEWORKS | OUTER,
    "tasks": {"api", "flows", "fastapi", "starlette"},
    "flows": {"api", "fastapi", "starlette"},
    "api": {"tasks", "flows"},
}
# The API starts flows by deployment name: it may read the registry of names only.
ALLOWED = {"api": {"flows.deployments"}}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_inward(package):
    offenders = []
    for path in modules(package):
        if COMPOSITION_ROOT in path.parents:
            continue  # the composition root may import everything
        allowed = ALLOWED.get(package, set())
        bad = {
            name
            for name in imported_modules(path) - allowed
            if name.split(".")[0] in FORBIDDEN[package]
        }
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert offenders == []


def test_the_checker_sees_an_offence(tmp_path):
    offender = tmp_path / "x.py"
    offender.write_text("import prefect\nfrom fastapi import FastAPI\nfrom . import sibling\n")
    assert imported_roots(offender) == {"prefect", "fastapi"}


# ---------------------------------------------------------------- the command starts fast

# What a command module may import when it is loaded: everything else (the core's
# database, Prefect, the web stack) is imported inside the command that needs it,
# so that `mowakaba --help` and the quick commands do not pay for it.
LIGHT_AT_MODULE_LEVEL = {"__future__", "typer", "mowakaba.cli", "mowakaba.enums", "mowakaba.errors"}
HEAVY = {"prefect", "fastapi", "starlette", "alembic", "sqlmodel", "sqlalchemy", "pydantic",
         "pydantic_settings", "uvicorn", "httpx", "jinja2", "flows", "tasks", "api"}  # fmt: skip


def module_level_imports(path: Path) -> set[str]:
    """Modules imported when the file is loaded: not in functions, not under TYPE_CHECKING."""
    names: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
            elif isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                visit(node.orelse)
            elif isinstance(node, ast.If | ast.Try | ast.With | ast.ClassDef):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    visit(getattr(node, field, []))
            elif isinstance(node, ast.ExceptHandler):
                visit(node.body)

    visit(ast.parse(path.read_text(), filename=str(path)).body)
    return names


def is_light(name: str) -> bool:
    if name.split(".")[0] in sys.stdlib_module_names:
        return True
    return any(name == light or name.startswith(light + ".") for light in LIGHT_AT_MODULE_LEVEL)


@pytest.mark.parametrize("path", modules("mowakaba/cli"), ids=lambda p: p.name)
def test_command_modules_import_the_heavy_only_inside_commands(path):
    assert sorted(name for name in module_level_imports(path) if not is_light(name)) == []


def test_loading_the_command_loads_no_framework():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, mowakaba.cli; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.split()  # fmt: skip
    assert sorted({name.split(".")[0] for name in loaded} & HEAVY) == []


def test_the_speed_checker_sees_an_import_at_module_level(tmp_path):
    offender = tmp_path / "x.py"
    offender.write_text(
        "from typing import TYPE_CHECKING\nimport typer\nfrom sqlmodel import Session\n"
        "if TYPE_CHECKING:\n    from prefect import flow\n"
        "def command():\n    from fastapi import FastAPI\n"
    )
    assert {n for n in module_level_imports(offender) if not is_light(n)} == {"sqlmodel"}


# ---------------------------------------------------------------- the domain and the simulation


def imported_with_names(path: Path) -> set[str]:
    """Imported modules, with `from package import module` read as `package.module`."""
    names = imported_modules(path)
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_nothing_but_the_command_depends_on_the_simulation():
    sim = ROOT / "mowakaba" / "sim"
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package in ("mowakaba", "tasks", "flows", "api")
        for path in modules(package)
        if COMPOSITION_ROOT not in path.parents and sim not in path.parents
        for name in sorted(imported_with_names(path))
        if name == "mowakaba.sim" or name.startswith("mowakaba.sim.")
    ]
    assert offenders == []
