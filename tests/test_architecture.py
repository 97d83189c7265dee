"""Imports flow one way (DESIGN.md §1): api → mowakaba; flows → tasks → mowakaba."""

import ast
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
