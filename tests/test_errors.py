"""One error tree: every error class lives in denialops.errors and derives from its base."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import denialops
from denialops import errors
from denialops.errors import DenialopsError, InputError

PACKAGE = Path(denialops.__file__).parent


def _modules() -> list[str]:
    names = [
        info.name
        for info in pkgutil.walk_packages([str(PACKAGE)], prefix="denialops.")
        if ".migrations" not in info.name
        # web.errors holds HTTP control flow (WebError, LoginRequired), not domain errors
        and info.name not in ("denialops.__main__", "denialops.errors", "denialops.web.errors")
    ]
    return sorted(names)


def test_every_exception_class_is_defined_in_errors() -> None:
    elsewhere = []
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == name
                and not attr.startswith("_")
            ):
                elsewhere.append(f"{name}.{attr}")
    assert elsewhere == []


def test_every_error_in_the_tree_derives_from_the_base() -> None:
    classes = [
        v
        for v in vars(errors).values()
        if inspect.isclass(v) and v.__module__ == "denialops.errors"
    ]
    assert len(classes) > 20
    assert all(issubclass(cls, DenialopsError) for cls in classes)


def test_the_docstring_draws_every_class() -> None:
    classes = {
        v.__name__
        for v in vars(errors).values()
        if inspect.isclass(v) and v.__module__ == "denialops.errors"
    }
    drawn = set(re.findall(r"[├└]── (\w+)", errors.__doc__ or ""))
    assert classes - {"DenialopsError"} == drawn


@pytest.mark.parametrize(
    ("old_home", "name"),
    [
        ("denialops.work.deadlines", "PayerProfileError"),
        ("denialops.work.documents", "DocumentRejected"),
        ("denialops.work.priority", "PrioritySettingsError"),
        ("denialops.analytics.dimensions", "UnknownDimensionError"),
    ],
)
def test_moved_errors_still_import_from_their_old_home(old_home: str, name: str) -> None:
    assert getattr(importlib.import_module(old_home), name) is getattr(errors, name)


def test_user_input_errors_are_tree_errors_and_still_value_errors() -> None:
    from denialops.classify import parse_adjustment_code
    from denialops.money import parse_amount

    for call, text in ((parse_adjustment_code, "hello"), (parse_amount, "12,50")):
        with pytest.raises(InputError) as raised:
            call(text)
        assert isinstance(raised.value, DenialopsError) and isinstance(raised.value, ValueError)
