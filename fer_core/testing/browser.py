"""Headless Chromium for the tests and the benchmarks: Debian's ``chromium`` and
``chromium-driver``, driven through Selenium, which is imported only when a browser starts."""

from __future__ import annotations

import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW = (1440, 1000)
INSTALL_HINT = "needs headless Chromium: apt-get install -y chromium chromium-driver"


def has_chromium() -> bool:
    """Whether Debian's Chromium and its driver are installed."""
    return CHROMIUM.is_file() and CHROMEDRIVER.is_file()


def niced_chromium(niceness: int, folder: Path) -> str:
    """A launcher of Chromium at CPU priority ``niceness`` (the plain binary at 0), written
    into ``folder``."""
    if not niceness:
        return str(CHROMIUM)
    launcher = folder / "chromium"
    launcher.write_text(f'#!/bin/sh\nexec nice -n {niceness} {CHROMIUM} "$@"\n')
    launcher.chmod(0o755)
    return str(launcher)


def headless_chromium(binary: str | Path = CHROMIUM, *, profile: Path | None = None,
                      camera: Path | None = None, downloads: Path | None = None,
                      width: int = WINDOW[0]):
    """A headless Chromium (a ``selenium.webdriver.Chrome``) started by ``binary``, with a
    profile of its own (``profile``, else a new temp folder): one visitor. With ``camera``, a
    Y4M clip it plays as its camera, allowed without asking; with ``downloads``, the folder
    its downloads go to, unasked. The caller quits it."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    if camera is not None:
        for flag in ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                     f"--use-file-for-fake-video-capture={camera}"):
            options.add_argument(flag)
    options.binary_location = str(binary)
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile or tempfile.mkdtemp()}",
                 f"--window-size={width},{WINDOW[1]}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options,
                            service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
