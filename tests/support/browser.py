"""Debian's headless Chromium driven by Playwright (it cannot download its own browsers here)."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium missing: run 'make browser'"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def archived_frame(page: Any, url: str, text: str, timeout: float = 45.0) -> Any:
    """The frame in which ReplayWeb.page shows the archived ``url``, once it holds ``text``."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "mp_/" in frame.url and frame.url.endswith(url):
                try:
                    if text in frame.evaluate("document.body ? document.body.innerText : ''"):
                        return frame
                except Exception:  # noqa: BLE001 - the frame navigated meanwhile
                    pass
        page.wait_for_timeout(250)
    raise AssertionError(f"{url} did not render with {text!r}: frames {[f.url for f in page.frames]}")
