"""The layout of the code: packages without import circles, a core without Jupyter, small modules.

Every import is read from the source (also those inside functions), so a circle held together
by a late import is found too. ``from package import name`` counts as importing the module
``package.name`` when there is one, and the package's ``__init__`` otherwise.
"""

from __future__ import annotations

import ast
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("secondopinion", "widgets")
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
}


def imports_of(name: str) -> Iterator[tuple[str, str | None]]:
    """(module imported, name taken from it or None) for every import in module ``name``."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in MODULES:
                    yield submodule, None
                else:
                    yield base, alias.name


def graph() -> dict[str, set[str]]:
    return {
        name: {target for target, _ in imports_of(name) if target in MODULES and target != name}
        for name in MODULES
    }


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_modules_are_found() -> None:
    assert "secondopinion.planning.derive" in MODULES
    assert "widgets.steps.intake" in MODULES


def test_the_circle_finder_finds_a_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(edges) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles() -> None:
    assert circles(graph()) == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("secondopinion")))
def test_the_core_never_imports_the_views_or_jupyter_widgets(name: str) -> None:
    bad = [
        target
        for target, _ in imports_of(name)
        if target.split(".")[0] in ("widgets", "ipywidgets", "traitlets")
        or (target.startswith("voila") and not name.startswith("secondopinion.serving"))
    ]
    assert bad == [], f"{name} imports {bad}"


def package_of(name: str) -> str:
    return name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]


def is_private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def test_no_private_name_is_used_outside_its_package() -> None:
    crossings = []
    for name in MODULES:
        here = package_of(name)
        for target, taken in imports_of(name):
            if target.split(".")[0] not in PACKAGES:
                continue
            owner = (
                target
                if target in MODULES and MODULES[target].name == "__init__.py"
                else (target.rpartition(".")[0])
            )
            private = is_private(target.removeprefix(owner)) or (taken and taken.startswith("_"))
            inside = here == owner or here.startswith(owner + ".")
            if private and not inside:
                crossings.append(f"{name} uses {target}{'.' + taken if taken else ''}")
    assert crossings == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_500_lines(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


@pytest.mark.parametrize(
    "package", sorted(n for n, p in MODULES.items() if p.name == "__init__.py")
)
def test_each_package_says_what_it_holds(package: str) -> None:
    tree = ast.parse(MODULES[package].read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{package} has no docstring"


def test_test_modules_do_not_import_each_other() -> None:
    offenders = []
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("tests") and "test_" in module:
                offenders.append(f"{path.name} imports {module}")
    assert offenders == []


SAVED_ANSWERS_TO_A_PLAN = re.compile(
    r"build_timeline\(|(tailor|from_answers)\([^)]*\.answers\b", re.DOTALL
)


def test_only_derive_builds_a_plan_from_a_saved_workbook() -> None:
    assert SAVED_ANSWERS_TO_A_PLAN.search("Situation.from_answers(book.answers, intake)")
    callers = []
    for name, path in MODULES.items():
        if name.startswith("secondopinion.planning"):
            continue
        found = SAVED_ANSWERS_TO_A_PLAN.search(path.read_text(encoding="utf-8"))
        if found:
            callers.append(f"{name}: {found.group(0)}")
    assert callers == [], "use secondopinion.planning.derive"


def test_nothing_git_ignores_is_tracked() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--ignored", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not tracked, f"{len(tracked)} tracked files are ignored by .gitignore: {tracked[:5]}"


ENVIRONMENT_READS = ("get", "pop", "setdefault", "items", "keys", "values", "__getitem__")


def environment_reads(source: str) -> list[str]:
    """Each place ``source`` reads an environment variable: ``os.environ.get``, ``os.getenv``,
    ``os.environ[...]``, ``... in os.environ``. Copying the whole environment for a child
    process (``dict(os.environ)``) and setting a variable are not reads."""
    found = []

    def is_environ(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        )

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "getenv" and getattr(node.func.value, "id", "") == "os":
                found.append(f"line {node.lineno}: os.getenv")
            elif node.func.attr in ENVIRONMENT_READS and is_environ(node.func.value):
                found.append(f"line {node.lineno}: os.environ.{node.func.attr}")
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if is_environ(node.value):
                found.append(f"line {node.lineno}: os.environ[...]")
        elif isinstance(node, ast.Compare) and any(is_environ(c) for c in node.comparators):
            found.append(f"line {node.lineno}: ... in os.environ")
    return found


def test_the_environment_reader_finds_every_kind_of_read() -> None:
    source = (
        "import os\nos.environ.get('A')\nos.getenv('B')\nos.environ['C']\n'D' in os.environ\n"
        "env = dict(os.environ)\nos.environ['E'] = '1'\n"
    )
    assert [read.split(":")[0] for read in environment_reads(source)] == [
        "line 2",
        "line 3",
        "line 4",
        "line 5",
    ]


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = [
        f"{name} {read}"
        for name, path in MODULES.items()
        if name != "secondopinion.settings"
        for read in environment_reads(path.read_text(encoding="utf-8"))
    ]
    assert readers == [], "read settings through secondopinion.settings"


def test_the_hub_reads_no_setting_of_the_workbook_itself() -> None:
    readers = [
        f"hub/{path.name}: {line.strip()}"
        for path in sorted((ROOT / "hub").glob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"(environ\.get|getenv|environ\[)\(?\s*[\"']SECOND_OPINION_", line)
    ]
    assert readers == [], "read SECOND_OPINION_* through secondopinion.settings"


def outside_tests() -> Iterator[Path]:
    """Every Python file of the project that is not a test: product, hub, benchmarks, harness."""
    for folder in (*PACKAGES, "hub", "benchmarks", "harness", "notebooks"):
        yield from (ROOT / folder).rglob("*.py")


def imports_tests(source: str) -> list[str]:
    """The imports of the ``tests`` package in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        found += [name for name in names if name == "tests" or name.startswith("tests.")]
    return found


def test_nothing_outside_the_tests_imports_from_them() -> None:
    assert imports_tests("import tests.browser.conftest\nfrom tests import x\nimport testsuite")
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in outside_tests()
        for name in imports_tests(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "move what both need into harness/"


def test_every_setting_is_in_the_readme() -> None:
    from secondopinion.settings import SETTINGS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [setting.name for setting in SETTINGS if f"`{setting.name}`" not in readme]
    assert missing == []
