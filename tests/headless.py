"""Open an HTML file in headless Chromium and report what a reader's browser saw.

A tiny client of the Chrome DevTools Protocol over ``--remote-debugging-pipe``
(JSON messages separated by NUL bytes on file descriptors 3 and 4 of the
browser), so no Python package and no browser download is needed: only
Debian's ``chromium``. The page is loaded from its file with the network
switched off; every request, console message, uncaught exception and image
is recorded, and a full-page screenshot taken.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Set to 1 (CI does) to make a missing Chromium fail the browser tests instead of skipping them.
REQUIRE_ENV = "ENGINE_REQUIRE_BROWSER"

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)

_IMAGES = """
Promise.all(Array.from(document.images).map(img => img.decode().then(
    () => ({alt: img.alt, width: img.naturalWidth, height: img.naturalHeight,
            shownWidth: img.width, shownHeight: img.height, error: null}),
    err => ({alt: img.alt, width: img.naturalWidth, height: img.naturalHeight,
             shownWidth: img.width, shownHeight: img.height, error: String(err)}))))
"""

_STRUCTURE = """({
    title: document.title,
    headings: Array.from(document.querySelectorAll('h1, h2, h3')).map(
        h => ({level: h.tagName, text: h.textContent.trim()})),
    tables: document.querySelectorAll('table').length,
    tableRows: Array.from(document.querySelectorAll('table')).map(t => t.rows.length),
    text: document.body.innerText,
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
})"""


def find_chromium() -> str | None:
    """The Chromium executable (Debian's ``chromium``, else Google's name), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageVisit:
    """What loading one page showed: requests, console errors, images, structure, screenshot."""

    url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    structure: dict = field(default_factory=dict)
    screenshot: bytes = b""


# The browser reads commands on fd 3 and writes replies on fd 4: a tiny launcher
# moves the pipe ends there, then becomes the browser (no shell: dash cannot
# redirect file descriptors above 9).
_ON_FDS_3_AND_4 = """
import os, sys
commands, replies = int(sys.argv[1]), int(sys.argv[2])
os.dup2(commands, 3)
os.dup2(replies, 4)
os.close(commands)
os.close(replies)
os.execv(sys.argv[3], sys.argv[3:])
"""


def _above_four(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class DevToolsError(RuntimeError):
    """The browser answered a command with an error, died, or did not answer in time."""


class Chromium:
    """A headless Chromium process driven over its DevTools pipe; use as a context manager."""

    def __init__(self, executable: str, timeout: float = 60.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="engine-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Above 4, so that moving them onto fds 3 and 4 cannot overwrite one with the other.
        to_browser_r, from_browser_w = (_above_four(fd) for fd in (to_browser_r, from_browser_w))
        self.log = Path(self.profile) / "chromium.log"
        self.process = subprocess.Popen(
            [sys.executable, "-c", _ON_FDS_3_AND_4, str(to_browser_r), str(from_browser_w)]
            + [executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "wb"),  # noqa: SIM115 - the child owns it
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(DevToolsError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    # --------------------------------------------------------------- protocol

    def _read_message(self, deadline: float) -> dict:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DevToolsError("no answer from Chromium in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise self._died()
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _died(self) -> DevToolsError:
        tail = self.log.read_text(errors="replace").splitlines()[-15:] if self.log.exists() else []
        return DevToolsError(
            f"Chromium exited (status {self.process.poll()}); its last messages:\n"
            + "\n".join(tail)
        )

    def send(self, method: str, session: str | None = None, **params) -> dict:
        """Send one command and return its result; events meanwhile go to :attr:`events`."""
        self._next_id += 1
        command = {"id": self._next_id, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(command).encode() + b"\0")
        except BrokenPipeError:
            raise self._died() from None
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise DevToolsError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, session: str) -> dict:
        """The first event ``method`` of ``session`` (already received or still to come)."""
        deadline = time.monotonic() + self.timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            seen = len(self.events)
            self.events.append(self._read_message(deadline))

    def evaluate(self, session: str, expression: str):
        result = self.send(
            "Runtime.evaluate",
            session,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise DevToolsError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    # ------------------------------------------------------------------ pages

    def visit(self, path: str | os.PathLike, width: int = 1280) -> PageVisit:
        """Load ``path`` offline, wait for its load event, inspect it and screenshot it whole."""
        url = Path(path).resolve().as_uri()
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session)
        self.send(
            "Network.emulateNetworkConditions",
            session,
            offline=True,
            latency=0,
            downloadThroughput=-1,
            uploadThroughput=-1,
        )
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        start = len(self.events)
        self.send("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired", session)
        visit = PageVisit(url=url)
        visit.images = self.evaluate(session, _IMAGES)
        visit.structure = self.evaluate(session, _STRUCTURE)
        height = max(900, int(visit.structure["height"]))
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = self.send(
            "Page.captureScreenshot", session, format="png", captureBeyondViewport=True
        )
        visit.screenshot = base64.b64decode(shot["data"])
        for event in self.events[start:]:
            if event.get("sessionId") != session:
                continue
            _record(visit, event["method"], event.get("params", {}))
        self.send("Target.closeTarget", targetId=target)
        return visit


LOCAL_SCHEMES = ("file:", "data:", "about:")


def problems(visit: PageVisit) -> list[str]:
    """What a reader would notice: network requests, console errors, broken or empty images."""
    found = [
        f"network request {url[:80]}" for url in visit.requests if not url.startswith(LOCAL_SCHEMES)
    ]
    found += visit.console_errors
    for image in visit.images:
        if image["error"] or not (image["width"] and image["height"]):
            found.append(f"image {image['alt']!r} did not decode: {image}")
        elif not (image["shownWidth"] and image["shownHeight"]):
            found.append(f"image {image['alt']!r} is shown at zero size: {image}")
    if visit.screenshot[:8] != b"\x89PNG\r\n\x1a\n":
        found.append("no screenshot")
    return found


def _record(visit: PageVisit, method: str, params: dict) -> None:
    if method == "Network.requestWillBeSent":
        visit.requests.append(params["request"]["url"])
    elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        texts = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
        visit.console_errors.append("console: " + " ".join(texts))
    elif method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        description = details.get("exception", {}).get("description", details.get("text"))
        visit.console_errors.append(f"exception: {description}")
    elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
        entry = params["entry"]
        visit.console_errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
