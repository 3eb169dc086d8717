"""A class's constructor parameters and ancestors, read from its source without importing it.

``engine validate`` checks the classes a spec names this way, so it answers
without importing scikit-learn, Dask or Numba. The class is found by
following the package's own source files: ``from x import Name``
re-exports (absolute or relative) up to the ``class Name(...)`` statement;
its parameters are those of its ``__init__`` (or of the first base class
that defines one), its ancestors the names of every base class found.
Whatever cannot be read that way (a compiled module, a class built or
re-exported dynamically, a constructor taking ``*args``/``**kwargs``) gives
``None``, and the caller imports the class instead.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

MAX_DEPTH = 12


@dataclass(frozen=True)
class StaticClass:
    """What the source says of a class: its name, constructor parameters and ancestors."""

    name: str
    params: tuple[str, ...]
    ancestors: frozenset[str]
    choices: dict = field(default_factory=dict, compare=False)
    """``{parameter: allowed strings}`` for parameters whose ``_parameter_constraints``
    (scikit-learn's) accept no other string than their ``StrOptions``."""


@functools.lru_cache(maxsize=512)
def source_file(module: str) -> Path | None:
    """The ``.py`` file of ``module``, found without importing it (nor its packages)."""
    top, _, rest = module.partition(".")
    try:
        spec = importlib.util.find_spec(top)  # a top-level name: found, not imported
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    if not rest:
        return Path(spec.origin)
    if not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location).joinpath(*rest.split("."))
        for candidate in (path / "__init__.py", path.with_suffix(".py")):
            if candidate.is_file():
                return candidate
    return None


@functools.lru_cache(maxsize=256)
def _tree(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def _absolute(module: str, is_package: bool, target: str | None, level: int) -> str:
    if level == 0:
        return target or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def _find(module: str, name: str, depth: int = 0) -> tuple[ast.stmt, str] | None:
    """The ``class``/``def name`` statement reachable from ``module`` and the module defining it."""
    path = source_file(module)
    tree = _tree(path) if path is not None and depth <= MAX_DEPTH else None
    if tree is None:
        return None
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name == name:
            return node, module
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    source = _absolute(module, path.name == "__init__.py", node.module, node.level)
                    return _find(source, alias.name, depth + 1)
    return None


_CLOSED_TO_STRINGS = {"Real", "Integral", "bool", "int", "float", "Interval", "callable"}


def _string_options(constraint: ast.expr) -> frozenset[str] | None:
    """The strings a constraint allows (empty: none); ``None`` if it may allow any string."""
    if isinstance(constraint, ast.Constant):
        return frozenset() if constraint.value is None or constraint.value == "boolean" else None
    if isinstance(constraint, ast.Call) and isinstance(constraint.func, ast.Name):
        name = constraint.func.id
        if name == "Hidden" and len(constraint.args) == 1:
            return _string_options(constraint.args[0])
        if name == "StrOptions" and len(constraint.args) == 1:
            try:
                return frozenset(ast.literal_eval(constraint.args[0]))
            except ValueError:
                return None
        return frozenset() if name in _CLOSED_TO_STRINGS else None
    last = constraint.attr if isinstance(constraint, ast.Attribute) else None
    last = constraint.id if isinstance(constraint, ast.Name) else last
    return frozenset() if last in _CLOSED_TO_STRINGS else None


def _choices(node: ast.ClassDef) -> dict | None:
    """Allowed strings per parameter from a literal ``_parameter_constraints``; None if absent."""
    for item in node.body:
        targets = item.targets if isinstance(item, ast.Assign) else [getattr(item, "target", None)]
        if not any(isinstance(t, ast.Name) and t.id == "_parameter_constraints" for t in targets):
            continue
        if not isinstance(item.value, ast.Dict) or None in item.value.keys:
            return {}
        out = {}
        for key, value in zip(item.value.keys, item.value.values, strict=True):
            if not isinstance(key, ast.Constant) or not isinstance(value, ast.List):
                continue
            options = [_string_options(c) for c in value.elts]
            if options and None not in options and any(options):
                out[key.value] = frozenset().union(*options)
        return out
    return None


def _base_names(node: ast.ClassDef) -> list[str] | None:
    names = []
    for base in node.bases:
        if not isinstance(base, ast.Name):  # module.Class, Generic[T], calls: not read
            return None
        names.append(base.id)
    return names


def _init_params(node: ast.ClassDef) -> tuple[str, ...] | None | bool:
    """``__init__``'s parameter names; ``False`` when the class defines none; ``None`` if unreadable."""
    init = next(
        (n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None
    )
    if init is None:
        return False
    args = init.args
    if args.vararg is not None or args.kwarg is not None:
        return None
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    return tuple(names[1:])


@functools.lru_cache(maxsize=512)
def static_class(module: str, name: str, depth: int = 0) -> StaticClass | None:
    """:class:`StaticClass` of ``module.name`` from the source, or ``None`` when unreadable.

    Examples
    --------
    >>> found = static_class("sklearn.linear_model", "LogisticRegression")
    >>> "max_iter" in found.params, "ClassifierMixin" in found.ancestors
    (True, True)
    """
    found = _find(module, name)
    if found is None or depth > MAX_DEPTH or not isinstance(found[0], ast.ClassDef):
        return None
    node, where = found
    bases = _base_names(node)
    if bases is None:
        return None
    params = _init_params(node)
    if params is None:
        return None
    choices = _choices(node)
    ancestors: set[str] = set()
    for base in bases:
        if base == "object":
            continue
        parent = static_class(where, base, depth + 1)
        if parent is None:
            return None
        ancestors |= {parent.name, *parent.ancestors}
        if params is False and parent.params:
            params = parent.params
        if choices is None and parent.choices:
            choices = parent.choices
    return StaticClass(node.name, params or (), frozenset(ancestors), choices or {})


def static_names(module: str) -> list[str] | None:
    """The literal ``__all__`` of ``module``'s source, or ``None``."""
    path = source_file(module)
    tree = _tree(path) if path is not None else None
    for node in tree.body if tree is not None else ():
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
    return None
