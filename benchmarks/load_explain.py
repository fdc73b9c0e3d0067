"""A whole class at once: N sessions upload N different faces to Explain at the same moment.

    python -m benchmarks.load_explain [--sessions 1 5 10] [--client protocol|browser]
        [--url http://127.0.0.1:8501 | --replicas N]

Each session opens the Explain page, waits until every session is ready, uploads its own photo
(a FER2013 test face when ``FER2013_DIR`` is set, else a drawn one, on a plain background) and
waits for the whole grid (each model's own map, scored): the seconds from upload to grid, and
(for protocol clients) to the first model's predictions, which the page shows before any map.
A session is *correct* when the face the page shows as "what the models see" is exactly the
crop of its own photo, never another session's.

A session is a client of the app's own websocket protocol (``--client protocol``, the default:
:mod:`benchmarks.protocol_client`), which sends and receives what a browser does and draws
nothing, as each student's browser draws on its own machine; or a real headless Chromium
(``--client browser``: Debian's ``chromium`` and ``chromium-driver``), which also draws every
page on this machine, so that N browsers and the server share its cores.
Without ``--url`` the app is started here, on localhost, with the stored models (or
``$FER_MODELS_DIR``), and its resident memory is sampled: the table gives its peak during each
round. Bounded: at most 12 sessions, each given ``--timeout`` seconds.
With ``--replicas N``, the school is started instead (``fer serve --replicas N``: N replicas
behind nginx) and every session goes through nginx, keeping the cookie its first reply set; the
warm-up explains a face on every replica, the memory is the whole server's (supervisor, nginx,
replicas), and after each round a line gives the replica of each session (its port, from
nginx's ``X-Fer-Replica``) and how many sessions moved replica mid-session (none should).

The students' side runs at the lowest CPU priority (``--client-nice 19``; 0 gives it the
server's), so that it takes only what the server leaves: in a class it runs on the students'
machines, not the server's. Browsers are started so; protocol clients are threads of this
process, which lowers its own priority once the app is up.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from PIL import Image

from fer_core.faces import find_faces
from fer_core.testing.browser import headless_chromium, niced_chromium
from fer_core.testing.served_app import local_app, local_school

MAX_SESSIONS = 12
GRID_DONE = "Download the grid"
CROP_CAPTION = "What the models see"


@dataclass
class Outcome:
    seconds: float | None = None
    predictions: float | None = None  # upload to the first model's predictions (protocol only)
    correct: bool = False
    error: str = ""
    replica: str = ""  # the port of the replica that served it, behind `fer serve`
    moved: bool = False  # replies came from more than one replica


def photos(count: int, folder: Path, skip: int = 0) -> list[Path]:
    """``count`` different photos, each one face on a plain background, after the first
    ``skip`` (a round never reuses an earlier round's faces, whose results the app caches)."""
    if os.environ.get("FER2013_DIR"):
        from fer_core.data import load_dataset

        test = load_dataset(os.environ["FER2013_DIR"]).split("test")
        faces = iter(Image.fromarray(test.images[i]) for i in
                     np.random.default_rng(0).permutation(len(test)))
    else:  # one drawing, told apart by dark squares and brightness coding its number
        from PIL import ImageDraw, ImageEnhance

        from fer_core.testing.face_drawing import face_drawing

        def drawing(i: int) -> Image.Image:
            face = face_drawing(220)
            draw = ImageDraw.Draw(face)
            for bit, (x, y) in enumerate(((40, 60), (140, 60), (40, 150), (140, 150))):
                if i >> bit & 1:
                    draw.rectangle((x, y, x + 40, y + 40), fill=0)
            return ImageEnhance.Brightness(face).enhance(1 - 0.12 * (i // 16))

        faces = (drawing(i) for i in range(64))
    paths: list[Path] = []
    while len(paths) < count + skip:
        face = next(faces).resize((220, 220), Image.Resampling.BICUBIC)
        canvas = Image.new("L", (480, 360), 170)
        canvas.paste(face, (130, 70))
        if not find_faces(canvas).found:
            continue  # a session needs a face to explain
        path = folder / f"face_{len(paths):02d}.png"
        if len(paths) >= skip:
            canvas.save(path)
        paths.append(path)
    return paths[skip:]


def expected_crop(photo: Path) -> np.ndarray:
    """The enlarged crop the page shows for ``photo``, as the page draws it."""
    from dashboard.pictures import enlarged

    with Image.open(photo) as image:
        crop = find_faces(image.copy()).faces[0].crop
    return np.asarray(enlarged(crop, 160).convert("L"))


def wait_for(driver, text: str, timeout: float) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def ready(d) -> bool:
        idle = d.find_elements(By.CSS_SELECTOR,
                               '[data-testid="stApp"][data-test-script-state="notRunning"]')
        return bool(idle) and text in d.find_element(By.TAG_NAME, "body").text

    WebDriverWait(driver, timeout, poll_frequency=0.1,
                  ignored_exceptions=(StaleElementReferenceException,)).until(ready)


def shown_crop(driver, url: str) -> np.ndarray:
    """The picture captioned "What the models see" on the page, as grey pixels."""
    from selenium.webdriver.common.by import By

    for element in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stImage"]'):
        if CROP_CAPTION in element.text:
            source = element.find_element(By.TAG_NAME, "img").get_attribute("src")
            with urllib.request.urlopen(source if source.startswith("http") else url + source,
                                        timeout=30) as reply:
                return np.asarray(Image.open(io.BytesIO(reply.read())).convert("L"))
    raise AssertionError("no face crop on the page")


def is_own(shown: np.ndarray, own: Path, everyone: list[Path]) -> bool:
    """The shown crop is this session's: nearer its own crop than any other session's, and
    near enough (the page re-encodes the picture: a mean difference of a few hundredths of a
    grey level, against more than ten between two sessions' faces)."""
    def distance(photo: Path) -> float:
        expected = expected_crop(photo)
        if expected.shape != shown.shape:
            return float("inf")
        return float(np.abs(expected.astype(float) - shown).mean())

    distances = {photo: distance(photo) for photo in everyone}
    return distances[own] < 2 and min(distances, key=distances.get) == own


class BrowserStudent:
    """A student in a real headless Chromium (launched by ``binary``)."""

    def __init__(self, url: str, timeout: float, binary: str) -> None:
        self.url, self.timeout, self.binary, self.driver = url, timeout, binary, None

    def open(self) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = headless_chromium(self.binary)
        self.driver.get(f"{self.url}/explain")
        wait_for(self.driver, "Face from", self.timeout)
        self.field = WebDriverWait(self.driver, self.timeout).until(
            lambda d: d.find_element(By.CSS_SELECTOR, 'input[type="file"]'))

    def upload(self, photo: Path) -> None:
        self.field.send_keys(str(photo))
        wait_for(self.driver, GRID_DONE, self.timeout)

    def predictions_at(self) -> None:
        """Not known: the page is read only once the grid is complete."""
        return None

    def shown(self) -> np.ndarray:
        return shown_crop(self.driver, self.url)

    def replicas(self) -> list[str]:
        """The replica the browser's cookie names now (behind `fer serve`; else none)."""
        try:
            cookie = self.driver.get_cookie("fer_replica") if self.driver else None
        except Exception:  # noqa: BLE001  a browser that died says nothing
            return []
        return [cookie["value"]] if cookie else []

    def close(self) -> None:
        if self.driver is not None:
            self.driver.quit()


class ProtocolStudent:
    """A student as a client of the app's own protocol (:mod:`benchmarks.protocol_client`)."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout, self.client, self.drawn = url, timeout, None, []

    def open(self) -> None:
        from benchmarks.protocol_client import ProtocolSession

        self.client = ProtocolSession(self.url, self.timeout)
        self.client.run("explain")

    def upload(self, photo: Path) -> None:
        self.drawn = self.client.upload("explain", photo)
        if not any(GRID_DONE in element.text for element in self.drawn):
            raise AssertionError("the page drew no grid")

    def predictions_at(self) -> float | None:
        """When the first model's probability chart arrived."""
        return next((e.at for e in self.drawn if e.kind == "plotly_chart"), None)

    def shown(self) -> np.ndarray:
        crop = next(e.urls[0] for e in self.drawn if e.kind == "imgs" and CROP_CAPTION in e.text)
        return np.asarray(Image.open(io.BytesIO(self.client.media(crop))).convert("L"))

    def replicas(self) -> list[str]:
        """The port of the replica of every reply, in turn (behind `fer serve`; else none)."""
        return [r.rsplit(":", 1)[-1] for r in self.client.replicas] if self.client else []

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def session(student: BrowserStudent | ProtocolStudent, photo: Path, everyone: list[Path],
            ready: threading.Barrier, timeout: float) -> Outcome:
    """One student: open Explain, wait for the others, upload, wait for the grid (timed),
    check that the face shown is its own."""
    outcome = Outcome()
    try:
        student.open()
        ready.wait(timeout)
        start = time.perf_counter()
        student.upload(photo)
        outcome.seconds = time.perf_counter() - start
        answered = student.predictions_at()
        outcome.predictions = answered - start if answered is not None else None
        outcome.correct = is_own(student.shown(), photo, everyone)
    except Exception as exc:  # noqa: BLE001  every failure of a session is a figure
        first_line = str(exc).splitlines()[0][:120] if str(exc) else ""
        outcome.error = f"{type(exc).__name__}: {first_line}"
        ready.abort()
    finally:
        seen = student.replicas()
        outcome.replica, outcome.moved = (seen[0] if seen else ""), len(set(seen)) > 1
        student.close()
    return outcome


class MemoryWatch:
    """Samples a process's resident memory with its descendants' (``fer serve``'s replicas
    and nginx) until stopped; keeps the peak."""

    def __init__(self, pid: int | None) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss(self, pid: int | None = None) -> int:
        pid = self.pid if pid is None else pid
        try:
            with open(f"/proc/{pid}/status") as status:
                own = next(int(line.split()[1]) * 1024 for line in status
                           if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            return 0
        return own + sum(self._rss(child) for child in _children(pid))

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.1)

    def __enter__(self) -> "MemoryWatch":
        if self.pid is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self.pid is not None:
            self._thread.join()


def _children(pid: int) -> list[int]:
    """A process's children (every thread's), from /proc."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


def run_round(url: str, count: int, folder: Path, timeout: float,
              server_pid: int | None, binary: str | None = None, skip: int = 0) -> dict:
    """``count`` sessions at once, each a browser launched by ``binary`` (a Chromium) or,
    without one, a protocol client, with the faces after the first ``skip``; their outcomes
    and the server's peak memory."""
    paths = photos(count, folder, skip)
    ready = threading.Barrier(count)
    outcomes: list[Outcome] = [Outcome() for _ in range(count)]

    def student(i: int) -> None:
        student = (BrowserStudent(url, timeout, binary) if binary
                   else ProtocolStudent(url, timeout))
        outcomes[i] = session(student, paths[i], paths, ready, timeout)

    with MemoryWatch(server_pid) as memory:
        threads = [threading.Thread(target=student, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    times = [o.seconds for o in outcomes if o.seconds is not None]
    return {"sessions": count, "correct": sum(o.correct for o in outcomes),
            "errors": [o.error for o in outcomes if o.error],
            "p50": statistics.median(times) if times else None, "p95": p95(times),
            "predictions_p95": p95([o.predictions for o in outcomes if o.predictions is not None]),
            "peak_mb": memory.peak / 2**20 if server_pid else None,
            "replicas": [o.replica or "-" for o in outcomes],
            "moved": sum(o.moved for o in outcomes)}


def p95(times: list[float]) -> float | None:
    """The 95th percentile, as the nearest of the times (of ten, the slowest)."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else None


def warm(url: str, folder: Path, timeout: float, binary: str | None,
         replicas: int = 1) -> None:
    """A session before the figures on each replica (nginx gives a new session the next in
    turn): the first explanation loads and traces every model."""
    warmed: set[str] = set()
    for _ in range(2 * replicas):
        row = run_round(url, 1, folder / "warm", timeout, None, binary)
        warmed.update(replica for replica in row["replicas"] if replica != "-")
        if replicas == 1 or len(warmed) >= replicas:
            return
    print(f"warning: the warm-up reached {len(warmed)} of the {replicas} replicas", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--url", help="an app already running on localhost (no memory figure)")
    parser.add_argument("--replicas", type=int, metavar="N",
                        help="start `fer serve --replicas N` (N replicas behind nginx) and "
                             "go through it, instead of one app")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per session")
    parser.add_argument("--client", choices=("protocol", "browser"), default="protocol",
                        help="each session a client of the app's protocol (default) or a "
                             "headless Chromium")
    parser.add_argument("--live", action="store_true",
                        help="keep one Live page playing a fake camera through every round")
    parser.add_argument("--client-nice", type=int, default=19, choices=range(20),
                        metavar="0-19", help="the clients' CPU niceness (default 19: lowest)")
    args = parser.parse_args()
    if max(args.sessions) > MAX_SESSIONS or min(args.sessions) < 1:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("--url must be on localhost")
    if args.replicas is not None and (args.url or args.replicas < 1):
        parser.error("--replicas is at least 1, and starts its own server: no --url")
    server = (_given(args.url) if args.url else
              _school(args.replicas) if args.replicas else local_app())
    with tempfile.TemporaryDirectory() as tmp, server as (url, pid):
        folder = Path(tmp)
        (folder / "warm").mkdir()
        binary = None
        if args.client == "browser":
            binary = niced_chromium(args.client_nice, folder)
        else:
            os.nice(args.client_nice)  # this thread, and the sessions' threads it starts
        warm(url, folder, args.timeout, binary, args.replicas or 1)
        live = (live_view(url, folder, binary or niced_chromium(args.client_nice, folder),
                          args.timeout) if args.live else nullcontext(None))
        who = (f"a headless Chromium (niceness {args.client_nice})" if binary
               else f"a client of the app's protocol (niceness {args.client_nice})")
        behind = (f", through nginx in front of {args.replicas} replica(s) (fer serve)"
                  if args.replicas else "")
        print(f"{os.cpu_count()} CPUs; each session {who} uploading its own face to Explain "
              f"at the same moment{behind}")
        with live as rate:
            if rate is not None:
                print(f"one Live page playing a fake camera throughout: {rate()}")
            _rounds(url, args, folder, pid, binary, rate)


def _rounds(url: str, args: argparse.Namespace, folder: Path, pid: int | None,
            binary: str | None, rate: Callable[[], str] | None) -> None:
    print(f"{'sessions':>8}{'own face':>10}{'errors':>8}{'p50 s':>8}{'p95 s':>8}"
          f"{'predictions p95 s':>19}{'peak MB':>9}")
    used = 1  # the warm-up's face
    for count in args.sessions:
        (folder / str(count)).mkdir()
        row = run_round(url, count, folder / str(count), args.timeout, pid, binary, used)
        used += count
        peak = f"{row['peak_mb']:.0f}" if row["peak_mb"] else "-"
        p50 = f"{row['p50']:.1f}" if row["p50"] is not None else "-"
        last = f"{row['p95']:.1f}" if row["p95"] is not None else "-"
        answers = (f"{row['predictions_p95']:.1f}" if row["predictions_p95"] is not None
                   else "-")
        print(f"{count:>8}{row['correct']:>10}{len(row['errors']):>8}{p50:>8}{last:>8}"
              f"{answers:>19}{peak:>9}", flush=True)
        for error in row["errors"]:
            print(f"    {error}")
        if args.replicas:
            print(f"    replicas: {' '.join(row['replicas'])} (session by session); "
                  f"moved mid-session: {row['moved']}", flush=True)
        if rate is not None:
            print(f"    the Live page after the round: {rate()}")


@contextmanager
def live_view(url: str, folder: Path, binary: str, timeout: float) -> Iterator[Callable[[], str]]:
    """The Live page playing a drawn face from a fake camera for the length of the block:
    yields a reader of the page's own rate line ("N frames a second annotated, M in all")."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from fer_core.testing.clips import fake_camera_clip
    from fer_core.testing.face_drawing import photo

    camera = fake_camera_clip(folder / "camera.y4m", [photo((640, 480), [(200, 220, 120)])] * 15)
    driver = headless_chromium(binary, camera=camera)
    try:
        driver.get(f"{url}/live")
        wait_for(driver, "Freeze this frame", timeout)
        driver.switch_to.frame(driver.find_element(By.TAG_NAME, "iframe"))
        WebDriverWait(driver, timeout).until(
            lambda d: [b for b in d.find_elements(By.TAG_NAME, "button")
                       if b.text.strip().upper() == "START"])[0].click()
        driver.switch_to.default_content()

        def rate() -> str:
            lines = driver.find_element(By.TAG_NAME, "body").text.splitlines()
            return next((line for line in lines if "frames a second annotated" in line), "-")

        WebDriverWait(driver, timeout, poll_frequency=0.5).until(  # playing: 30 frames done
            lambda d: int(re.search(r"(\d+) in all", rate() + " 0 in all").group(1)) >= 30)
        yield rate
    finally:
        driver.quit()


@contextmanager
def _given(url: str) -> Iterator[tuple[str, None]]:
    yield url.rstrip("/"), None


@contextmanager
def _school(replicas: int) -> Iterator[tuple[str, int]]:
    """``fer serve --replicas N`` here: nginx's URL, and the process whose tree is the server."""
    with local_school(replicas) as school:
        print(f"fer serve: replicas up on ports {', '.join(map(str, school.replicas()))}",
              flush=True)
        yield school.url, school.process.pid


if __name__ == "__main__":
    main()
