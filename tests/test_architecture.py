"""The architecture rules of docs/architecture.md, read from the source (nothing of the app is run):

- the dependency rule (import-linter's contracts in pyproject.toml), which a deliberate upward import breaks;
- no import cycle between files, at module top or inside a function;
- no cycle between packages at any depth: within a package, its own loose modules count as one package (its
  base) and each subpackage as one (crm and surveys, the design card's top level, are read together);
- at most 15 modules side by side, no file over 400 lines, no function over 80 lines;
- routes only in view modules: `views.py`, or a module of a `views/` package.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crm", "surveys")
MAX_FILE_LINES, MAX_FUNCTION_LINES, MAX_MODULES_SIDE_BY_SIDE = 400, 80, 15


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of crm/ and surveys/ below root."""
    found = {}
    for top in PACKAGES:
        for path in sorted((root / top).rglob("*.py")):
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    parts = name.split(".")
    while parts:
        if ".".join(parts) in known:
            return ".".join(parts)
        parts.pop()
    return None


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules a module imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_resolve(alias.name, known) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                target = _resolve(f"{base}.{alias.name}", known)
                found.add(target if target and target != _resolve(base, known) else _resolve(base, known))
    return {target for target in found if target and target != name}


def import_graph(root: Path) -> dict[str, set[str]]:
    known = modules(root)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def package_of(module: str, root: Path) -> str:
    return module if (root.joinpath(*module.split(".")) / "__init__.py").exists() else module.rpartition(".")[0]


def package_cycles(graph: dict[str, set[str]], root: Path) -> list[str]:
    """Cycles between the parts of each package: its loose modules (one part) and each subpackage (one part
    with everything below it). crm and surveys are parts of one root."""
    problems = []
    containers = {""} | {package_of(module, root) for module in graph} - set(PACKAGES)
    for container in sorted(containers):
        depth = len(container.split(".")) if container else 0

        def part(module: str) -> str | None:
            if not container:  # the root: crm and surveys side by side, each with its loose modules and subpackages
                top = module.split(".")[0]
                return top_part(module) if top in PACKAGES else None
            if not (module == container or module.startswith(container + ".")):
                return None
            if package_of(module, root) == container or module == container:
                return f"{container} (its own modules)"
            return ".".join(module.split(".")[: depth + 1])

        def top_part(module: str) -> str:
            pieces = module.split(".")
            if len(pieces) > 1 and (root / pieces[0] / pieces[1] / "__init__.py").exists():
                return ".".join(pieces[:2])
            return f"{pieces[0]} (its own modules)"

        parts: dict[str, set[str]] = defaultdict(set)
        for module, targets in graph.items():
            source = part(module)
            for target in targets:
                destination = part(target)
                if source and destination and source != destination:
                    parts[source].add(destination)
        problems += [f"cycle between packages: {' <-> '.join(c)}" for c in cycles(parts)]
    return problems


def size_problems(root: Path) -> list[str]:
    problems = []
    side_by_side: dict[Path, int] = defaultdict(int)
    for path in modules(root).values():
        if path.name != "__init__.py":
            side_by_side[path.parent] += 1
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(root)
        if source.count("\n") > MAX_FILE_LINES:
            problems.append(f"{where}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    problems.append(f"{where}:{node.lineno} {node.name}: {length} lines")
    problems += [f"{folder.relative_to(root)}/: {count} modules side by side"
                 for folder, count in side_by_side.items() if count > MAX_MODULES_SIDE_BY_SIDE]
    return problems


ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def route_modules(root: Path) -> set[str]:
    """The modules that define routes (a function decorated with `<blueprint>.route/get/post/...`)."""
    found = set()
    for name, path in modules(root).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ROUTE_DECORATORS
                    for d in node.decorator_list):
                found.add(name)
                break
    return found


def misplaced_routes(root: Path) -> list[str]:
    return sorted(name for name in route_modules(root)
                  if not (name.endswith(".views") or ".views." in name))


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports", path=os.path.dirname(sys.executable)) or shutil.which("lint-imports")
    if command is None:
        pytest.fail("lint-imports (import-linter) is not installed: pip install -e '.[test]'")
    environment = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([command, "--no-cache"], cwd=root, env=environment, capture_output=True, text=True,
                          timeout=120)


# --- the project ----------------------------------------------------------------------------------


def test_dependency_rule_holds():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_no_import_cycle_between_files():
    assert cycles(import_graph(ROOT)) == []


def test_no_cycle_between_packages():
    assert package_cycles(import_graph(ROOT), ROOT) == []


def test_sizes():
    assert size_problems(ROOT) == []


def test_routes_live_in_view_modules():
    assert len(route_modules(ROOT)) >= 10  # the check sees the project's routes
    assert misplaced_routes(ROOT) == []


# --- the checks fail when they should ---------------------------------------------------------------


@pytest.fixture
def tree(tmp_path):
    """A copy of the project's packages and contracts, to break on purpose."""
    for top in PACKAGES:
        shutil.copytree(ROOT / top, tmp_path / top, ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_deliberate_upward_import_breaks_the_rule(tree):
    _append(tree / "crm" / "core" / "text.py", "\n\ndef _upward():\n    from crm.contacts import models  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "crm.core is not allowed to import crm.contacts" in result.stdout
    assert "crm.core.text -> crm.contacts.models" in result.stdout


def test_a_deliberate_cycle_is_found(tree):
    _append(tree / "crm" / "core" / "timeutil.py", "\n\ndef _back():\n    from crm.core import audit  # noqa\n")
    graph = import_graph(tree)
    assert ["crm.core.audit", "crm.core.timeutil"] in cycles(graph)
    (tree / "surveys" / "xlsform" / "extra.py").write_text("from surveys.models import Survey  # noqa\n")
    _append(tree / "surveys" / "services.py", "\nfrom surveys.xlsform import extra  # noqa\n")
    problems = package_cycles(import_graph(tree), tree)
    assert any("surveys (its own modules)" in p and "surveys.xlsform" in p for p in problems), problems


def test_a_route_outside_the_view_modules_is_found(tree):
    (tree / "surveys" / "respond" / "extra.py").write_text(
        "from surveys.blueprints import public_bp\n\n\n@public_bp.get('/x')\ndef x():\n    return ''\n")
    assert misplaced_routes(tree) == ["surveys.respond.extra"]


def test_oversized_code_is_found(tree):
    body = "".join(f"    x{i} = {i}\n" for i in range(85))
    (tree / "crm" / "core" / "long.py").write_text(f"def long():\n{body}" + "\n" * 320)
    problems = size_problems(tree)
    assert any(p.startswith("crm/core/long.py:1 long: 86 lines") for p in problems), problems
    assert any(p.startswith("crm/core/long.py: 406 lines") for p in problems), problems
