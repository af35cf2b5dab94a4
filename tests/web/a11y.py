"""Accessibility helpers for the browser tests (WCAG 2.2 AA): axe-core, and what it cannot check.

A plain module (tests import it by name), shared by the accessibility, member-page and
translation tests:

- ``axe_violations`` runs axe-core (``js/node_modules/axe-core``, a devDependency of the
  browser module) on the page as it is now, with the WCAG 2.0, 2.1 and 2.2 A and AA rules;
  ``assert_accessible`` fails on any violation and on a page that is not announced
  sensibly (``structure_problems``: one main landmark, the first heading an h1, a language);
- ``focus_problem``, ``small_targets``, ``overflow`` and ``tab_to`` are the keyboard, focus,
  target-size and reflow checks;
- ``screenshot`` keeps a picture of a page as ``test-artifacts/<name>-<language>-<width>.png``.

axe is evaluated in the page through the DevTools protocol (``page.evaluate``), which the
page's Content-Security-Policy does not govern: ``page.add_script_tag`` would insert an
inline ``<script>``, which ``script-src 'self'`` refuses, as it should. So the pages are
tested under the CSP they are served with; nothing is relaxed for the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "ARTIFACTS",
    "AXE_SCRIPT",
    "WCAG_TAGS",
    "assert_accessible",
    "axe_violations",
    "console_problems",
    "focus_problem",
    "focus_walk",
    "orm_beside_playwright",
    "overflow",
    "screenshot",
    "small_targets",
    "structure_problems",
    "tab_to",
]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE_SCRIPT = ROOT / "js" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
"""axe-core's tags for the WCAG 2.0, 2.1 and 2.2 success criteria at levels A and AA."""

_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags },
                                           resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
  }));
}"""


@contextmanager
def orm_beside_playwright() -> Iterator[None]:
    """Let the test use the database while a Playwright browser is open in this thread.

    Playwright's sync API keeps an asyncio loop in the thread, and Django then refuses ORM
    calls as if they came from async code (they do not: each call is synchronous and ends
    before the next browser command). This is Playwright's documented setting for Django's
    test runner; it lets one browser serve a whole module.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def axe_violations(page: Any, tags: tuple[str, ...] = WCAG_TAGS) -> list[dict[str, Any]]:
    """axe-core's violations of the given rule tags on the page as it is now."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"no axe-core at {AXE_SCRIPT}: run scripts/setup-test-env (npm ci in js/)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(_AXE_RUN, list(tags))
    return found


def structure_problems(page: Any) -> list[str]:
    """What a screen reader user would miss: landmarks, headings, the page's language."""
    got = page.evaluate(
        """() => {
          const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
            .filter((h) => h.getClientRects().length);
          return {
            mains: document.querySelectorAll("main, [role=main]").length,
            first: headings.length ? headings[0].tagName : "",
            h1s: headings.filter((h) => h.tagName === "H1").length,
            lang: document.documentElement.lang,
            title: document.title.trim(),
          };
        }"""
    )
    problems = []
    if got["mains"] != 1:
        problems.append(f"{got['mains']} main landmarks, expected one")
    if got["first"] != "H1" or got["h1s"] != 1:
        first = got["first"] or "none"
        problems.append(f"first heading {first}, {got['h1s']} h1: expected one h1, first")
    if not got["lang"]:
        problems.append("no lang on <html>")
    if not got["title"]:
        problems.append("no <title>")
    return problems


def assert_accessible(page: Any, state: str) -> None:
    """No axe violation (WCAG 2.x A/AA) and a sensible structure, for the page in this state."""
    problems = [f"{state}: {p}" for p in structure_problems(page)]
    for v in axe_violations(page):
        places = "; ".join(f"{n['target']} ({n['summary']})" for n in v["nodes"][:5])
        problems.append(f"{state}: axe {v['id']} [{v['impact']}] {v['help']}: {places}")
    assert not problems, "\n".join(problems)


def screenshot(page: Any, name: str, language: str = "en") -> Path:
    """Keep the whole page as test-artifacts/<name>-<language>-<width>.png; its path."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{language}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def tab_to(page: Any, selector: str, *, key: str = "Tab", limit: int = 80) -> None:
    """Press ``key`` (Tab, Shift+Tab) until the element matching ``selector`` has focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    focused = page.evaluate("document.activeElement?.outerHTML.slice(0, 120)")
    pytest.fail(f"{selector} not reached with {limit} presses of {key}; focus is on {focused}")


