"""Posting to group robots (WeCom, DingTalk, Feishu) over HTTP, with a timeout and retries.

The standard library's ``urllib.request`` is enough for one JSON POST; it follows the usual
``https_proxy``/``no_proxy`` settings, which a government network often needs to reach the
robots. Redirects are not followed (a robot never redirects, and a redirected POST would
arrive as a GET without its body).

Each failed attempt is logged (logger ``tracker.robots``) with the robot's address masked and
its key taken out of whatever the failure says; after the last attempt the failure is the
caller's to report. Settings come from the app config: ``TRACKER_WEBHOOK_TIMEOUT`` (seconds
per attempt, 10), ``TRACKER_WEBHOOK_ATTEMPTS`` (3) and ``TRACKER_WEBHOOK_BACKOFF`` (seconds
before the second attempt, doubling after, 2).
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tracker.domain.webhooks import (
    Card,
    RobotKind,
    answer_problem,
    dingtalk_signed_url,
    feishu_signed,
    mask_url,
    retry_delays,
    robot_payload,
    scrub,
)

log = logging.getLogger("tracker.robots")

ANSWER_READ_MAX = 64 * 1024
DETAIL_MAX = 300


class WebhookSettingsError(ValueError):
    """A webhook setting of the environment is not a number in its range."""


@dataclass(frozen=True)
class RobotSettings:
    """How hard to try: seconds per attempt, how many attempts, the first wait between."""

    timeout: float = 10.0
    attempts: int = 3
    backoff: float = 2.0


def _number(
    config: Mapping[str, object], name: str, default: float, low: float, high: float
) -> float:
    raw = config.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise WebhookSettingsError(f"{name} is not a number: {raw!r}") from None
    if not low <= value <= high:
        raise WebhookSettingsError(f"{name} must be from {low:g} to {high:g}, not {value:g}")
    return value


def robot_settings(config: Mapping[str, object]) -> RobotSettings:
    """The settings of the app config; :class:`WebhookSettingsError` for a wrong one."""
    return RobotSettings(
        timeout=_number(config, "TRACKER_WEBHOOK_TIMEOUT", 10.0, 0.1, 120),
        attempts=int(_number(config, "TRACKER_WEBHOOK_ATTEMPTS", 3, 1, 10)),
        backoff=_number(config, "TRACKER_WEBHOOK_BACKOFF", 2.0, 0, 60),
    )


@dataclass(frozen=True)
class Robot:
    """Where to post and how: the robot's kind, its address and its sign secret."""

    kind: RobotKind
    url: str
    secret: str = ""
    label: str = ""

    def __repr__(self) -> str:  # never print the key or the secret
        return f"Robot({self.kind.value}, {mask_url(self.url)!r})"


@dataclass(frozen=True)
class Delivery:
    """What became of one post: taken or not, after how many attempts, and why not."""

    ok: bool
    attempts: int
    error: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _request(
    robot: Robot, payload: dict[str, object], now: Callable[[], float]
) -> urllib.request.Request:
    """The POST for one attempt, signed afresh (a signature holds for one hour)."""
    url = robot.url.strip()
    if robot.secret and robot.kind is RobotKind.DINGTALK:
        url = dingtalk_signed_url(url, robot.secret, int(now() * 1000))
    elif robot.secret and robot.kind is RobotKind.FEISHU:
        payload = feishu_signed(payload, robot.secret, int(now()))
    body = json.dumps(payload, ensure_ascii=False).encode()
    return urllib.request.Request(  # noqa: S310  (the address was checked to be http(s))
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "plan-tracker"},
    )


def _attempt(
    robot: Robot, payload: dict[str, object], timeout: float, now: Callable[[], float]
) -> str | None:
    """One POST: None when the robot took it, else why not."""
    try:
        with _opener.open(_request(robot, payload, now), timeout=timeout) as answer:
            return answer_problem(robot.kind, answer.status, answer.read(ANSWER_READ_MAX))
    except urllib.error.HTTPError as error:
        with error:
            return answer_problem(robot.kind, error.code, error.read(ANSWER_READ_MAX))
    except urllib.error.URLError as error:
        return f"cannot reach the robot: {error.reason}"
    except (TimeoutError, OSError) as error:
        return f"no answer within {timeout:g} s" if isinstance(error, TimeoutError) else str(error)
    except (http.client.HTTPException, ValueError) as error:  # an answer that is not HTTP
        return f"unreadable answer: {error}"


def post_card(
    robot: Robot,
    card: Card,
    settings: RobotSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.time,
) -> Delivery:
    """Post ``card`` to the robot, trying up to ``settings.attempts`` times with growing waits
    between; every failed attempt is logged, never with the key.
    """
    payload = robot_payload(robot.kind, card)
    delays = list(retry_delays(settings.attempts, settings.backoff))
    shown = mask_url(robot.url)
    problem = ""
    for number in range(1, settings.attempts + 1):
        found = _attempt(robot, payload, settings.timeout, now)
        if found is None:
            if number > 1:
                log.info("robot %s (%s) took the message at attempt %d", robot.label, shown, number)
            return Delivery(ok=True, attempts=number)
        problem = scrub(found, robot.url, robot.secret)[:DETAIL_MAX]
        level = logging.ERROR if number == settings.attempts else logging.WARNING
        log.log(
            level,
            "robot %s (%s): attempt %d of %d failed: %s",
            robot.label,
            shown,
            number,
            settings.attempts,
            problem,
        )
        if number < settings.attempts:
            sleep(delays[number - 1])
    return Delivery(ok=False, attempts=settings.attempts, error=problem)
