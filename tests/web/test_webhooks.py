"""The admin page of group robots (/admin/webhooks): add, change, test and delete a robot;
bad input gets a message and writes nothing; the robot's key never shows on a page.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import table_snapshot
from tests.factories import create_user, csrf_token, department, login, signed_in
from tests.local_servers import Answer, robot_server
from tracker.domain.refusal import Refused, Who
from tracker.domain.webhooks import RobotKind, WebhookProblem
from tracker.extensions import db
from tracker.models import AuditEvent, Plan, User, Webhook, WebhookDelivery
from tracker.services.commands.webhooks import delete_webhook, update_webhook
from tracker.unit_of_work import unit_of_work

KEY = "693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa"
WECOM = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"
SECRET = "SEC0123456789abcdefSECRET"


@pytest.fixture
def admin_client(seeded: Flask) -> FlaskClient:
    create_user("boss", "admin")
    return signed_in(seeded, "boss")


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def gxj_target() -> str:
    return f"department-{department('gxj').id}"


def plan_target() -> str:
    return f"plan-{db.session.scalar(sa.select(Plan.id))}"


def post_new(client: FlaskClient, lang: str = "", **changes: str) -> object:
    data = {
        "label": "工信局工作群",
        "kind": "wecom",
        "target": gxj_target(),
        "url": WECOM,
        "secret": "",
        "csrf_token": csrf_token(client, "/admin/webhooks/new"),
        **changes,
    }
    return client.post(f"/admin/webhooks/new{'?lang=' + lang if lang else ''}", data=data)


def post_edit(client: FlaskClient, webhook: Webhook, lang: str = "", **changes: str) -> object:
    path = f"/admin/webhooks/{webhook.id}"
    data = {
        "label": webhook.label,
        "kind": webhook.kind,
        "target": gxj_target() if webhook.department_id else plan_target(),
        "url": "",
        "secret": "",
        "active": "y",
        "version": str(webhook.version),
        "csrf_token": csrf_token(client, path),
        **changes,
    }
    return client.post(f"{path}{'?lang=' + lang if lang else ''}", data=data)


def robots() -> list[Webhook]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Webhook).order_by(Webhook.id)))


def test_admin_adds_a_robot_and_its_key_shows_nowhere(admin_client: FlaskClient) -> None:
    response = post_new(admin_client)
    assert response.status_code == 302  # type: ignore[attr-defined]
    [robot] = robots()
    assert (robot.kind, robot.label, robot.url, robot.department.code) == (
        "wecom",
        "工信局工作群",
        WECOM,
        "gxj",
    )
    assert robot.plan_id is None
    for path in ("/admin/webhooks", f"/admin/webhooks/{robot.id}", "/admin/audit"):
        page = text(admin_client.get(path))
        assert KEY not in page, path
        assert "…5aaa" in page, path
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "webhook_created"))
    assert event.detail == (
        "工信局工作群 (wecom, department gxj) "
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…5aaa"
    )
    assert event.target_type == "webhook"


def test_a_signed_dingtalk_robot_for_the_plan(admin_client: FlaskClient) -> None:
    url = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789abcdef"
    response = post_new(
        admin_client, kind="dingtalk", target=plan_target(), url=url, secret=SECRET, label="推进办"
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    [robot] = robots()
    assert (robot.plan.code, robot.department_id, robot.secret) == ("shinan-2020", None, SECRET)
    page = text(admin_client.get(f"/admin/webhooks/{robot.id}"))
    assert SECRET not in page
    assert "…CRET" in page  # the saved secret, masked
    assert 'type="password"' in page
    assert "abcdef0123456789abcdef" not in page


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"url": ""}, "Paste the robot"),
        ({"url": "ftp://qyapi.weixin.qq.com/send?key=1"}, "must start with https://"),
        ({"url": "qyapi.weixin.qq.com/cgi-bin/webhook/send"}, "must start with https://"),
        ({"url": "https://wang:pw@robot.example/send"}, "must not hold a user name or password"),
        ({"url": "https://robot.example/" + "k" * 500}, "at most 500 characters"),
        ({"label": ""}, "Name the robot"),
        ({"label": "群" * 101}, "at most 100 characters"),
        ({"secret": SECRET}, "WeCom robots do not sign"),
        ({"kind": "fax"}, "Unknown kind of robot"),
        ({"target": ""}, "Choose the plan or the department"),
        ({"target": "department-99999999"}, "Choose the plan or the department"),
        ({"target": "plan-x"}, "Choose the plan or the department"),
        ({"target": "department-99999999999999999999"}, "Choose the plan or the department"),
        ({"label": "群\x00"}, "control characters"),
    ],
)
def test_bad_input_is_answered_with_a_message_and_writes_nothing(
    app: Flask, admin_client: FlaskClient, changes: dict[str, str], words: str
) -> None:
    with app.test_request_context():
        before = table_snapshot()
    response = post_new(admin_client, **{"lang": "en", **changes})
    page = text(response)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert words in page
    assert KEY not in page  # a typed address is not sent back either
    assert table_snapshot() == before


def test_a_post_without_csrf_token_is_refused(admin_client: FlaskClient) -> None:
    before = table_snapshot()
    response = admin_client.post(
        "/admin/webhooks/new",
        data={"label": "x", "kind": "wecom", "target": gxj_target(), "url": WECOM},
    )
    assert response.status_code == 400
    robot_path = "/admin/webhooks/1/test"
    assert admin_client.post(robot_path).status_code == 400
    assert table_snapshot() == before


def test_other_roles_are_refused(seeded: Flask) -> None:
    create_user("zhang", "leader")
    client = seeded.test_client()
    login(client, "zhang")
    assert client.get("/admin/webhooks").status_code == 403
    token = csrf_token(client, "/profile")
    response = client.post(
        "/admin/webhooks/new",
        data={
            "label": "x",
            "kind": "wecom",
            "target": gxj_target(),
            "url": WECOM,
            "csrf_token": token,
        },
    )
    assert response.status_code == 403
    assert robots() == []


def test_editing_keeps_the_address_and_secret_unless_new_ones_are_typed(
    admin_client: FlaskClient,
) -> None:
    post_new(
        admin_client,
        kind="feishu",
        url="https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        secret=SECRET,
    )
    [robot] = robots()
    old_url = robot.url
    assert post_edit(admin_client, robot, label="工信局新群").status_code == 302  # type: ignore[attr-defined]
    [robot] = robots()
    assert (robot.label, robot.url, robot.secret) == ("工信局新群", old_url, SECRET)
    # Nothing changed: said so, nothing audited.
    post_edit(admin_client, robot)
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "webhook_updated"))
        == 1
    )
    # A new address and removing the secret; switched off.
    new = "https://open.feishu.cn/open-apis/bot/v2/hook/ffffffff-0000-1111-2222-333333333333"
    post_edit(admin_client, robot, url=new, remove_secret="y", active="")
    [robot] = robots()
    assert (robot.url, robot.secret, robot.active) == (new, "", False)
    detail = db.session.scalars(
        sa.select(AuditEvent.detail).where(AuditEvent.action == "webhook_updated")
    ).all()[-1]
    assert "(new address)" in detail
    assert "ffffffff-0000" not in detail
    assert "0f1e2d3c" not in detail


def test_editing_into_a_bad_state_is_refused(admin_client: FlaskClient) -> None:
    post_new(admin_client)
    [robot] = robots()
    response = post_edit(admin_client, robot, kind="wecom", secret=SECRET, lang="en")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "WeCom robots do not sign" in text(response)
    assert robots()[0].secret == ""
    response = post_edit(admin_client, robot, url="mailto:x@y.example", lang="en")
    assert "must start with https://" in text(response)


def test_the_test_button_posts_to_the_robot_and_keeps_the_outcome(
    app: Flask, admin_client: FlaskClient
) -> None:
    app.config["TRACKER_BASE_URL"] = "https://tracker.shinan.example"
    with robot_server("wecom") as group:
        post_new(admin_client, url=group.url())
        [robot] = robots()
        path = f"/admin/webhooks/{robot.id}"
        response = admin_client.post(
            f"{path}/test", data={"csrf_token": csrf_token(admin_client, path)}
        )
        assert response.status_code == 302
        page = text(admin_client.get(path))
    (post,) = group.posts
    content = post.json["markdown"]["content"]
    assert content.startswith("**【催办】")
    assert "区工业和信息化局" in content
    assert "(https://tracker.shinan.example/)" in content
    assert "Boss" in content
    assert "took the test message" in page or "已收到测试消息" in page
    [delivery] = db.session.scalars(sa.select(WebhookDelivery)).all()
    assert (delivery.ok, delivery.attempts, delivery.purpose) == (True, 1, "test")
    listing = text(admin_client.get("/admin/webhooks?lang=en"))
    assert "Sent" in listing


def test_a_failing_test_message_says_why_and_shows_on_the_list(
    admin_client: FlaskClient,
) -> None:
    with robot_server("wecom") as group:
        group.always = Answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        post_new(admin_client, url=group.url("/send?key=wrong-key-0123456789"))
        [robot] = robots()
        path = f"/admin/webhooks/{robot.id}"
        token = csrf_token(admin_client, path)
        admin_client.post(f"{path}/test?lang=en", data={"csrf_token": token})
        page = text(admin_client.get(path))
    assert len(group.posts) == 1  # a test is tried once: the page answers promptly
    assert "did not take the test message: error 93000: invalid webhook url" in page
    listing = text(admin_client.get("/admin/webhooks"))
    assert "error 93000: invalid webhook url" in listing
    assert "wrong-key-0123456789" not in listing + page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "webhook_tested"))
    assert event.detail.endswith("failed: error 93000: invalid webhook url")
    assert "wrong-key-0123456789" not in event.detail


def test_deleting_a_robot_deletes_its_posts(admin_client: FlaskClient) -> None:
    with robot_server("wecom") as group:
        post_new(admin_client, url=group.url())
        [robot] = robots()
        path = f"/admin/webhooks/{robot.id}"
        admin_client.post(f"{path}/test", data={"csrf_token": csrf_token(admin_client, path)})
    response = admin_client.post(
        f"{path}/delete",
        data={"csrf_token": csrf_token(admin_client, path), "version": str(robot.version)},
    )
    assert response.status_code == 302
    assert robots() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0
    assert admin_client.get(path).status_code == 404
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "webhook_deleted"))
        == 1
    )


def test_the_page_is_in_chinese_by_default_and_linked_from_the_menu(
    admin_client: FlaskClient,
) -> None:
    page = text(admin_client.get("/admin/webhooks"))
    assert '<h1 class="h3 mb-0">群机器人</h1>' in page
    assert 'href="/admin/webhooks"' in page
    assert "TRACKER_BASE_URL" in page  # not set here: the page says cards carry no link


def test_two_admins_saving_one_robot_the_second_is_shown_what_is_saved(
    seeded: Flask, admin_client: FlaskClient
) -> None:
    """Both opened the form at one version: the first save wins, the second is refused with
    what is saved now, and saving once more (having seen it) replaces it.
    """
    create_user("boss2", "admin")
    other = seeded.test_client()
    login(other, "boss2")
    post_new(admin_client)
    [seen] = robots()
    assert post_edit(admin_client, seen, label="工信局一群").status_code == 302  # type: ignore[attr-defined]
    refused = post_edit(other, seen, label="工信局二群", lang="en", version=str(seen.version))
    assert refused.status_code == 200  # type: ignore[attr-defined]
    assert "Someone else changed or deleted this robot" in text(refused)
    assert [r.label for r in robots()] == ["工信局一群"]
    [now] = robots()
    assert f'name="version" type="hidden" value="{now.version}"' in text(refused)
    assert post_edit(other, now, label="工信局二群").status_code == 302  # type: ignore[attr-defined]
    assert [r.label for r in robots()] == ["工信局二群"]


def test_deleting_a_robot_changed_since_is_refused_and_a_deleted_one_is_gone(
    admin_client: FlaskClient,
) -> None:
    post_new(admin_client)
    [robot] = robots()
    path = f"/admin/webhooks/{robot.id}"
    opened = robot.version
    post_edit(admin_client, robot, label="工信局新群")
    response = admin_client.post(
        f"{path}/delete?lang=en",
        data={"csrf_token": csrf_token(admin_client, path), "version": str(opened)},
    )
    assert response.status_code == 302
    assert "Someone else changed or deleted this robot" in text(admin_client.get("/admin/webhooks"))
    [kept] = robots()
    assert kept.label == "工信局新群"
    admin_client.post(
        f"{path}/delete",
        data={"csrf_token": csrf_token(admin_client, path), "version": str(kept.version)},
    )
    assert robots() == []
    # The other admin's form, opened before the delete, now finds nothing to save.
    late = admin_client.post(
        path,
        data={
            "label": "晚了",
            "kind": "wecom",
            "target": gxj_target(),
            "active": "y",
            "version": "3",
            "csrf_token": csrf_token(admin_client, "/admin/webhooks/new"),
        },
    )
    assert late.status_code == 404


def test_two_admins_at_the_same_instant_exactly_one_wins(
    seeded: Flask, admin_client: FlaskClient
) -> None:
    """Saving and deleting one robot at once, in two threads as two workers would: one wins,
    the other is refused with the stale-robot problem, and nothing else breaks.
    """
    post_new(admin_client)
    [robot] = robots()
    robot_id, version = robot.id, robot.version
    boss = db.session.scalar(sa.select(User).where(User.username == "boss"))
    start = threading.Barrier(2)
    outcomes: list[BaseException | None] = [None, None]

    def run(index: int) -> None:
        with seeded.app_context():
            try:
                webhook = db.session.get(Webhook, robot_id)
                who = Who(datetime.now(UTC), db.session.get(User, boss.id))
                start.wait()
                with unit_of_work():
                    if index == 0:
                        update_webhook(
                            who,
                            webhook,
                            kind=RobotKind.WECOM,
                            label="同时保存",
                            url=None,
                            secret=None,
                            department=webhook.department,
                            plan=None,
                            active=True,
                            version=version,
                        )
                    else:
                        delete_webhook(who, webhook, version=version)
            except Exception as error:
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == 1, outcomes
    assert isinstance(refused[0], Refused)
    assert refused[0].problems == [WebhookProblem.STALE]
    left = robots()
    if outcomes[0] is None:  # the save won: the robot stays, with the new name
        assert [r.label for r in left] == ["同时保存"]
    else:  # the delete won
        assert left == []
