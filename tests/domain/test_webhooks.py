"""Group robots: what may be saved, how keys are hidden, each robot's JSON, signatures,
answers and waits. Pure: no app, no network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from tracker.domain.webhooks import (
    CONTENT_MAX_BYTES,
    Card,
    CardSection,
    RobotKind,
    WebhookProblem,
    answer_problem,
    dingtalk_signed_url,
    feishu_signed,
    fitted_body,
    mask_secret,
    mask_url,
    retry_delays,
    robot_payload,
    scrub,
    url_problems,
    webhook_problems,
)

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=a1b2c3d4e5f6a7b8c9d0"
FEISHU = "https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

CARD = Card(
    title="【催办】区工业和信息化局：逾期 1 项",
    intro="截至 2020-12-25，贵单位负责的以下节点需要关注：",
    sections=(
        CardSection(
            "逾期（1）", ("A2-1 印发细化后的推进方案：应于 2020-11-30 完成，已逾期 25 天",)
        ),
        CardSection(
            "7 日内到期（2）", ("T1-3 年内开通5G基站970处：还剩 6 天", "A6-1 企业平台：还剩 6 天")
        ),
    ),
    link_label="打开部门页面",
    link_url="https://tracker.shinan.example/my",
    footer="由计划推进跟踪系统自动发送。",
    urgent=True,
    more=lambda n: f"另有 {n} 项",
)


@pytest.mark.parametrize("url", [WECOM, DINGTALK, FEISHU, "http://10.0.0.5:8080/hook"])
def test_robot_addresses_are_accepted(url: str) -> None:
    assert url_problems(url) == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", WebhookProblem.URL_REQUIRED),
        ("   ", WebhookProblem.URL_REQUIRED),
        ("ftp://qyapi.weixin.qq.com/send", WebhookProblem.URL_NOT_HTTP),
        ("javascript:alert(1)", WebhookProblem.URL_NOT_HTTP),
        ("qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1", WebhookProblem.URL_NOT_HTTP),
        ("https://", WebhookProblem.URL_NOT_HTTP),
        ("https://host:port/x", WebhookProblem.URL_NOT_HTTP),
        ("https://exa mple.com/x", WebhookProblem.URL_NOT_HTTP),
        ("https://[::1/x", WebhookProblem.URL_NOT_HTTP),
        ("https://user:pw@robot.example/send", WebhookProblem.URL_CREDENTIALS),
        ("https://user@robot.example/send", WebhookProblem.URL_CREDENTIALS),
        ("https://robot.example/" + "x" * 500, WebhookProblem.URL_TOO_LONG),
    ],
)
def test_bad_addresses_are_refused(url: str, problem: WebhookProblem) -> None:
    assert url_problems(url) == [problem]


def test_settings_rules() -> None:
    def problems(**changes: object) -> list[WebhookProblem]:
        values: dict[str, object] = {
            "kind": RobotKind.DINGTALK,
            "label": "工信局群",
            "url": DINGTALK,
            "secret": "SECabc",
            "department": True,
            "plan": False,
        }
        return webhook_problems(**{**values, **changes})  # type: ignore[arg-type]

    assert problems() == []
    assert problems(url=None) == []  # keeps the saved address
    assert problems(label=" ") == [WebhookProblem.LABEL_REQUIRED]
    assert problems(label="x" * 101) == [WebhookProblem.LABEL_TOO_LONG]
    assert problems(kind=RobotKind.WECOM) == [WebhookProblem.SECRET_NOT_SIGNED]
    assert problems(kind=RobotKind.WECOM, secret="") == []
    assert problems(secret="s" * 201) == [WebhookProblem.SECRET_TOO_LONG]
    assert problems(department=False) == [WebhookProblem.SCOPE_REQUIRED]
    assert problems(plan=True) == [WebhookProblem.SCOPE_BOTH]


def test_addresses_are_shown_without_their_key() -> None:
    assert mask_url(WECOM) == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…5aaa"
    assert mask_url(DINGTALK) == "https://oapi.dingtalk.com/robot/send?access_token=…c9d0"
    assert mask_url(FEISHU) == "https://open.feishu.cn/open-apis/bot/v2/hook/…e1f0"
    assert mask_url("http://10.0.0.5:8080/hook?k=short") == "http://10.0.0.5:8080/hook?k=…"
    assert mask_secret("SEC0123456789abcdef") == "…cdef"
    assert mask_secret("") == ""


def test_scrub_takes_keys_and_secrets_out_of_any_text() -> None:
    text = f"POST {WECOM} failed; secret SECabcdef0123 rejected; token a1b2c3d4e5f6a7b8c9d0"
    cleaned = scrub(text, WECOM, "SECabcdef0123")
    assert "693axxx6" not in cleaned
    assert "SECabcdef0123" not in cleaned
    assert scrub(text, DINGTALK).count("a1b2c3d4e5f6a7b8c9d0") == 0


def test_wecom_markdown() -> None:
    payload = robot_payload(RobotKind.WECOM, CARD)
    assert payload["msgtype"] == "markdown"
    content = payload["markdown"]["content"]  # type: ignore[index]
    assert content.startswith("**【催办】区工业和信息化局：逾期 1 项**\n\n截至 2020-12-25")
    assert "**逾期（1）**\n- A2-1 印发细化后的推进方案" in content
    assert "[打开部门页面](https://tracker.shinan.example/my)" in content
    assert content.endswith("> 由计划推进跟踪系统自动发送。")


def test_dingtalk_markdown_has_a_title() -> None:
    payload = robot_payload(RobotKind.DINGTALK, CARD)
    assert payload["msgtype"] == "markdown"
    markdown = payload["markdown"]
    assert markdown["title"] == CARD.title  # type: ignore[index]
    assert markdown["text"].startswith("#### 【催办】")  # type: ignore[index]
    assert "- T1-3 年内开通5G基站970处：还剩 6 天" in markdown["text"]  # type: ignore[index]


def test_feishu_interactive_card_with_a_button() -> None:
    payload = robot_payload(RobotKind.FEISHU, CARD)
    assert payload["msg_type"] == "interactive"
    card = payload["card"]
    assert card["header"] == {  # type: ignore[index]
        "template": "red",
        "title": {"tag": "plain_text", "content": CARD.title},
    }
    markdown, action = card["elements"]  # type: ignore[index]
    assert markdown["tag"] == "markdown"
    assert "A2-1" in markdown["content"]
    assert "](https://" not in markdown["content"]  # the link is the button
    assert action["actions"][0]["url"] == "https://tracker.shinan.example/my"
    json.dumps(payload)  # plain JSON


def test_without_a_link_no_link_is_drawn() -> None:
    card = Card(title="t", intro="i", link_label="打开", link_url="")
    assert "](" not in robot_payload(RobotKind.WECOM, card)["markdown"]["content"]  # type: ignore[index]
    assert len(robot_payload(RobotKind.FEISHU, card)["card"]["elements"]) == 1  # type: ignore[index]


def test_markup_in_titles_cannot_break_the_card() -> None:
    card = Card(title="a<font>\nb", intro="x", sections=(CardSection("h", ("<at>1\n2",)),))
    content = robot_payload(RobotKind.WECOM, card)["markdown"]["content"]  # type: ignore[index]
    assert "<" not in content
    assert "- ＜at＞1 2" in content


def test_a_long_list_is_cut_to_fit_the_robot_with_the_rest_counted() -> None:
    lines = tuple(f"T{n}-1 {'很长的节点名称' * 8}：已逾期 {n} 天" for n in range(60))
    card = Card(
        title="t",
        intro="i",
        sections=(CardSection("逾期（60）", lines),),
        link_label="打开",
        link_url="https://t.example/my",
        more=lambda n: f"另有 {n} 项",
    )
    body = fitted_body(card)
    assert len(body.encode()) <= CONTENT_MAX_BYTES
    assert "逾期（60）" in body
    assert "T0-1" in body
    assert "T59-1" not in body
    shown = body.count("：已逾期")
    assert f"- 另有 {60 - shown} 项" in body
    assert body.rstrip().endswith("(https://t.example/my)")  # the link survives the cut
    for kind in RobotKind:
        assert len(json.dumps(robot_payload(kind, card), ensure_ascii=False).encode()) < 6000


def test_dingtalk_signature_as_documented() -> None:
    secret = "SEC1234567890abcdef"
    signed = dingtalk_signed_url(DINGTALK, secret, 1_600_000_000_000)
    query = parse_qs(urlsplit(signed).query)
    assert query["access_token"] == ["a1b2c3d4e5f6a7b8c9d0"]
    assert query["timestamp"] == ["1600000000000"]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"1600000000000\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]
    # The sign is URL-encoded in the address (Base64 has + and /).
    raw_sign = signed.rsplit("sign=", 1)[1]
    assert unquote_plus(raw_sign) == expected


def test_feishu_signature_as_documented() -> None:
    secret = "feishu-secret"
    body = feishu_signed({"msg_type": "interactive"}, secret, 1_600_000_000)
    expected = base64.b64encode(
        hmac.new(f"1600000000\n{secret}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body == {"timestamp": "1600000000", "sign": expected, "msg_type": "interactive"}


@pytest.mark.parametrize(
    ("kind", "status", "body", "problem"),
    [
        (RobotKind.WECOM, 200, b'{"errcode":0,"errmsg":"ok"}', None),
        (RobotKind.DINGTALK, 200, b'{"errcode":0,"errmsg":"ok"}', None),
        (RobotKind.FEISHU, 200, b'{"code":0,"msg":"success","data":{}}', None),
        (RobotKind.FEISHU, 200, b'{"StatusCode":0,"StatusMessage":"success"}', None),
        (
            RobotKind.WECOM,
            200,
            b'{"errcode":93000,"errmsg":"invalid webhook url"}',
            "error 93000: invalid webhook url",
        ),
        (
            RobotKind.DINGTALK,
            200,
            b'{"errcode":310000,"errmsg":"sign not match"}',
            "error 310000: sign not match",
        ),
        (
            RobotKind.FEISHU,
            200,
            b'{"code":19021,"msg":"sign match fail"}',
            "error 19021: sign match fail",
        ),
        (RobotKind.WECOM, 500, b"oops", "HTTP 500: oops"),
        (RobotKind.WECOM, 404, b"", "HTTP 404"),
        (
            RobotKind.WECOM,
            200,
            b"<html>ok</html>",
            "HTTP 200, not a robot's answer: '<html>ok</html>'",
        ),
        (RobotKind.WECOM, 200, b"[0]", "HTTP 200, not a robot's answer: '[0]'"),
        (
            RobotKind.DINGTALK,
            200,
            b'{"ok":true}',
            "HTTP 200, no result code in the answer: '{\"ok\":true}'",
        ),
    ],
)
def test_a_robots_answer(kind: RobotKind, status: int, body: bytes, problem: str | None) -> None:
    assert answer_problem(kind, status, body) == problem


def test_waits_double() -> None:
    assert retry_delays(3, 2.0) == [2.0, 4.0]
    assert retry_delays(4, 0.5) == [0.5, 1.0, 2.0]
    assert retry_delays(1, 2.0) == []
