"""Posting to group robots over real HTTP: a local server records what each robot receives,
and answers as scripted (fail twice then take it, fail always, answer too late).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

import pytest

from tests.local_servers import Answer, robot_server
from tracker.domain.webhooks import Card, CardSection, RobotKind
from tracker.services.exports.robots import (
    Robot,
    RobotSettings,
    WebhookSettingsError,
    post_card,
    robot_settings,
)

CARD = Card(
    title="【催办】区工业和信息化局：逾期 1 项",
    intro="截至 2020-12-25：",
    sections=(CardSection("逾期（1）", ("A2-1 印发推进方案：已逾期 25 天",)),),
    link_label="打开部门页面",
    link_url="https://tracker.shinan.example/my",
)
FAST = RobotSettings(timeout=2.0, attempts=3, backoff=0.5)


class Sleeps(list[float]):
    """Stands in for time.sleep: remembers the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_wecom_robot_receives_the_card() -> None:
    with robot_server("wecom") as robot:
        delivery = post_card(Robot(RobotKind.WECOM, robot.url()), CARD, FAST)
    assert (delivery.ok, delivery.attempts, delivery.error) == (True, 1, "")
    (post,) = robot.posts
    assert post.path == "/cgi-bin/webhook/send"
    assert post.query == {"key": ["0f7c2b1e-robot-key-4d5e6f"]}
    assert post.headers["Content-Type"] == "application/json; charset=utf-8"
    body = post.json
    assert body["msgtype"] == "markdown"
    assert "A2-1 印发推进方案" in body["markdown"]["content"]
    assert "[打开部门页面](https://tracker.shinan.example/my)" in body["markdown"]["content"]
    assert "\\u" not in post.raw.decode()  # Chinese travels as UTF-8, not escaped


def test_dingtalk_robot_gets_a_valid_signature() -> None:
    secret = "SEC0123456789abcdef0123456789"
    with robot_server("dingtalk") as robot:
        url = robot.url("/robot/send?access_token=abcdef0123456789")
        delivery = post_card(Robot(RobotKind.DINGTALK, url, secret), CARD, FAST, now=lambda: 1.6e9)
    assert delivery.ok
    (post,) = robot.posts
    assert post.query["access_token"] == ["abcdef0123456789"]
    assert post.query["timestamp"] == ["1600000000000"]
    expected = hmac.new(secret.encode(), f"1600000000000\n{secret}".encode(), hashlib.sha256)
    assert post.query["sign"] == [base64.b64encode(expected.digest()).decode()]
    assert post.json["markdown"]["title"] == CARD.title


