"""The core stays at the bottom: accounts, customers and conversations import no app above them.

Metrics and channels follow the core through its signals and provider registry
(docs/layers.md); an import the other way would make the core wait on them
again. ``lint-imports`` checks the same rule with indirect imports too (make
lint, .ci/run); this test keeps it in ``make test`` and names the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2]
CORE = ("accounts", "customers", "conversations")
ABOVE = ("concord.metrics", "concord.channels", "concord.collaboration")


def _modules() -> list[Path]:
    return sorted(
        path
        for app in CORE
        for path in (SRC / "concord" / app).rglob("*.py")
        # Tests check the assembled product (an erasure reaching channel rows).
        if "tests" not in path.relative_to(SRC / "concord" / app).parts
    )


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, at any depth, relative ones resolved.

    ``from a.b import c`` counts as ``a.b``, or as ``a.b.c`` when ``a.b`` is allowed
    (``c`` may be a module), so each offending line is named once.
    """
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if _above(base):
                found.append((node.lineno, base))
            else:  # ``from concord import metrics`` names the module in the alias
                found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def _above(module: str) -> bool:
    return any(module == top or module.startswith(f"{top}.") for top in ABOVE)


def violations(paths: list[Path], *, root: Path = SRC) -> list[str]:
    return [
        f"{_module_name(path, root)} (line {line}) imports {module}"
        for path in paths
        for line, module in imported(path, root)
        if _above(module)
    ]


def test_the_core_imports_neither_metrics_nor_channels() -> None:
    modules = _modules()
    assert len(modules) > 50  # the walk found the apps
    assert violations(modules) == []


@pytest.mark.parametrize(
    "source",
    [
        "from concord.metrics.services import conversation_facts_refresh\n",
        "import concord.channels.email.models\n",
        "from concord import channels\n",
        "def f() -> None:\n    from concord.metrics import services\n",
        "from ...metrics import services\n",
    ],
)
def test_it_names_the_module_and_the_import(tmp_path: Path, source: str) -> None:
    # A file laid out like src/concord/conversations/services/probe.py.
    path = tmp_path / "concord" / "conversations" / "services" / "probe.py"
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    found = violations([path], root=tmp_path)
    assert found
    assert all(f.startswith("concord.conversations.services.probe (line ") for f in found)
