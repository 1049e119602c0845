"""A real headless Chromium for the web app's tests, and what a test checks a page with.

Debian's ``chromium`` is driven by Playwright through ``executable_path`` (Playwright's own
browser download cannot work offline); the flags keep it from reaching the internet. Pages are
audited with axe-core (from npm, pinned by ``package-lock.json``), injected through the DevTools
protocol so the site's Content-Security-Policy, which forbids inline and foreign scripts, stays
on for the page itself. Screenshots of each page are kept under ``tests/artifacts/screenshots``.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final

from playwright.async_api import Browser, Page, Playwright, ViewportSize

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
)
AXE_JS: Final = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS: Final = REPO_ROOT / "tests" / "artifacts" / "screenshots"
DESKTOP: Final = ViewportSize(width=1280, height=800)
PHONE: Final = ViewportSize(width=375, height=740)
BLOCKING_IMPACTS: Final = ("serious", "critical")


async def launch(playwright: Playwright) -> Browser:
    """Debian's chromium, headless. Playwright gives each launch a fresh temporary profile
    (``--user-data-dir`` of its own, removed on close), so no state survives a session."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: apt-get install chromium chromium-driver (.ci/run does)"
        )
    return await playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=list(CHROMIUM_ARGS),
    )


# --- axe-core ------------------------------------------------------------------------------------


def _install_axe() -> None:
    """``npm ci`` once when node_modules is missing (make test does it first), under a lock so
    several pytest workers do not install over each other. The lock lives in the temporary
    folder, named after this checkout, so nothing is left in the work tree."""
    digest = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"manifesto-bot-npm-{digest}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if AXE_JS.exists():
                return
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed for axe-core: install Node.js and npm")
            subprocess.run(
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                cwd=REPO_ROOT,
                check=True,
                capture_output=True,
                timeout=300,
            )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        _install_axe()
    return AXE_JS.read_text(encoding="utf-8")


def describe_violations(violations: Sequence[dict[str, Any]]) -> str:
    """One block per rule: impact, what is wrong, where (the first few elements), and why."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"- [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        nodes = violation.get("nodes", [])
        for node in nodes[:5]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"    at {target}: {summary[:300]}")
        if len(nodes) > 5:
            lines.append(f"    ... and {len(nodes) - 5} more elements")
    return "\n".join(lines)


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now (WCAG 2.x A and AA, best practices)."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, which a page's CSP does not govern; a
        # <script> tag would be refused by script-src, as it should be.
        await page.evaluate(axe_source())
    result: dict[str, Any] = await page.evaluate(
        """async () => await window.axe.run(document, {
            resultTypes: ["violations"],
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                           "wcag22aa", "best-practice"]},
        })"""
    )
    return list(result["violations"])


async def assert_accessible(page: Page) -> None:
    """Fail on any serious or critical axe-core violation, listed readably."""
    violations = await axe_violations(page)
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {page.url}:\n{describe_violations(blocking)}"


# --- layout and artifacts -------------------------------------------------------------------------


async def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the document is wider than the viewport (0: no sideways scroll)."""
    overflow: int = await page.evaluate(
        "() => document.scrollingElement.scrollWidth - window.innerWidth"
    )
    return max(0, overflow)


async def overflowing_elements(page: Page, limit: int = 5) -> list[str]:
    """The innermost elements reaching past the viewport's right edge, as ``tag.class (right)``:
    what to fix when a page scrolls sideways."""
    found: list[str] = await page.evaluate(
        """(limit) => {
            const width = window.innerWidth;
            const wide = [...document.body.querySelectorAll("*")].filter(
                (e) => e.getBoundingClientRect().right > width + 0.5);
            const innermost = wide.filter((e) => !wide.some((o) => o !== e && e.contains(o)));
            return innermost.slice(0, limit).map((e) => {
                const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                    [...e.classList].map((c) => "." + c).join("");
                const parent = e.parentElement ? e.parentElement.tagName.toLowerCase() : "";
                const right = Math.round(e.getBoundingClientRect().right);
                return `${parent} > ${name} (right edge ${right}px)`;
            });
        }""",
        limit,
    )
    return found


def _artifact_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"


async def screenshot(page: Page, name: str, *, full_page: bool = True) -> list[Path]:
    """Keep the page as it looks at desktop width and on a 375-pixel phone (two PNGs)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size or DESKTOP
    saved: list[Path] = []
    try:
        for label, size in (("desktop", DESKTOP), ("375", PHONE)):
            await page.set_viewport_size(size)
            path = SCREENSHOTS / f"{_artifact_name(name)}-{label}.png"
            await page.screenshot(path=str(path), full_page=full_page)
            saved.append(path)
    finally:
        await page.set_viewport_size(viewport)
    return saved


async def audit(page: Page, name: str, *, full_page: bool = True) -> None:
    """What every page gets: screenshots at both widths, no sideways scroll on a phone, and
    no serious or critical accessibility violation. ``full_page=False`` keeps only the screen
    in view (a whole text is a 7 MB picture that takes seconds to encode)."""
    await screenshot(page, name, full_page=full_page)
    viewport = page.viewport_size or DESKTOP
    try:
        await page.set_viewport_size(PHONE)
        overflow = await horizontal_overflow(page)
        if overflow:
            culprits = "; ".join(await overflowing_elements(page))
            raise AssertionError(
                f"{page.url} scrolls sideways by {overflow}px at 375px wide: {culprits}"
            )
    finally:
        await page.set_viewport_size(viewport)
    await assert_accessible(page)