def test_feishu_robot_gets_a_signed_card() -> None:
    secret = "feishu-sign-secret"
    with robot_server("feishu") as robot:
        url = robot.url("/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
        delivery = post_card(Robot(RobotKind.FEISHU, url, secret), CARD, FAST, now=lambda: 1.6e9)
    assert delivery.ok
    body = robot.posts[0].json
    assert body["msg_type"] == "interactive"
    assert body["timestamp"] == "1600000000"
    expected = hmac.new(f"1600000000\n{secret}".encode(), b"", hashlib.sha256)
    assert body["sign"] == base64.b64encode(expected.digest()).decode()
    assert body["card"]["elements"][1]["actions"][0]["url"] == CARD.link_url


def test_fails_twice_then_takes_it(caplog: pytest.LogCaptureFixture) -> None:
    sleeps = Sleeps()
    with robot_server("wecom") as robot:
        robot.script = [
            Answer(502, b"bad gateway"),
            Answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
        ]
        with caplog.at_level(logging.INFO, logger="tracker.robots"):
            delivery = post_card(
                Robot(RobotKind.WECOM, robot.url(), label="工信局群"), CARD, FAST, sleep=sleeps
            )
    assert (delivery.ok, delivery.attempts) == (True, 3)
    assert len(robot.posts) == 3
    assert sleeps == [0.5, 1.0]  # waits double
    logged = [r.getMessage() for r in caplog.records]
    assert "attempt 1 of 3 failed: HTTP 502: bad gateway" in logged[0]
    assert "attempt 2 of 3 failed: error 45009: api freq out of limit" in logged[1]
    assert "took the message at attempt 3" in logged[2]
    assert all("0f7c2b1e-robot-key-4d5e6f" not in line for line in logged)
    assert "send?key=…4d5e6f" not in logged[0]
    assert "send?key=…5e6f" in logged[0]


def test_always_failing_robot_is_a_failure_after_every_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sleeps = Sleeps()
    with robot_server("dingtalk") as robot:
        robot.always = Answer(200, {"errcode": 300001, "errmsg": "token is not exist"})
        with caplog.at_level(logging.WARNING, logger="tracker.robots"):
            delivery = post_card(
                Robot(RobotKind.DINGTALK, robot.url("/robot/send?access_token=deadbeef12345678")),
                CARD,
                FAST,
                sleep=sleeps,
            )
    assert (delivery.ok, delivery.attempts) == (False, 3)
    assert delivery.error == "error 300001: token is not exist"
    assert len(robot.posts) == 3
    assert sleeps == [0.5, 1.0]
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING", "ERROR"]
    assert all("deadbeef12345678" not in r.getMessage() for r in caplog.records)


def test_a_robot_that_answers_too_late_times_out() -> None:
    with robot_server("wecom") as robot:
        robot.always = Answer(200, {"errcode": 0}, delay=1.0)
        delivery = post_card(
            Robot(RobotKind.WECOM, robot.url()),
            CARD,
            RobotSettings(timeout=0.2, attempts=2, backoff=0),
        )
    assert (delivery.ok, delivery.attempts) == (False, 2)
    assert "0.2 s" in delivery.error or "timed out" in delivery.error


def test_nobody_listening_is_a_failure_that_names_no_key() -> None:
    with robot_server("wecom") as robot:
        url = robot.url()
    # The server is gone: the port refuses.
    delivery = post_card(
        Robot(RobotKind.WECOM, url), CARD, RobotSettings(timeout=1, attempts=2, backoff=0)
    )
    assert not delivery.ok
    assert delivery.error.startswith("cannot reach the robot")
    assert "0f7c2b1e-robot-key-4d5e6f" not in delivery.error


def test_a_redirect_is_not_followed() -> None:
    with robot_server("wecom") as robot:
        robot.always = Answer(302, b"")
        delivery = post_card(
            Robot(RobotKind.WECOM, robot.url()), CARD, RobotSettings(attempts=1, backoff=0)
        )
    assert (delivery.ok, delivery.error) == (False, "HTTP 302")
    assert len(robot.posts) == 1


def test_robot_repr_hides_the_key() -> None:
    robot = Robot(RobotKind.WECOM, "https://qyapi.weixin.qq.com/send?key=0f7c2b1e-secret-key", "s")
    assert "0f7c2b1e-secret" not in repr(robot)


def test_settings_from_the_config() -> None:
    assert robot_settings({}) == RobotSettings(10.0, 3, 2.0)
    assert robot_settings(
        {
            "TRACKER_WEBHOOK_TIMEOUT": "5",
            "TRACKER_WEBHOOK_ATTEMPTS": "4",
            "TRACKER_WEBHOOK_BACKOFF": "0",
        }
    ) == RobotSettings(5.0, 4, 0.0)
    with pytest.raises(WebhookSettingsError, match="TRACKER_WEBHOOK_ATTEMPTS"):
        robot_settings({"TRACKER_WEBHOOK_ATTEMPTS": "many"})
    with pytest.raises(WebhookSettingsError, match="TRACKER_WEBHOOK_TIMEOUT must be from"):
        robot_settings({"TRACKER_WEBHOOK_TIMEOUT": "0"})