def focus_problem(page: Any) -> str | None:
    """None if the focused element shows a visible focus indicator (WCAG 2.4.7), else why not.

    Visible: an outline at least 2 px wide in a colour other than transparent, or a box
    shadow, as the computed style gives them while the element has keyboard focus.
    """
    got = page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return { none: true };
          const s = getComputedStyle(el);
          return { none: false, tag: el.outerHTML.slice(0, 80), style: s.outlineStyle,
                   width: parseFloat(s.outlineWidth), colour: s.outlineColor,
                   shadow: s.boxShadow, visible: el.matches(":focus-visible") };
        }"""
    )
    if got["none"]:
        return "nothing has focus"
    outlined = (
        got["style"] not in ("none", "hidden")
        and got["width"] >= 2
        and got["colour"] not in ("transparent", "rgba(0, 0, 0, 0)")
    )
    if outlined or got["shadow"] not in ("", "none"):
        return None
    return f"no visible focus on {got['tag']} (outline {got['style']} {got['width']}px)"


def focus_walk(page: Any, limit: int = 150) -> list[str]:
    """Tab through every stop on the page from the top; where focus is not visible, why.

    Stops when focus comes back round to a stop already seen (or leaves the document).
    """
    page.evaluate("document.activeElement?.blur()")
    page.keyboard.press("Home")
    seen: list[str] = []
    problems = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        where = page.evaluate(
            """() => { const el = document.activeElement;
                      if (!el || el === document.body) return "";
                      const i = [...document.querySelectorAll("*")].indexOf(el);
                      return `${i}:${el.outerHTML.slice(0, 60)}`; }"""
        )
        if not where or where in seen:
            break
        seen.append(where)
        problem = focus_problem(page)
        if problem:
            problems.append(problem)
    if not seen:
        problems.append("no element takes keyboard focus")
    return problems


def small_targets(page: Any, least: float = 24) -> list[str]:
    """Interactive targets smaller than ``least`` CSS px either way (WCAG 2.5.8).

    Links inside a sentence are the criterion's "inline" exception and are left out; so
    are hidden elements.
    """
    found: list[str] = page.evaluate(
        """(least) => {
          const out = [];
          const controls = document.querySelectorAll(
            "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]");
          for (const el of controls) {
            const box = el.getBoundingClientRect();
            const hidden = getComputedStyle(el).visibility === "hidden";
            if (!el.getClientRects().length || hidden) continue;
            const native = el.matches("a, button, input, select, textarea, summary");
            if (el.tabIndex < 0 && !native) continue;
            const inline = el.matches("a") && getComputedStyle(el).display === "inline"
              && el.parentElement && el.parentElement.textContent.trim() !== el.textContent.trim();
            if (inline) continue;
            if (box.width < least || box.height < least) {
              const size = `${box.width.toFixed(0)}x${box.height.toFixed(0)}`;
              out.push(`${el.outerHTML.slice(0, 80)}: ${size}`);
            }
          }
          return out;
        }""",
        least,
    )
    return found


def overflow(page: Any) -> list[str]:
    """What does not fit the viewport's width: the page scrolling sideways, or a control
    (button, link, field) beyond the right edge, where a zoomed-in user cannot reach it
    without scrolling in two directions (WCAG 1.4.10). The skip link counts only while it
    has focus (it is shown then)."""
    got: dict[str, Any] = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const out = { width, scroll: document.documentElement.scrollWidth, outside: [] };
          for (const el of document.querySelectorAll("a[href], button, input, select, textarea")) {
            if (!el.getClientRects().length) continue;
            // The skip link waits off-screen until it has focus, then shows at the top.
            if (el.matches(".skip") && el !== document.activeElement) continue;
            const box = el.getBoundingClientRect();
            if (box.right > width + 1 || box.left < -1) {
              const at = `${box.left.toFixed(0)}..${box.right.toFixed(0)}`;
              out.outside.push(`${el.outerHTML.slice(0, 80)} at ${at}`);
            }
          }
          return out;
        }"""
    )
    problems = [f"a control outside the {got['width']} px viewport: {o}" for o in got["outside"]]
    if got["scroll"] > got["width"]:
        problems.append(f"the page is {got['scroll']} px wide in a {got['width']} px viewport")
    return problems


def console_problems(page: Any) -> list[str]:
    """A list the page's console errors and uncaught exceptions are appended to, from now on."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems
