"""Headless Chromium for the report's browser test: found on the machine, or installed from the
distribution's packages (Debian: `chromium`) when the tests run as root with apt; otherwise the
caller skips with the reason returned."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_TIMEOUT_S = 600


def find_or_install_chromium() -> tuple[str | None, str]:
    """(path of a Chromium binary or None, why none could be had)."""
    for name in NAMES:
        if found := shutil.which(name):
            return found, ""
    if os.environ.get("APIFORENSICS_NO_BROWSER_INSTALL"):
        return None, "no Chromium on PATH and APIFORENSICS_NO_BROWSER_INSTALL is set"
    if not shutil.which("apt-get"):
        return None, "no Chromium on PATH and no apt-get to install Debian's chromium package"
    if os.geteuid() != 0:
        return None, "no Chromium on PATH; installing Debian's chromium package needs root (apt-get)"
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        return None, f"apt-get install chromium took over {INSTALL_TIMEOUT_S} s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"apt-get install chromium failed: {last}"
    found = shutil.which("chromium")
    return found, "" if found else "apt-get installed chromium but no chromium is on PATH"


@dataclass
class PageLoad:
    dom: str  # the document after it loaded
    console: list[str]  # every console message (CSP violations and script errors among them)
    page_requests: list[str]  # URLs the page itself asked for (not the browser's own background calls)


def load_page(chromium: str, page: Path, work: Path, screenshot: Path | None = None) -> PageLoad:
    """Open `page` headless; its DOM, console messages and the network requests it made (from Chrome's
    net log: the page's requests carry its origin as initiator, the browser's own `not an origin`)."""
    net_log = work / "net-log.json"
    flags = [
        chromium,
        "--headless=new",
        "--no-sandbox",  # tests run as root in CI
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={work / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={net_log}",
    ]
    if screenshot:
        flags += ["--hide-scrollbars", "--window-size=1280,2200", f"--screenshot={screenshot}"]
    else:
        flags += ["--dump-dom"]
    done = subprocess.run([*flags, page.as_uri()], capture_output=True, text=True, timeout=120)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    events = json.loads(net_log.read_text()).get("events", []) if net_log.exists() else []
    requests = sorted(
        {
            event["params"]["url"]
            for event in events
            if "url" in event.get("params", {})
            and event["params"].get("initiator", "not an origin") != "not an origin"
            and not event["params"]["url"].startswith(("file:", "data:"))
        }
    )
    return PageLoad(done.stdout, console, requests)
