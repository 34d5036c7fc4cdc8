"""The structure the project keeps (issue 16), measured from the code itself: one owner per
shared table, one idea per module, no import circles, no test module used as a library.

Each check reads the source as text or as an AST; nothing is imported or run."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "archive"
SHARED_TABLES = ("captures", "crawls", "fetch_errors", "articles", "syndication", "versions", "digest_items",
                 "warc_files", "warc_damage")
_TABLE = re.compile(r"\b(" + "|".join(SHARED_TABLES) + r")\b")
_SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|INTO|CREATE|ALTER|DROP)\b")


def _library_files() -> list[Path]:
    return sorted(LIB.rglob("*.py"))


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def test_shared_tables_are_queried_from_the_index_package_only() -> None:
    """SQL naming a shared table outside archive/index: at most 10 lines in the whole library."""
    lines = []
    for path in _library_files() + sorted((ROOT / "flows").rglob("*.py")):
        if path.is_relative_to(LIB / "index"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _TABLE.search(line) and _SQL.search(line):
                lines.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert len(lines) <= 10, "\n".join(lines)


def test_few_big_modules_and_no_long_functions() -> None:
    big = {str(p.relative_to(ROOT)): n for p in _library_files()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert len(big) <= 3, big
    long = []
    for path in _library_files():
        if path.is_relative_to(LIB / "sampleweb"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                if node.end_lineno - node.lineno + 1 > 80:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not long, long


def _imports() -> dict[str, set[str]]:
    mods = {_module(p): p for p in _library_files()}
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
                mod = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
                targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in mods else mod for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                # a package's own __init__ re-exporting its modules is not a circle of ideas
                if t in mods and t != name and not (mods[t].name == "__init__.py" and name.startswith(t + ".")):
                    graph[name].add(t)
    return graph


def test_no_import_circles_and_warc_below_the_index() -> None:
    graph = _imports()
    index, low, stack, on, circles = {}, {}, [], set(), []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not circles, circles
    up = {m: sorted(d for d in deps if d.startswith("archive.index")) for m, deps in graph.items()
          if m.startswith("archive.warc")}
    assert not any(up.values()), up


def test_no_test_module_imports_another() -> None:
    found = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"\s*(from|import) test_\w+", line):
                found.append(f"{path.name}:{n}: {line.strip()}")
    assert not found, found


def test_every_test_import_of_a_local_module_resolves() -> None:
    """Imports inside functions run only when the test does: a moved module must fail here first."""
    missing = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                parts = name.split(".")
                if parts[0] not in {"tests", "support", "archive"}:
                    continue
                base = ROOT / "tests" if parts[0] == "support" else ROOT
                target = base.joinpath(*parts)
                if not (target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert not missing, missing


def test_every_package_says_what_it_owns_and_exports() -> None:
    for init in sorted(LIB.glob("*/__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{init.relative_to(ROOT)}: no docstring"
        names = [t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                 for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                 if isinstance(t, ast.Name)]
        assert "__all__" in names, f"{init.relative_to(ROOT)}: no __all__"
