"""The house stays walkable: imports run one way, form no circle, and keep platforms at the edge.

Every import counts, including those under ``TYPE_CHECKING`` and inside functions: a circle a
type checker needs is still a circle a reader has to walk.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "conversations")
FEATURES = frozenset(
    {"hazards", "events", "topics", "notices", "faq", "inspections", "polls", "workbench"}
)
PLATFORM_LIBRARIES = ("telegram", "httpx", "starlette", "uvicorn", "bot.platforms")
ENTRY_POINTS = frozenset({"bot.main", "bot.__main__"})
CORE_LIMIT = 25


def modules(root: Path) -> dict[str, Path]:
    """Module name -> file, for every module of the project's packages under ``root``."""
    found = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports(path: Path) -> set[str]:
    """Every absolute module an import in the file names (``from a import b`` names a and a.b)."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            named.add(node.module)
            named.update(f"{node.module}.{alias.name}" for alias in node.names)
    return named


def graph(root: Path) -> dict[str, set[str]]:
    """Which project modules each project module imports."""
    known = modules(root)
    edges = {}
    for name, path in known.items():
        edges[name] = {target for target in imports(path) if target in known and target != name}
        # ``from bot.hazards import repo`` also runs bot/hazards/__init__.py; it holds no imports,
        # so the package itself is not an edge worth following.
        edges[name] -= {t for t in edges[name] if any(o.startswith(t + ".") for o in edges[name])}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def layer(module: str) -> int:
    """Where a module stands: adapters and the entry point on top, the neutral core at the bottom.

    5 platforms and the ``juwei`` entry point -> 4 router and registry -> 3 handlers/ and
    conversations/ -> 2 feature packages -> 1 the core.
    """
    parts = module.split(".")
    if module in ENTRY_POINTS or module.startswith("bot.platforms"):
        return 5
    if module in ("bot.registry", "bot.router"):
        return 4
    if parts[0] in ("handlers", "conversations"):
        return 3
    if len(parts) > 1 and parts[1] in FEATURES:
        return 2
    return 1


def upward(edges: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{source} -> {target}"
        for source, targets in edges.items()
        for target in targets
        if layer(target) > layer(source)
    )


def platform_imports(root: Path) -> list[str]:
    """Neutral modules (all but the adapters and the entry point) naming a platform library."""
    found = []
    for name, path in modules(root).items():
        if layer(name) == 5:
            continue
        for target in imports(path):
            if any(target == lib or target.startswith(lib + ".") for lib in PLATFORM_LIBRARIES):
                found.append(f"{name} -> {target}")
    return sorted(set(found))


# -- the project as it is -----------------------------------------------------------------------


def test_no_import_circle_among_the_projects_modules() -> None:
    assert cycles(graph(REPO)) == []


def test_imports_run_one_way_from_the_platforms_down_to_the_core() -> None:
    assert upward(graph(REPO)) == []


def test_the_neutral_parts_import_no_platform_or_http_library() -> None:
    assert platform_imports(REPO) == []


def test_the_core_is_small_and_no_prefix_gathers_three_modules() -> None:
    """A core package (bot/db/: one storage layer, two engines) counts as one module."""
    core = sorted(
        path.stem for path in (REPO / "bot").glob("*.py") if not path.stem.startswith("__")
    ) + sorted(
        path.name
        for path in (REPO / "bot").iterdir()
        if (path / "__init__.py").exists() and path.name not in FEATURES | {"platforms", "locales"}
    )
    assert len(core) < CORE_LIMIT, core
    prefixes = Counter(name.split("_")[0] for name in core)
    assert [p for p, count in prefixes.items() if count > 2] == []


def test_every_feature_package_says_what_it_is_and_where_its_flow_lives() -> None:
    for feature in sorted(FEATURES):
        doc = ast.get_docstring(ast.parse((REPO / "bot" / feature / "__init__.py").read_text()))
        assert doc, feature
    for feature in ("hazards", "events", "topics", "notices", "inspections", "polls"):
        doc = ast.get_docstring(ast.parse((REPO / "bot" / feature / "__init__.py").read_text()))
        assert doc is not None
        assert f"conversations/{feature}.py" in doc and f"handlers/{feature}.py" in doc
        assert (REPO / "conversations" / f"{feature}.py").exists()
        assert (REPO / "handlers" / f"{feature}.py").exists()
        assert (REPO / "bot" / "locales" / "zh" / f"{feature}.py").exists()


def test_test_folders_mirror_the_packages() -> None:
    """tests/<package>/ holds the tests of bot/<package>/; shared fakes (and their data, such as
    the tiny sentence models) live in tests/fakes/."""
    folders = [
        relative
        for path in (REPO / "tests").rglob("*")
        if path.is_dir()
        and path.name != "__pycache__"
        and (relative := path.relative_to(REPO / "tests")).parts[0] != "fakes"
    ]
    assert folders
    for folder in folders:
        assert (REPO / "bot" / folder / "__init__.py").exists(), folder


# -- the checks themselves can fail -------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    for package in PACKAGES:
        (root / package).mkdir(exist_ok=True)
    return root


def test_a_circle_through_a_type_checking_import_is_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/app.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from bot.router import Router\n",
            "bot/router.py": "from bot.context import Context\n",
            "bot/context.py": "from bot.app import App\n",
            "bot/clock.py": "",
        },
    )
    assert cycles(graph(root)) == [["bot.app", "bot.context", "bot.router"]]


def test_an_upward_arrow_and_a_platform_import_are_found(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/hazards/__init__.py": "",
            "bot/hazards/cli.py": "from bot.registry import build_router\n",
            "bot/registry.py": "",
            "bot/settings.py": "def f():\n    from bot.platforms.wecom.crypto import X\n",
            "bot/platforms/__init__.py": "",
            "bot/platforms/wecom/__init__.py": "",
            "bot/platforms/wecom/crypto.py": "import httpx\n",
        },
    )
    assert upward(graph(root)) == [
        "bot.hazards.cli -> bot.registry",
        "bot.settings -> bot.platforms.wecom.crypto",
    ]
    assert platform_imports(root) == [
        "bot.settings -> bot.platforms.wecom.crypto",
        "bot.settings -> bot.platforms.wecom.crypto.X",
    ]
