"""Group robots (群机器人) that carry reminders (催办) into a department's chat: the rules.

Pure functions, so the formats are tested without an app or a network:

* what an admin may save (a label, an http(s) address without credentials in it, a sign
  secret only for the robots that sign), and how an address or secret is shown (masked: the
  address of a robot *is* its key, so nothing prints it whole);
* a reminder as each robot's JSON: WeCom (企业微信) and DingTalk (钉钉) ``markdown``
  messages, a Feishu/Lark (飞书) ``interactive`` card, cut to fit the robots' size limit;
* DingTalk's and Feishu's optional signatures (HMAC-SHA256 of ``timestamp + "\\n" + secret``);
* whether a robot's answer means it posted: WeCom and DingTalk answer HTTP 200 with
  ``{"errcode": 0}``, Feishu ``{"code": 0}``; anything else is a failure;
* how long to wait between attempts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import parse_qsl, quote_plus, urlsplit

LABEL_MAX = 100
URL_MAX = 500
SECRET_MAX = 200
# WeCom refuses markdown content over 4096 bytes (UTF-8); one budget for every robot keeps a
# card the same everywhere and short enough to read in a chat.
CONTENT_MAX_BYTES = 4000
# How many milestones a list shows before "and N more" (fewer when the card is too long).
LIST_CAPS = (10, 6, 3, 1, 0)
ANSWER_MAX = 200  # how much of a robot's answer a failure quotes


class RobotKind(StrEnum):
    """The group robots the tracker speaks to."""

    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"


SIGNING_KINDS = frozenset({RobotKind.DINGTALK, RobotKind.FEISHU})


class WebhookProblem(StrEnum):
    """Why a robot's settings cannot be saved."""

    LABEL_REQUIRED = "label_required"
    LABEL_TOO_LONG = "label_too_long"
    URL_REQUIRED = "url_required"
    URL_TOO_LONG = "url_too_long"
    URL_NOT_HTTP = "url_not_http"
    URL_CREDENTIALS = "url_credentials"
    SECRET_TOO_LONG = "secret_too_long"  # noqa: S105  (a problem code, not a secret)
    SECRET_NOT_SIGNED = "secret_not_signed"  # noqa: S105
    SCOPE_REQUIRED = "scope_required"
    SCOPE_BOTH = "scope_both"
    STALE = "stale"  # changed or deleted by someone else since the form was opened


def url_problems(url: str) -> list[WebhookProblem]:
    """An address the robot answers at: ``http://`` or ``https://`` with a host, no user name
    or password in it (they would be printed wherever an address is), no spaces.
    """
    value = url.strip()
    if not value:
        return [WebhookProblem.URL_REQUIRED]
    if len(value) > URL_MAX:
        return [WebhookProblem.URL_TOO_LONG]
    if any(ch.isspace() for ch in value):
        return [WebhookProblem.URL_NOT_HTTP]
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError:
        return [WebhookProblem.URL_NOT_HTTP]
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return [WebhookProblem.URL_NOT_HTTP]
    if parts.username is not None or parts.password is not None:
        return [WebhookProblem.URL_CREDENTIALS]
    return []


def webhook_problems(
    *,
    kind: RobotKind,
    label: str,
    url: str | None,
    secret: str,
    department: bool,
    plan: bool,
) -> list[WebhookProblem]:
    """Everything wrong with a robot's settings. ``url`` None keeps the saved address;
    ``department`` and ``plan`` say which the robot is for: exactly one of them.
    """
    problems: list[WebhookProblem] = []
    label = label.strip()
    if not label:
        problems.append(WebhookProblem.LABEL_REQUIRED)
    elif len(label) > LABEL_MAX:
        problems.append(WebhookProblem.LABEL_TOO_LONG)
    if url is not None:
        problems.extend(url_problems(url))
    if len(secret) > SECRET_MAX:
        problems.append(WebhookProblem.SECRET_TOO_LONG)
    elif secret and kind not in SIGNING_KINDS:
        problems.append(WebhookProblem.SECRET_NOT_SIGNED)
    if department and plan:
        problems.append(WebhookProblem.SCOPE_BOTH)
    elif not (department or plan):
        problems.append(WebhookProblem.SCOPE_REQUIRED)
    return problems


# Showing addresses and secrets


def _tail(value: str) -> str:
    """A secret shown by its last four characters, enough to tell two apart."""
    return f"…{value[-4:]}" if len(value) > 8 else "…"


