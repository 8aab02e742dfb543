"""Waiting for the board's charts to draw, and checking that each canvas holds a picture."""

from __future__ import annotations

import contextlib
from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import settle

CHARTS = "[data-testid=indicator-chart], [data-testid=gantt-chart]"

# For each chart container: its test id and, per canvas inside it, the number of painted
# (not fully transparent) pixels.
PAINTED = """(containers) => containers.map((container) => ({
  chart: container.dataset.testid,
  canvases: [...container.querySelectorAll('canvas')].map((canvas) => {
    const context = canvas.getContext('2d');
    if (!context || canvas.width === 0 || canvas.height === 0) return 0;
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha] !== 0) painted += 1;
    return painted;
  }),
}))"""

ALL_DRAWN = """(selector) => {
  const containers = [...document.querySelectorAll(selector)];
  return containers.length > 0 && containers.every((container) => {
    const canvases = [...container.querySelectorAll('canvas')];
    return canvases.length > 0 && canvases.every((canvas) => {
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha] !== 0) return true;
      return false;
    });
  });
}"""


def wait_for_charts(page: Page) -> list[dict[str, Any]]:
    """Give the charts a moment to draw, then report what each canvas holds."""
    # If they never do, the assertions on the report say what is missing.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(ALL_DRAWN, arg=CHARTS, polling=100, timeout=3_000)
    settle(page)
    return page.locator(CHARTS).evaluate_all(PAINTED)


def assert_charts_drawn(report: list[dict[str, Any]], indicators: int) -> None:
    charts = [entry["chart"] for entry in report]
    assert charts.count("gantt-chart") == 1, report
    assert charts.count("indicator-chart") == indicators, report
    for entry in report:
        assert entry["canvases"], f"{entry['chart']} has no canvas"
        assert all(painted > 0 for painted in entry["canvases"]), f"blank canvas: {entry}"
