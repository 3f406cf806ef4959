"""The layout holds: each concern in its room, no import circles, modules a reader can take in.

These read the source (the rooms are described at the top of the README's developer
section): SQL only in fieldapp/queries and fieldapp/migrations, no Flask in the queries,
migrations that import nothing from the app, every module importable on its own, no
cycle between modules, no module over 400 lines (data literals aside) and no function
over 60, and each web area's blueprint name, URL prefix and template folder one word.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fieldapp"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# Words that only SQL uses in capitals, at the start of a statement or joining its clauses.
SQL = re.compile(
    r"\b(SELECT|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+"
    r"(TABLE|INDEX|TRIGGER|VIEW|VIRTUAL)|ALTER\s+TABLE|DROP\s+(TABLE|INDEX|TRIGGER|VIEW)|"
    r"PRAGMA|BEGIN(\s+IMMEDIATE)?|COMMIT|ROLLBACK|SAVEPOINT|WHERE|ORDER\s+BY|GROUP\s+BY|"
    r"LEFT\s+JOIN|JOIN)\b"
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def docstrings(module: ast.Module) -> set[int]:
    """ids of the string nodes that are docstrings (prose, not SQL)."""
    found = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def strings(module: ast.Module):
    """Every string literal (f-string parts included) that is not a docstring."""
    skip = docstrings(module)
    for node in ast.walk(module):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def in_room(name: str, *rooms: str) -> bool:
    return any(name == room or name.startswith(room + ".") for room in rooms)


def imports_of(name: str, module: ast.Module) -> set[str]:
    """The fieldapp modules ``name`` imports anywhere in it (inside functions too)."""
    found = set()
    package = name if MODULES[name].name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                # "from fieldapp import audit" imports the module fieldapp.audit.
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


def test_sql_is_written_only_in_the_queries_and_the_migrations():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text.strip()[:60]!r}"
        for name, path in MODULES.items()
        if not in_room(name, "fieldapp.queries", "fieldapp.migrations")
        for line, text in strings(tree(path))
        if SQL.search(text)
    ]
    assert found == [], "SQL outside fieldapp/queries and fieldapp/migrations:\n" + "\n".join(found)


def imported_names(module: ast.Module) -> set[str]:
    """Every module name ``module`` imports (``from x import y`` counts as x and x.y)."""
    found = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_geopackage_is_written_apart_from_the_app_and_its_database():
    # The GeoPackage export is a new SQLite file: its encoding knows no Flask and no
    # database of the app's, and its SQL (in the queries room) takes a connection to that
    # new file only, so it imports nothing of the app's at all.
    encoding = imported_names(tree(MODULES["fieldapp.exports.geopackage"]))
    web = ("flask", "flask_login", "flask_wtf", "werkzeug", "fieldapp.web", "fieldapp.db")
    assert [m for m in encoding if in_room(m, *web, "sqlite_utils")] == []
    queried = {m for m in encoding if in_room(m, "fieldapp.queries")} - {"fieldapp.queries"}
    assert queried == {"fieldapp.queries.geopackage"}
    sql = imported_names(tree(MODULES["fieldapp.queries.geopackage"]))
    assert [m for m in sql if in_room(m, "fieldapp", "sqlite_utils", "flask")] == []


def test_the_sql_check_sees_sql():
    sample = ast.parse('"""SELECT in a docstring is prose."""\nq = "SELECT id FROM premises"\n')
    assert [text for _, text in strings(sample) if SQL.search(text)] == ["SELECT id FROM premises"]


def test_the_queries_know_nothing_of_flask():
    web = ("flask", "flask_login", "flask_wtf", "werkzeug", "fieldapp.web", "fieldapp.db")
    found = []
    for name, path in MODULES.items():
        if not in_room(name, "fieldapp.queries"):
            continue
        for node in ast.walk(tree(path)):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{name} imports {n}" for n in names if in_room(n, *web)]
    assert found == []


def test_migrations_import_nothing_from_the_app():
    found = [
        f"{name} imports {other}"
        for name, path in MODULES.items()
        if in_room(name, "fieldapp.migrations")
        for other in imports_of(name, tree(path))
        if not in_room(other, "fieldapp.migrations")
    ]
    assert found == [], "a migration must carry what it needs: " + ", ".join(found)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in ``graph``, as the modules around it, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if state.get(other) == "open":
                return stack[stack.index(other) :] + [other]
            if other not in state and (cycle := visit(other)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_module_imports_itself_round_a_circle():
    graph = {name: imports_of(name, tree(path)) for name, path in MODULES.items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_every_module_imports_on_its_own():
    # Each in a fresh interpreter state: a module that only works when another was imported
    # first fails here.
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m == 'fieldapp' or "
        "m.startswith('fieldapp.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as error:\n"
        "        failed.append(f'{name}: {error!r}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    # Two processes side by side, half the modules each: the machine has two cores.
    names = sorted(MODULES)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, *names[half::2]],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for half in (0, 1)
    ]
    for run in runs:
        output, _ = run.communicate(timeout=120)
        assert run.returncode == 0, output


def data_literal_lines(module: ast.Module) -> int:
    """Lines taken by module-level constants that are plain data (tables of values)."""
    lines = 0
    for node in module.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            try:
                ast.literal_eval(node.value)
            except ValueError:
                continue
            lines += node.end_lineno - node.lineno + 1
    return lines


def test_no_module_is_over_400_lines_of_code():
    too_long = {}
    for name, path in MODULES.items():
        module = tree(path)
        code = len(path.read_text(encoding="utf-8").splitlines()) - data_literal_lines(module)
        if code > MAX_MODULE_LINES:
            too_long[name] = code
    assert too_long == {}


def test_no_function_is_over_60_lines():
    too_long = {
        f"{name}.{node.name}": node.end_lineno - node.lineno + 1
        for name, path in MODULES.items()
        for node in ast.walk(tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    }
    assert too_long == {}


# Pages that sit at the root rather than under their area's word, and why.
AT_THE_ROOT = {
    "/": "home: where everyone lands",
    "/healthz": "health: the address monitors look for",
    "/sign-in": "auth: the address every sign-in link uses",
    "/sign-out": "auth",
    "/sw.js": "offline: a service worker only looks after pages under its own address",
    "/outbox": "offline: phones keep this page at this address",
    "/offline": "offline",
    "/premises/<int:premises_id>/visits/new": "visits: begun from the premises it is of",
    "/static/<path:filename>": "Flask's own static files",
}


def test_each_area_has_one_word_for_blueprint_url_and_templates(app):
    areas = {p.name for p in (PACKAGE / "web").iterdir() if (p / "__init__.py").exists()}
    assert set(app.blueprints) <= areas, "a blueprint not named after its package"
    wrong = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if rule.rule not in AT_THE_ROOT
        and not (rule.rule + "/").startswith(f"/{rule.endpoint.split('.')[0]}/")
    ]
    assert wrong == [], "pages outside their area's URL prefix: " + ", ".join(wrong)
    misplaced = []
    for area in areas:
        for path in (PACKAGE / "web" / area).glob("*.py"):
            for _, text in strings(tree(path)):
                if text.endswith(".html") and not text.startswith(f"{area}/"):
                    misplaced.append(f"{path.relative_to(ROOT)} renders {text}")
    assert misplaced == [], "templates outside their area's folder: " + ", ".join(misplaced)
