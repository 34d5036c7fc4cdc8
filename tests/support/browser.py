"""Debian's headless Chromium, driven by Playwright (it cannot download its own browsers here).

The browser tests compare screenshots pixel by pixel and rely on how this Chromium renders and
runs ReplayWeb.page. They were written against Chromium's major version ``WRITTEN_FOR``; Debian
moves the package on security updates, and the version cannot be pinned with apt here. So the
version is read, not assumed: every screenshot assertion carries ``version_note()`` and the
test session ends with a line saying so when the running major differs.
"""
from __future__ import annotations

import contextlib
import functools
import re
import subprocess
from pathlib import Path
from typing import Any, Iterator

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WRITTEN_FOR = 156  # Chromium 156.0.8078 (Debian bookworm), where every threshold was measured


@functools.lru_cache(maxsize=1)
def chromium_version() -> str | None:
    """The full version Chromium prints (e.g. ``156.0.8078.129``), or None if it is missing."""
    if not Path(CHROMIUM).exists():
        return None
    out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=60)
    m = re.search(r"Chromium (\d+(?:\.\d+)+)", out.stdout + out.stderr)
    return m.group(1) if m else None


def chromium_major() -> int | None:
    v = chromium_version()
    return int(v.split(".")[0]) if v else None


def version_note() -> str:
    """'' when the running Chromium is the major the tests were written for, else a sentence."""
    major = chromium_major()
    if major is None or major == WRITTEN_FOR:
        return ""
    return (f"Chromium {chromium_version()} runs here, but the browser tests were written for "
            f"Chromium {WRITTEN_FOR}: a rendering difference may come from the browser, not the archive")


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium missing: run 'make browser'"
    used.add(chromium_version() or "unknown")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


used: set[str] = set()  # versions launched in this session (for the session's closing line)


def archived_frame(page: Any, url: str, text: str | None = None, *, selector: str | None = None,
                   timeout: float = 45.0) -> Any:
    """The frame in which ReplayWeb.page shows the archived ``url``, once its body holds ``text``
    and an element matches ``selector`` (each when given)."""
    import time

    def ready(frame: Any) -> bool:
        if selector is not None and not frame.locator(selector).count():
            return False
        return text is None or text in frame.evaluate("document.body ? document.body.innerText : ''")

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "mp_/" in frame.url and frame.url.endswith(url):
                try:
                    if ready(frame):
                        return frame
                except Exception:  # noqa: BLE001 - the frame navigated meanwhile
                    pass
        page.wait_for_timeout(250)
    wanted = " and ".join(repr(w) for w in (text, selector) if w is not None)
    raise AssertionError(f"the archived page {url} did not render{' with ' + wanted if wanted else ''}: "
                         f"frames {[f.url for f in page.frames]}")


def requests_outside(requests: list[str], base: str) -> list[str]:
    """The http(s) requests of ``requests`` that went anywhere but ``base``'s origin."""
    from urllib.parse import urlsplit

    origin = urlsplit(base).netloc
    return [u for u in requests if u.startswith(("http:", "https:")) and urlsplit(u).netloc != origin]
