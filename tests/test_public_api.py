"""The top-level package exports exactly what it promises."""

import denialops


def test_all_names_exist() -> None:
    for name in denialops.__all__:
        assert hasattr(denialops, name), name


def test_errors_share_one_base() -> None:
    for name in denialops.__all__:
        obj = getattr(denialops, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, denialops.DenialopsError)
