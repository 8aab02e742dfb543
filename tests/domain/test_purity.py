"""The domain layer is pure: its rules run without Flask, a database or the services.

Every module of ``tracker/domain`` is parsed (not imported), and any import of the web
framework, SQLAlchemy, the models, the extensions or the services is a failure, unless it sits
under ``if TYPE_CHECKING:``, where it only informs the type checker.
"""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "tracker" / "domain"
FORBIDDEN = (
    "flask",
    "flask_*",
    "werkzeug",
    "wtforms",
    "sqlalchemy",
    "tracker.models",
    "tracker.extensions",
    "tracker.services",
)


def _forbidden(module: str) -> bool:
    for name in FORBIDDEN:
        if name.endswith("*"):
            if module.startswith(name[:-1]):
                return True
        elif module == name or module.startswith(name + "."):
            return True
    return False


def _is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:``."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """``(line, module)`` of every import that runs when the module is imported or called."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:  # the else branch does run
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def violations(source: str) -> list[str]:
    return [
        f"line {line}: {module}"
        for line, module in _runtime_imports(ast.parse(source))
        if _forbidden(module)
    ]


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_no_framework_database_or_services(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8")) == []


def test_the_domain_has_modules_to_check() -> None:
    assert len(list(DOMAIN.glob("*.py"))) > 5


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import flask", ["line 1: flask"]),
        ("from flask_babel import gettext", ["line 1: flask_babel"]),
        ("import sqlalchemy.orm as so", ["line 1: sqlalchemy.orm"]),
        ("from tracker.models import Item", ["line 1: tracker.models"]),
        ("from tracker.services.queries import board", ["line 1: tracker.services.queries"]),
        ("def f():\n    from tracker.extensions import db", ["line 2: tracker.extensions"]),
        ("if TYPE_CHECKING:\n    from tracker.models import Item", []),
        ("import typing\nif typing.TYPE_CHECKING:\n    import flask", []),
        ("if TYPE_CHECKING:\n    pass\nelse:\n    import flask", ["line 4: flask"]),
        ("from tracker.domain.status import Status\nimport flaskish_name_ok", []),
        ("from datetime import date\nimport yaml", []),
    ],
)
def test_the_check_itself(source: str, expected: list[str]) -> None:
    assert violations(source) == expected
