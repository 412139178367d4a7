"""Every secret the tests hand to the product is listed in tests/support/secret_values.py,
or the secret-leak scan would not look for it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.support import leak_scanner, secret_values
from tests.support.leak_scanner import Secret

ROOT = Path(__file__).resolve().parents[2]
# Names under which tests hand a value to the product as a secret.
_SECRETISH = re.compile(r"token|secret|passw|pfx|jwt|api[_-]?key|(^|[_-])pw$", re.I)
# ... and names that only say where a secret comes from or what it is called.
_NOT_A_SECRET_NAME = re.compile(r"[_-](env|role|kind|header|param|name|path|file)$", re.I)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_setenv(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr == "setenv" and len(call.args) == 2


def _named_literals(tree: ast.AST) -> Iterator[tuple[int, str | None, str | None]]:
    """(line, name, literal) for each string handed over under a name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                yield node.lineno, keyword.arg, _str(keyword.value)
            if _is_setenv(node):
                yield node.lineno, _str(node.args[0]), _str(node.args[1])
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                yield node.lineno, _str(key), _str(value)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield node.lineno, target.id, _str(node.value)


def _unlisted(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for line, name, value in _named_literals(tree):
        if name is None or value is None or not _SECRETISH.search(name):
            continue
        if _NOT_A_SECRET_NAME.search(name) or _ENV_NAME.match(value):
            continue
        if len(value) >= leak_scanner.MIN_LENGTH and value not in secret_values.SECRETS:
            yield f"{path.relative_to(ROOT)}:{line}: {name} = {Secret(name, value).masked}"


def test_every_secret_literal_in_the_tests_is_listed() -> None:
    """A secret a test hands over (setenv, token=, {"password": ...}, TOKEN = ...) must be
    in tests/support/secret_values.py, or the scan would not look for it."""
    sources = sorted((ROOT / "tests").rglob("*.py"))
    unlisted = [entry for path in sources for entry in _unlisted(path)]
    assert len(sources) > 20
    assert not unlisted, "add these to tests/support/secret_values.py:\n" + "\n".join(unlisted)