def _secret_parts(url: str) -> list[str]:
    """The parts of a robot's address that are its key: every query value (WeCom ``key``,
    DingTalk ``access_token``) and every long path segment (Feishu's hook id).
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return [url] if url else []
    found = [value for _name, value in parse_qsl(parts.query, keep_blank_values=False)]
    found += [segment for segment in parts.path.split("/") if len(segment) >= 16]
    return [part for part in found if part]


def mask_url(url: str) -> str:
    """A robot's address with its key hidden: ``https://qyapi.weixin.qq.com/cgi-bin/webhook/
    send?key=…3f2a``. What pages, logs and the audit log show.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "…"
    segments = [_tail(s) if len(s) >= 16 else s for s in parts.path.split("/")]
    query = "&".join(
        f"{name}={_tail(value)}" for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    shown = f"{parts.scheme}://{host}{port}{'/'.join(segments)}"
    return f"{shown}?{query}" if query else shown


def mask_secret(secret: str) -> str:
    """A sign secret as shown: its last four characters, or nothing when there is none."""
    return _tail(secret) if secret else ""


def scrub(text: str, url: str, secret: str = "") -> str:
    """``text`` (an error, an answer) with the robot's key and sign secret taken out, so a
    failure can be logged and shown as it came.
    """
    for part in sorted({*_secret_parts(url), secret, url.strip()}, key=len, reverse=True):
        if part:
            text = text.replace(part, "***")
    return text


# Reminders as cards


@dataclass(frozen=True)
class CardSection:
    """One list of a card: its heading and a line per milestone."""

    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Card:
    """What a robot posts, in words already translated: a title, a sentence, the lists, a
    link and a footer. ``more(n)`` words the line that stands for ``n`` milestones left out.
    """

    title: str
    intro: str
    sections: tuple[CardSection, ...] = ()
    link_label: str = ""
    link_url: str = ""
    footer: str = ""
    urgent: bool = False
    more: Callable[[int], str] = field(default=lambda n: f"+{n}", compare=False)


_MARKUP = re.compile(r"[\r\n]+")


def _plain(text: str) -> str:
    """A text on one line, without the angle brackets robots read as markup."""
    return _MARKUP.sub(" ", text).replace("<", "＜").replace(">", "＞").strip()


def _body(card: Card, cap: int, *, with_link: bool) -> str:
    """The card's markdown with at most ``cap`` lines per list."""
    blocks = [_plain(card.intro)] if card.intro else []
    for section in card.sections:
        lines = [f"**{_plain(section.heading)}**"]
        lines += [f"- {_plain(line)}" for line in section.lines[:cap]]
        left_out = len(section.lines) - cap
        if left_out > 0:
            lines.append(f"- {_plain(card.more(left_out))}")
        blocks.append("\n".join(lines))
    if with_link and card.link_url:
        blocks.append(f"[{_plain(card.link_label) or card.link_url}]({card.link_url})")
    if card.footer:
        blocks.append(f"> {_plain(card.footer)}")
    return "\n\n".join(blocks)


def fitted_body(card: Card, *, with_link: bool = True, prefix: str = "") -> str:
    """The card's markdown, its lists cut until ``prefix`` and the body fit
    :data:`CONTENT_MAX_BYTES`; the link and the counts in the headings stay.
    """
    text = ""
    for cap in LIST_CAPS:
        text = prefix + _body(card, cap, with_link=with_link)
        if len(text.encode()) <= CONTENT_MAX_BYTES:
            return text
    return text.encode()[:CONTENT_MAX_BYTES].decode(errors="ignore")


def robot_payload(kind: RobotKind, card: Card) -> dict[str, object]:
    """The JSON body a robot of ``kind`` takes for ``card``."""
    title = _plain(card.title)
    if kind is RobotKind.WECOM:
        content = fitted_body(card, prefix=f"**{title}**\n\n")
        return {"msgtype": "markdown", "markdown": {"content": content}}
    if kind is RobotKind.DINGTALK:
        text = fitted_body(card, prefix=f"#### {title}\n\n")
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    elements: list[dict[str, object]] = [
        {"tag": "markdown", "content": fitted_body(card, with_link=False)}
    ]
    if card.link_url:
        button = {
            "tag": "button",
            "text": {"tag": "plain_text", "content": _plain(card.link_label) or card.link_url},
            "type": "primary",
            "url": card.link_url,
        }
        elements.append({"tag": "action", "actions": [button]})
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {
                "template": "red" if card.urgent else "blue",
                "title": {"tag": "plain_text", "content": title},
            },
            "elements": elements,
        },
    }


# Signatures


def _signature(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: ``timestamp`` (milliseconds) and ``sign`` added to the address, where
    sign is Base64(HMAC-SHA256(key=secret, message=timestamp + "\\n" + secret)), URL-encoded.
    """
    sign = _signature(secret.encode(), f"{timestamp_ms}\n{secret}".encode())
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={quote_plus(sign)}"


def feishu_signed(payload: dict[str, object], secret: str, timestamp_s: int) -> dict[str, object]:
    """Feishu's 签名校验: ``timestamp`` (seconds) and ``sign`` added to the body, where sign is
    Base64(HMAC-SHA256(key=timestamp + "\\n" + secret, message="")).
    """
    sign = _signature(f"{timestamp_s}\n{secret}".encode(), b"")
    return {"timestamp": str(timestamp_s), "sign": sign, **payload}


# Answers and retries


def answer_problem(kind: RobotKind, status: int, body: bytes) -> str | None:
    """None when the robot took the message; otherwise why not, in a line.

    A robot answers HTTP 200 even when it refuses (a wrong key, a bad signature, too many
    messages), saying so in the JSON: that is a failure too, as is an answer that says
    nothing we can read.
    """
    text = body[:4096].decode("utf-8", errors="replace").strip()
    if not 200 <= status < 300:
        return f"HTTP {status}" + (f": {text[:ANSWER_MAX]}" if text else "")
    try:
        answer = json.loads(text)
    except ValueError:
        return f"HTTP {status}, not a robot's answer: {text[:ANSWER_MAX]!r}"
    if not isinstance(answer, dict):
        return f"HTTP {status}, not a robot's answer: {text[:ANSWER_MAX]!r}"
    if kind is RobotKind.FEISHU:
        code = answer.get("code", answer.get("StatusCode"))
        words = answer.get("msg", answer.get("StatusMessage", ""))
    else:
        code = answer.get("errcode")
        words = answer.get("errmsg", "")
    if code == 0:
        return None
    if code is None:
        return f"HTTP {status}, no result code in the answer: {text[:ANSWER_MAX]!r}"
    return f"error {code}: {str(words)[:ANSWER_MAX]}"


def retry_delays(attempts: int, first: float) -> Sequence[float]:
    """The waits between ``attempts`` tries: ``first``, then twice as long each time."""
    return [first * 2**n for n in range(max(attempts - 1, 0))]
