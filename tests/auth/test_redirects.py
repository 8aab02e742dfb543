"""Only paths on this site are followed after sign-in."""

import pytest

from tracker.auth.redirects import safe_next


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.example",
        "https://evil.example",
        "http://evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\tevil",
        "/\r\nLocation: //evil",
        "///evil.example",
    ],
)
def test_unsafe_targets_fall_back_to_root(target: str | None) -> None:
    assert safe_next(target) == "/"


@pytest.mark.parametrize(
    "target",
    ["/", "/plans/shinan-2020/items/T1", "/plans/shinan-2020/items/T1?lang=en", "/admin/users#x"],
)
def test_site_paths_are_kept(target: str) -> None:
    assert safe_next(target) == target
