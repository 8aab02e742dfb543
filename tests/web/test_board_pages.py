"""Pages that stay small (issue 12): with 13 items × 200 milestones and tens of thousands of
history rows, every page is at most 200 KB, does not grow when the history doubles, and sends
the same number of SQL statements as with the small plan.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.bigplan import add_history, add_milestones
from tests.conftest import load_plan
from tests.factories import create_user, department, signed_in
from tests.querycount import count_queries
from tracker.clock import today
from tracker.loaders import find_plan
from tracker.services.queries.board import WATCH_ORDER, Filters, build_board
from tracker.services.queries.plans import figures_day_of

MAX_BYTES = 200_000
HISTORY = 20_000
PLAN = "/plans/shinan-2020"
PAGES = [
    f"{PLAN}/",
    *(f"{PLAN}/watch/{name}" for name in WATCH_ORDER),
    f"{PLAN}/items/T1",
    f"{PLAN}/items/T1/milestones",
    "/my",
    f"{PLAN}/my/milestones",
]


@pytest.fixture
def people(app: Flask) -> None:
    load_plan()
    create_user("zhang", "leader")
    create_user("wang", "dept_lead", department=department("gxj"))  # leads T1


def big() -> None:
    add_milestones(200)
    add_history(HISTORY)


def sizes(app: Flask, paths: list[str]) -> dict[str, int]:
    out = {}
    for user in ("zhang", "wang"):
        client = signed_in(app, user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (user, path)
            out[f"{user} {path}"] = len(response.data)
    return out


def test_every_page_stays_small_and_does_not_grow_with_the_history(
    app: Flask, people: None
) -> None:
    big()
    paths = [*PAGES, f"{PLAN}/watch/overdue?page=2", f"{PLAN}/items/T1?history=2&page=4"]
    before = sizes(app, paths)
    assert max(before.values()) <= MAX_BYTES, before
    add_history(HISTORY, first=HISTORY)  # the history doubles
    after = sizes(app, paths)
    for page, size in after.items():
        # A count's extra digit may show; nothing lists more rows.
        assert size <= before[page] + 500, (page, before[page], size)


@pytest.mark.parametrize("path", PAGES)
def test_statements_per_page_do_not_grow_with_the_plan(app: Flask, people: None, path: str) -> None:
    client = signed_in(app, "wang")
    with count_queries() as small:
        assert client.get(path).status_code == 200
    big()
    with count_queries() as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), large


def codes(html: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}" data-code="([^"]+)"', html)


def test_the_board_shows_the_top_of_each_watch_list_and_links_to_all(
    app: Flask, people: None
) -> None:
    big()
    html = signed_in(app, "zhang").get(f"{PLAN}/").get_data(as_text=True)
    overdue = re.search(r'data-testid="watch-overdue">(.*?)</ul>', html, re.S)
    assert overdue is not None
    assert overdue.group(1).count("<li>") == 10
    assert f'href="{PLAN}/watch/overdue"' in html
    assert 'data-testid="postponed-all"' in html
    # The timeline lists the items; their milestones are fetched when one is opened.
    assert codes(html, "item-milestones")[:3] == ["T1", "T2", "T3"]
    assert f'data-src="{PLAN}/items/T1/milestones?as_of=' in html
    assert "T1-b150" not in html


def test_a_watch_list_in_full_pages_by_fifty(app: Flask, people: None) -> None:
    big()
    plan = find_plan()
    assert plan is not None
    now = today()
    board = build_board(
        plan,
        as_of=figures_day_of(plan, now),
        today=now,
        margin=app.config["TRACKER_BEHIND_MARGIN"],
        filters=Filters(),
        watch_limit=None,
    )
    expected = [e.milestone.code for e in board.watch["overdue"]]
    assert len(expected) > 100
    client = signed_in(app, "zhang")
    first = client.get(f"{PLAN}/watch/overdue").get_data(as_text=True)
    second = client.get(f"{PLAN}/watch/overdue?page=2").get_data(as_text=True)
    assert codes(first, "watch-entry") == expected[:50]
    assert codes(second, "watch-entry") == expected[50:100]
    assert 'start="51"' in second
    assert 'data-testid="pagination"' in second
    last = -(-len(expected) // 50)
    assert client.get(f"{PLAN}/watch/overdue?page={last}").status_code == 200
    assert client.get(f"{PLAN}/watch/overdue?page={last + 1}").status_code == 404


@pytest.mark.parametrize("name", ["nope", "OVERDUE", "watch", "%E4%B8%AD"])
def test_an_unknown_watch_list_is_404(app: Flask, people: None, name: str) -> None:
    assert signed_in(app, "zhang").get(f"{PLAN}/watch/{name}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"{PLAN}/watch/overdue",
        f"{PLAN}/items/T1",
        f"{PLAN}/items/T1/milestones",
        f"{PLAN}/my/milestones",
    ],
)
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=-1", 200),
        ("page=0", 200),
        ("page=abc", 200),
        ("page=1.5", 200),
        ("page=%EF%BC%92", 200),  # a full-width 2
        ("page=99999999999999999999999999", 200),
        ("page=&page=2", 200),
        ("page=500", 404),
        ("history=-3&page=x", 200),
    ],
)
def test_bad_page_parameters_answer_page_one_or_404(
    app: Flask, people: None, path: str, query: str, status: int
) -> None:
    assert signed_in(app, "wang").get(f"{path}?{query}").status_code == status


def test_the_item_page_pages_its_milestones_and_its_history(app: Flask, people: None) -> None:
    big()
    client = signed_in(app, "zhang")
    html = client.get(f"{PLAN}/items/T1").get_data(as_text=True)
    assert len(codes(html, "milestone-row")) == 50
    assert html.count('data-testid="timeline-entry"') == 50
    assert f'href="{PLAN}/items/T1?history=2#timeline"' in html
    fourth = client.get(f"{PLAN}/items/T1?page=4").get_data(as_text=True)
    assert len(codes(fourth, "milestone-row")) == 50
    assert set(codes(fourth, "milestone-row")).isdisjoint(codes(html, "milestone-row"))
    assert client.get(f"{PLAN}/items/T1?page=5").status_code == 404
    older = client.get(f"{PLAN}/items/T1?history=2").get_data(as_text=True)
    assert older.count('data-testid="timeline-entry"') == 50
    assert "较新" in older


def test_the_fragment_lists_the_items_milestones(app: Flask, people: None) -> None:
    client = signed_in(app, "zhang")
    response = client.get(f"{PLAN}/items/T1/milestones")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert codes(html, "fragment-milestone") == [f"T1-{n}" for n in range(1, 6)]
    assert client.get(f"{PLAN}/items/NOPE/milestones").status_code == 404
    past = client.get(f"{PLAN}/items/T1/milestones?as_of=2020-10-01").get_data(as_text=True)
    assert codes(past, "fragment-milestone")
    big()
    html = client.get(f"{PLAN}/items/T1/milestones").get_data(as_text=True)
    assert len(codes(html, "fragment-milestone")) == 50
    assert 'data-testid="fragment-more"' in html


def test_my_page_lists_open_milestones_first_and_links_to_all(app: Flask, people: None) -> None:
    big()
    client = signed_in(app, "wang")
    html = client.get("/my").get_data(as_text=True)
    assert len(codes(html, "my-milestone")) == 50
    assert 'data-testid="flag-overdue"' in html
    assert f'href="{PLAN}/my/milestones"' in html
    second = client.get(f"{PLAN}/my/milestones?page=2").get_data(as_text=True)
    assert len(codes(second, "my-milestone")) == 50
    assert set(codes(second, "my-milestone")).isdisjoint(codes(html, "my-milestone"))
    # Someone without a department is told so.
    assert "no-department" in signed_in(app, "zhang").get(f"{PLAN}/my/milestones").text
