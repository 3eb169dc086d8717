"""The package layering, read from the source: public doors only, and no import running up.

Every module under ``engine/`` is parsed with ``ast`` (imports inside
functions included). Two rules:

1. An import from another engine package names only public modules: that
   package's ``__init__``, its documented internal API (``engine.<pkg>.internal``)
   or its public submodules, never an ``_underscore`` module. The root
   package's own helper modules (``engine._optional``, ...) are not inside
   another package; they have a layer like the packages.
2. A package imports only packages of lower layers (the order below); peers in
   one layer do not import each other, so there is no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "engine"

LAYERS = [
    {"kernels", "_optional"},
    {"data", "_kernel_plugin"},
    {"stats"},
    {"metrics"},  # scoring: estimators score with it, as scikit-learn's with sklearn.metrics
    {"preprocessing", "models", "fairness", "drift", "inspection"},
    {"model_selection"},
    {"cluster", "_warmup"},
    {"report"},
    {"workflow"},
    {"serve", "tracking"},
    {"cli"},
]
LAYER_OF = {package: level for level, layer in enumerate(LAYERS) for package in layer}


def _package(path: Path) -> str:
    return path.relative_to(ENGINE).with_suffix("").parts[0]


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, dotted name)`` of every engine module (or name) a file imports."""
    return _imports_in(path.read_text(), path)


def _imports_in(source: str, path: Path) -> list[tuple[int, str]]:
    """:func:`_imported_modules` of ``source``, read as the file ``path``."""
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = path.relative_to(ENGINE.parent).with_suffix("").parts[: -node.level]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module.split(".")[0] == "engine":
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name)
                for alias in node.names
                if alias.name.split(".")[0] == "engine"
            ]
    return found


def _imports_across_packages() -> list[tuple[str, int, str, str, str]]:
    """``(file, line, importer package, imported package, dotted name)`` across packages."""
    rows = []
    for path in sorted(ENGINE.rglob("*.py")):
        if path.parent == ENGINE and path.name == "__init__.py":
            continue
        importer = _package(path)
        for line, name in _imported_modules(path):
            parts = name.split(".")
            if len(parts) < 2:
                continue
            imported = parts[1]
            if not _is_package(imported):
                continue  # a name of engine/__init__ itself (e.g. __version__)
            if imported != importer:
                rows.append((str(path.relative_to(ENGINE.parent)), line, importer, imported, name))
    return rows


def _is_package(name: str) -> bool:
    """Whether ``engine.<name>`` is one of the engine's packages (or top-level modules)."""
    return (ENGINE / name / "__init__.py").exists() or (ENGINE / f"{name}.py").exists()


def _module_of(name: str) -> str:
    """The dotted module an imported name lives in (the name itself when it is a module)."""
    parts = name.split(".")
    for end in range(len(parts), 1, -1):
        candidate = ENGINE.parent.joinpath(*parts[:end])
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts[:end])
    return ".".join(parts[:2])


def test_every_engine_package_has_a_layer():
    packages = {p.stem if p.is_file() else p.name for p in ENGINE.iterdir()}
    packages -= {"__init__", "__pycache__", "__main__"}
    assert packages <= set(LAYER_OF), f"give {sorted(packages - set(LAYER_OF))} a layer"


def test_no_import_across_packages_names_a_private_module():
    rows = _imports_across_packages()
    assert rows, "the import scan found nothing: is ENGINE right?"
    private = sorted(
        {
            f"{file}:{line}: {_module_of(name)}"
            for file, line, _, _, name in rows
            if any(part.startswith("_") for part in _module_of(name).split(".")[2:])
        }
    )
    assert not private, "imports of another package's private module:\n" + "\n".join(private)


def test_no_import_runs_up_the_layers():
    upward = [
        f"{file}:{line}: {importer} (layer {LAYER_OF[importer]}) imports {name} "
        f"(layer {LAYER_OF[imported]})"
        for file, line, importer, imported, name in _imports_across_packages()
        if LAYER_OF[imported] >= LAYER_OF[importer]
    ]
    assert not upward, "imports running up (or across a layer):\n" + "\n".join(upward)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from engine.stats._quantile import column_quantiles", "engine.stats._quantile"),
        ("from engine.stats import _draws", "engine.stats._draws"),
        ("import engine.data._table", "engine.data._table"),
        ("from engine.stats.internal import tree_merge", "engine.stats.internal"),
        ("from engine.metrics import evaluate", "engine.metrics"),
        ("from .._table import as_table", "engine.data._table"),
    ],
)
def test_the_scan_reads_every_import_form(source, expected):
    """The checks above cannot pass vacuously: each import form is resolved to its module."""
    names = [name for _, name in _imports_in(source, ENGINE / "data" / "sub" / "probe.py")]
    assert [_module_of(name) for name in names] == [expected]
