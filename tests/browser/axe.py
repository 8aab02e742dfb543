"""axe-core in the browser tests: run it on a page, fail listing each serious violation.

axe-core is vendored for the tests only (``tests/browser/vendor/axe-core-*``, MPL-2.0, from the
npm registry): the intranet has no CDN and the app never serves it. The rules checked are
WCAG 2.0/2.1 A and AA plus axe's best practices, which GB/T 37668 follows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_SOURCE = AXE_JS.read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"critical", "serious"}

RUN = """async ({tags, disabled}) => {
  const rules = Object.fromEntries(disabled.map((id) => [id, {enabled: false}]));
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, rules});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}"""


def axe_violations(page: Page, *, disabled: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """All axe violations on the page as it is now.

    ``disabled`` maps rule ids to the reason they do not apply to this page; a rule may be
    turned off only with a reason.
    """
    disabled = disabled or {}
    assert all(reason.strip() for reason in disabled.values()), "say why a rule is turned off"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through DevTools rather than added as a <script>: the app's
        # Content-Security-Policy (script-src 'self') rightly refuses an inline script, and
        # the test should not loosen the policy it runs under.
        page.evaluate(AXE_SOURCE)
    found: list[dict[str, Any]] = page.evaluate(RUN, {"tags": TAGS, "disabled": list(disabled)})
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation and one per element it was found on."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:10]:
            summary = " ".join(node["summary"].split())[:300]
            lines.append(f"    {node['target']}: {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def assert_accessible(page: Page, *, disabled: dict[str, str] | None = None) -> None:
    """Fail listing each critical or serious axe violation on the page."""
    serious = [v for v in axe_violations(page, disabled=disabled) if v["impact"] in FAILING_IMPACTS]
    assert serious == [], f"axe on {page.url}:\n" + describe(serious)
