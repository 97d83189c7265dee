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
            # `from flows import launch` imports flows.launch: name what is imported.
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
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
ALLOWED = {"api": {"flows.launch"}}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_inward(package):
    offenders = []
    for path in modules(package):
        if COMPOSITION_ROOT in path.parents:
            continue  # the composition root may import everything
        allowed = ALLOWED.get(package, set())
        bad = {
            name
            for name in imported_modules(path)
            if name.split(".")[0] in FORBIDDEN[package]
            and not any(name == a or name.startswith(a + ".") for a in allowed)
        }
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert offenders == []


def test_the_checker_sees_an_offence(tmp_path):
    offender = tmp_path / "x.py"
    offender.write_text("import prefect\nfrom fastapi import FastAPI\nfrom . import sibling\n")
    assert imported_roots(offender) == {"prefect", "fastapi"}


# ---------------------------------------------------------------- the core's own shape

CORE = ROOT / "mowakaba"
MAX_LINES = 500
# Not held to the limit: the generated migrations.
NOT_SIZED = ("mowakaba/migrations/",)


def module_name(path: Path, base: Path = ROOT) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(*roots: Path) -> dict[str, set[str]]:
    """Map each module of a package to the package's modules it imports, anywhere in its body.

    Imports inside functions count as much as those at the top: deferring an import
    hides a circle, it does not remove it. `from a import b` is an import of the module
    `a.b` when there is one, else of `a`; names resolve to the deepest existing module.
    """
    files = {
        module_name(p, root.parent): p
        for root in roots or (CORE,)
        for p in sorted(root.rglob("*.py"))
    }

    def deepest(dotted: str) -> str | None:
        parts = dotted.split(".")
        while parts and ".".join(parts) not in files:
            parts.pop()
        return ".".join(parts) or None

    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets |= {deepest(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                anchor = package[: len(package) - node.level + 1] if node.level else []
                base = ".".join(anchor + ([node.module] if node.module else []))
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in files else deepest(base))
        graph[name] = {t for t in targets if t is not None} - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_core_has_no_import_circle():
    assert cycles(import_graph()) == []


def test_the_whole_project_has_no_import_circle():
    # flows/deployments.py and flows/sweep.py once imported each other (inside functions).
    packages = [ROOT / name for name in ("mowakaba", "flows", "tasks", "api")]
    assert cycles(import_graph(*packages)) == []


def test_the_circle_finder_sees_a_circle_hidden_in_a_function(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from ..c import g\n")
    (package / "c.py").write_text("import os\nfrom pkg import a\n")
    (package / "d.py").write_text("from pkg import a, c\nfrom pkg.a import thing\n")
    found = import_graph(package)
    assert cycles(found) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    assert found["pkg.d"] == {"pkg.a", "pkg.c"}


def test_no_core_module_is_longer_than_500_lines():
    long = {
        path.relative_to(ROOT).as_posix(): n
        for path in CORE.rglob("*.py")
        if not path.relative_to(ROOT).as_posix().startswith(NOT_SIZED)
        and (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


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


def test_nothing_but_the_command_depends_on_the_simulation():
    sim = ROOT / "mowakaba" / "sim"
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package in ("mowakaba", "tasks", "flows", "api")
        for path in modules(package)
        if COMPOSITION_ROOT not in path.parents and sim not in path.parents
        for name in sorted(imported_modules(path))
        if name == "mowakaba.sim" or name.startswith("mowakaba.sim.")
    ]
    assert offenders == []


# ---------------------------------------------------------------- pure rules, routes and pages

# The rules are pure: no database, no services, no network. Modules planned for the next
# capabilities are listed too, so that they are born pure.
PURE = ("rules", "pathway", "calendar", "schedule", "clock", "enums", "errors",
        "eligibility", "indicators")  # fmt: skip
IMPURE = {"sqlmodel", "sqlalchemy", "httpx", "smtplib", "socket", "subprocess", "requests",
          "mowakaba.db", "mowakaba.models", "mowakaba.services", "mowakaba.notify"}  # fmt: skip


def impure_imports(path: Path) -> list[str]:
    return sorted(
        name
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in IMPURE)
    )


@pytest.mark.parametrize(
    "path", [p for n in PURE if (p := ROOT / "mowakaba" / f"{n}.py").exists()], ids=str
)
def test_pure_rule_modules_do_no_io(path):
    assert impure_imports(path) == []


def test_the_purity_checker_sees_a_database_import(tmp_path):
    offender = tmp_path / "x.py"
    offender.write_text("from mowakaba.models import Youth\nfrom datetime import date\n")
    assert impure_imports(offender) == ["mowakaba.models.Youth"]


def test_json_routes_and_html_pages_do_not_import_each_other():
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for here, there in (("routes", "pages"), ("pages", "routes"))
        for path in modules(f"api/{here}")
        for name in sorted(imported_modules(path))
        if name == f"api.{there}" or name.startswith(f"api.{there}.")
    ]
    assert offenders == []
