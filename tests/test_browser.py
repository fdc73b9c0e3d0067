"""The dashboard in a real browser: ``streamlit run`` in a subprocess, headless Chromium through
Selenium, every page opened, a photo explained and a model trained, a screenshot of each page.

It needs Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``,
``/usr/bin/chromedriver``) and is skipped without them. Screenshots go to the test's temp folder,
and also to ``$SCREENSHOT_DIR`` when set (``SCREENSHOT_DIR=docs`` refreshes the README's). For
those, ``FER2013_DIR`` and ``SCREENSHOT_MODELS_DIR`` show the real dataset and trained models
instead of the generated data and the tiny untrained model.
"""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from PIL import Image

from fer_core.data import load_dataset
from fer_core.faces import find_faces
from fer_core.testing.browser import INSTALL_HINT, WINDOW, has_chromium, headless_chromium
from fer_core.testing.clips import fake_camera_clip, write_clip
from fer_core.testing.face_drawing import photo
from fer_core.testing.served_app import local_app
from tests.helpers import write_data, write_folder_layout, write_store

PAGE_TIMEOUT = 180

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not has_chromium(), reason=INSTALL_HINT)]
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip)")
from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR")
REAL_DATA = os.environ.get("FER2013_DIR") if SCREENSHOT_DIR else None
REAL_MODELS = os.environ.get("SCREENSHOT_MODELS_DIR") if SCREENSHOT_DIR else None


@contextmanager
def served(models: Path | str, data: Path | str, log: Path, **env: str) -> Iterator[str]:
    """The dashboard served on a free local port with this store, dataset and environment."""
    with local_app({"FER_MODELS_DIR": str(models), "FER2013_DIR": str(data), **env},
                   log) as (url, _):
        yield url


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard with a tiny store and dataset (or the real ones, for screenshots)."""
    data = REAL_DATA or write_data(tmp_path_factory.mktemp("fer"))
    models = REAL_MODELS or write_store(tmp_path_factory.mktemp("store"), data, ("tiny",))
    with served(models, data, tmp_path_factory.mktemp("server") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@contextmanager
def chromium(profile: Path, downloads: Path | None = None, width: int = WINDOW[0],
             camera: Path | None = None) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a profile of its own: one visitor; with ``camera``, a Y4M clip
    it plays as its camera, allowed without asking."""
    driver = headless_chromium(profile=profile, camera=camera, downloads=downloads, width=width)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path,
            ) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path_factory.mktemp("chromium"), downloads) as driver:
        yield driver


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def settled(driver: webdriver.Chrome, text: str, element: str | None = None, count: int = 1,
            timeout: float = PAGE_TIMEOUT) -> None:
    """Wait until the script has finished, ``text`` is on the page and ``count`` elements of
    the ``element`` test id have been drawn (tables and charts load after the script ends)."""
    def ready(d: webdriver.Chrome) -> bool:
        idle = d.find_elements(By.CSS_SELECTOR,
                               '[data-testid="stApp"][data-test-script-state="notRunning"]')
        drawn = element is None or len(
            d.find_elements(By.CSS_SELECTOR, f'[data-testid="{element}"]')) >= count
        return bool(idle) and drawn and text in d.find_element(By.TAG_NAME, "body").text

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.5,
                      ignored_exceptions=(StaleElementReferenceException,)).until(ready)
    except TimeoutException:
        state = driver.find_element(By.CSS_SELECTOR, '[data-testid="stApp"]').get_attribute(
            "data-test-script-state")
        body = driver.find_element(By.TAG_NAME, "body").text
        pytest.fail(f"after {timeout} s, no {text!r} (script {state}); the page ends with:\n"
                    f"{body[-1500:]}")


def check_and_shoot(driver: webdriver.Chrome, shots: Path, name: str) -> None:
    """No exception on the page; a screenshot of all of it (the window grown to its height)."""
    exceptions = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    assert not exceptions, exceptions[0].text
    height = driver.execute_script(
        "const main = document.querySelector('[data-testid=\"stMain\"]');"
        "return main ? main.scrollHeight : document.body.scrollHeight;")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(max(height + 20, WINDOW[1]), 6000))
    time.sleep(1.5)  # charts redraw at the new size
    target = shots / f"{name}.png"
    driver.save_screenshot(str(target))
    driver.set_window_size(width, WINDOW[1])
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        # 256 colours keep a page's picture readable at a third of the bytes in the repository
        Image.open(target).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(
            Path(SCREENSHOT_DIR) / target.name, optimize=True)


def open_page(driver: webdriver.Chrome, url: str, path: str, text: str,
              element: str | None = None, count: int = 1) -> None:
    driver.get(f"{url}/{path}")
    settled(driver, text, element, count)


def test_overview(browser: webdriver.Chrome, app_url: str, shots: Path) -> None:
    open_page(browser, app_url, "", "The model zoo", "stDataFrame")
    check_and_shoot(browser, shots, "overview")


def test_dataset(browser: webdriver.Chrome, app_url: str, shots: Path) -> None:
    open_page(browser, app_url, "dataset", "The audit", "stPlotlyChart", count=2)
    check_and_shoot(browser, shots, "dataset")


def test_compare(browser: webdriver.Chrome, app_url: str, shots: Path) -> None:
    open_page(browser, app_url, "compare", "F1 per emotion", "stPlotlyChart", count=4)
    check_and_shoot(browser, shots, "compare")


def test_compare_shows_the_faces_behind_a_cell(browser: webdriver.Chrome, app_url: str,
                                               shots: Path) -> None:
    open_page(browser, app_url, "compare", "Mistakes: the faces behind a cell")
    choose(browser, "True emotion", "happy")
    settled(browser, "happy test faces are predicted")
    section = browser.find_element(By.XPATH, '//*[contains(text(), "Mistakes: the faces")]')
    browser.execute_script("arguments[0].scrollIntoView();", section)
    check_and_shoot(browser, shots, "compare_mistakes")


def test_emotions(browser: webdriver.Chrome, app_url: str, shots: Path) -> None:
    open_page(browser, app_url, "emotions", "Where the maps fall", "stPlotlyChart")
    assert len(browser.find_elements(By.CSS_SELECTOR, '[data-testid="stImage"]')) >= 7
    check_and_shoot(browser, shots, "emotions")


def slow_emotions_app(tmp_path_factory: pytest.TempPathFactory):
    """A server whose Emotions averages take a while: enough test faces, and occlusion (the
    costliest method per face) as the tiny model's own method, on an empty cache."""
    from fer_core.store import ModelStore

    data = write_folder_layout(tmp_path_factory.mktemp("fer"), per_class=100)
    models = write_store(tmp_path_factory.mktemp("store"), data, ("tiny",))
    ModelStore(models).update_config("tiny", {"default_method": "occlusion"})
    return served(models, data, tmp_path_factory.mktemp("server") / "streamlit.log",
                  FER_CACHE_DIR=str(tmp_path_factory.mktemp("cache")))


def waiting_on_averages(driver: webdriver.Chrome, timeout: float = 60) -> str:
    """The progress line of the shared averages, once the page shows it."""
    def line(d: webdriver.Chrome) -> str | bool:
        bars = d.find_elements(By.CSS_SELECTOR, '[data-testid="stProgress"]')
        return next((b.text for b in bars if "explaining test faces" in b.text), False)

    return WebDriverWait(driver, timeout, poll_frequency=0.3,
                         ignored_exceptions=(StaleElementReferenceException,)).until(line)


def test_emotions_outlives_a_visitor_who_leaves_while_it_waits(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Two visitors on a cold cache; the second leaves while waiting; the first sees the maps,
    and a third visitor, later, sees them within seconds."""
    with slow_emotions_app(tmp_path_factory) as url, \
            chromium(tmp_path_factory.mktemp("a")) as first, \
            chromium(tmp_path_factory.mktemp("b")) as second:
        first.get(f"{url}/emotions")
        waiting_on_averages(first)
        second.get(f"{url}/emotions")
        assert "of 700" in waiting_on_averages(second)  # the same job, its progress shared
        second.get(url)  # leaves while waiting
        settled(first, "Where the maps fall", "stPlotlyChart")
        second.get(f"{url}/emotions")  # a new session: the third visitor
        settled(second, "Where the maps fall", "stPlotlyChart", timeout=15)


def test_emotions_finishes_when_the_computing_visitor_stops(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The visitor whose page started the averages closes it mid-way: a later visitor sees
    the work go on and finish, never a wait without end."""
    with slow_emotions_app(tmp_path_factory) as url, \
            chromium(tmp_path_factory.mktemp("a")) as first:
        first.get(f"{url}/emotions")
        waiting_on_averages(first)
        first.quit()  # the browser closes mid-way
        with chromium(tmp_path_factory.mktemp("c")) as later:
            later.get(f"{url}/emotions")
            settled(later, "Where the maps fall", "stPlotlyChart")


def real_faces_photo(data: str) -> Image.Image:
    """Two FER2013 test faces (happy, surprise) enlarged on a plain background: for README
    screenshots, where real faces show more than drawings. Each is the first of its emotion
    that the face detector finds."""
    test = load_dataset(data).split("test")
    canvas = Image.new("L", (760, 420), 170)
    for x, emotion in ((70, "happy"), (430, "surprise")):
        for face in test.images[np.asarray(test.classes)[test.labels] == emotion]:
            enlarged = Image.fromarray(face).resize((260, 260), Image.Resampling.BICUBIC)
            alone = Image.new("L", (420, 340), 170)
            alone.paste(enlarged, (80, 40))
            if find_faces(alone).found:
                canvas.paste(enlarged, (x, 80))
                break
    return canvas


def upload(browser: webdriver.Chrome, picture: Path, text: str) -> None:
    browser.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(str(picture))
    settled(browser, text)


def choose(browser: webdriver.Chrome, label: str, *options: str) -> None:
    """Pick ``options`` in the select or multiselect labelled ``label``, by typing them."""
    field = browser.find_element(
        By.XPATH, f'//label[.//*[text()="{label}"]]/following-sibling::div//input')
    for option in options:
        field.click()
        field.send_keys(option, Keys.ENTER)
        time.sleep(0.3)
    field.send_keys(Keys.ESCAPE)
    settled(browser, label)  # each pick reruns the page: act again only once it is idle


def downloaded(path: Path, timeout: float = 60) -> bytes:
    """The file once the browser has finished writing it."""
    deadline = time.monotonic() + timeout
    while not path.is_file() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert path.is_file(), f"nothing downloaded as {path.name}: {os.listdir(path.parent)}"
    return path.read_bytes()


def test_explain_an_uploaded_photo(browser: webdriver.Chrome, app_url: str, shots: Path,
                                   tmp_path: Path, downloads: Path) -> None:
    picture = tmp_path / "two_faces.jpg"
    drawn = photo((720, 420), faces=[(260, 60, 80), (170, 450, 150)])
    (real_faces_photo(REAL_DATA) if REAL_DATA else drawn).save(picture)
    open_page(browser, app_url, "explain", "Face from", "stFileUploaderDropzoneInput")
    upload(browser, picture, "Download the grid")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Found 2 faces" in body and "Colour scale" in body and "beats random maps" in body
    check_and_shoot(browser, shots, "explain")
    # the grid's picture is drawn only on this click
    browser.find_element(By.XPATH, '//button[contains(., "Download the grid")]').click()
    assert downloaded(downloads / "explanations.png").startswith(b"\x89PNG")


def click(driver: webdriver.Chrome, label: str, timeout: float = 30) -> None:
    """Click the button that says ``label``, again if a rerun redrew it meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            driver.find_element(By.XPATH, f'//button[contains(., "{label}")]').click()
            return
        except StaleElementReferenceException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_a_video_is_analysed_charted_and_downloaded(browser: webdriver.Chrome, app_url: str,
                                                    shots: Path, tmp_path: Path,
                                                    downloads: Path) -> None:
    """A clip of a moving face: its timeline and peak frames, the CSV and JSON of every
    sampled frame; then a file that is no video gets its message, not a traceback."""
    scenes = [photo((480, 360), [(120, 60 + 6 * k, 100)]) for k in range(30)]
    clip = write_clip(tmp_path / "lesson.mp4", scenes, fps=10)
    open_page(browser, app_url, "video", "Upload a clip", "stFileUploaderDropzoneInput")
    upload(browser, clip, "Analyse the video")
    click(browser, "Analyse the video")
    settled(browser, "at each emotion's peak", "stPlotlyChart")
    assert "6 frames analysed" in browser.find_element(By.TAG_NAME, "body").text
    check_and_shoot(browser, shots, "video")
    click(browser, "Download the timeline (CSV)")
    rows = downloaded(downloads / "lesson_emotions.csv").decode().splitlines()
    assert rows[0].startswith("seconds,frame,face,x,y,w,h,model,predicted") and len(rows) == 7
    click(browser, "Download the timeline (JSON)")
    report = json.loads(downloaded(downloads / "lesson_emotions.json"))
    assert report["frames_read"] == 6 and report["faces"] == [0] and report["every"] == 5
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video" * 200)
    upload(browser, broken, "Analyse the video")
    click(browser, "Analyse the video")
    settled(browser, "is not a video that can be read")
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')


def test_the_live_view_annotates_the_camera_and_freezes_a_frame(
        app_url: str, shots: Path, tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Chromium's fake camera plays a drawn face: frames come back annotated, the timeline
    draws, and a frozen frame is explained as on the Explain page."""
    camera = fake_camera_clip(tmp_path / "camera.y4m",
                              [photo((640, 480), [(200, 220, 120)])] * 15)
    with chromium(tmp_path_factory.mktemp("camera"), camera=camera) as driver:
        open_page(driver, app_url, "live", "Freeze this frame")
        component = WebDriverWait(driver, 60).until(
            lambda d: d.find_elements(By.TAG_NAME, "iframe"))[0]  # the page's only one
        driver.switch_to.frame(component)
        WebDriverWait(driver, 60).until(  # "Start", shown in capitals
            lambda d: [b for b in d.find_elements(By.TAG_NAME, "button")
                       if b.text.strip().upper() == "START"])[0].click()
        driver.switch_to.default_content()

        def annotated(d: webdriver.Chrome) -> bool:
            body = d.find_element(By.TAG_NAME, "body").text
            counted = re.search(r"frames a second annotated, (\d+) in all", body)
            charts = d.find_elements(By.CSS_SELECTOR, '[data-testid="stPlotlyChart"]')
            return bool(counted and int(counted.group(1)) >= 10 and charts)

        WebDriverWait(driver, 90, poll_frequency=0.5,
                      ignored_exceptions=(StaleElementReferenceException,)).until(annotated)
        check_and_shoot(driver, shots, "live")
        click(driver, "Freeze this frame")
        settled(driver, "The frozen frame, explained")
        assert "beats random maps" in driver.find_element(By.TAG_NAME, "body").text


def test_six_methods_keep_their_size_and_an_emotion_is_chosen(
        browser: webdriver.Chrome, app_url: str, shots: Path, tmp_path: Path) -> None:
    picture = tmp_path / "one_face.png"
    photo((480, 360), faces=[(200, 80, 100)]).save(picture)
    open_page(browser, app_url, "explain", "Face from", "stFileUploaderDropzoneInput")
    choose(browser, "Methods", "HiResCAM", "LayerCAM", "Occlusion", "Integrated", "SmoothGrad")
    upload(browser, picture, "Download the grid")
    choose(browser, "Emotion to explain", "surprise")
    settled(browser, "Maps explain surprise")
    maps = browser.execute_script(
        "return [...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
        ".map(img => img.getBoundingClientRect().width)")
    assert len(maps) >= 3 + 6 and min(maps[3:]) >= 120, maps  # never thumbnails
    charts = browser.find_elements(By.CSS_SELECTOR, '[data-testid="stPlotlyChart"]')
    assert all(chart.size["width"] >= 150 for chart in charts)  # bars never clipped
    check_and_shoot(browser, shots, "explain_six_methods")


def test_explain_looks_inside_and_covers_a_part(browser: webdriver.Chrome, app_url: str,
                                                shots: Path, tmp_path: Path) -> None:
    picture = tmp_path / "one_face.png"
    photo((480, 360), faces=[(200, 80, 100)]).save(picture)
    open_page(browser, app_url, "explain", "Face from", "stFileUploaderDropzoneInput")
    upload(browser, picture, "Download the grid")
    further = {b.text: b for b in browser.find_elements(By.TAG_NAME, "button")}
    further["Inside the network"].click()
    settled(browser, "strongest channels")
    {b.text: b for b in browser.find_elements(By.TAG_NAME, "button")}["Cover and see"].click()
    settled(browser, "mouth covered")
    check_and_shoot(browser, shots, "explain_cover")


def test_the_lesson_opens_on_its_first_face(browser: webdriver.Chrome, app_url: str,
                                            shots: Path) -> None:
    open_page(browser, app_url, "lesson", "A lesson in five faces")
    settled(browser, "sure, and right")
    check_and_shoot(browser, shots, "lesson")


def test_a_photo_without_a_face_says_so(browser: webdriver.Chrome, app_url: str, shots: Path,
                                        tmp_path: Path) -> None:
    picture = tmp_path / "gradient.png"
    Image.fromarray(np.tile(np.linspace(30, 220, 320, dtype=np.uint8), (240, 1))).save(picture)
    open_page(browser, app_url, "explain", "Face from", "stFileUploaderDropzoneInput")
    upload(browser, picture, "No face here")
    assert "Download the grid" not in browser.find_element(By.TAG_NAME, "body").text
    check_and_shoot(browser, shots, "explain_no_face")


def test_classroom_mode_hides_the_dataset_path_and_training(
        browser: webdriver.Chrome, shots: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    data = write_data(tmp_path_factory.mktemp("fer"))
    models = write_store(tmp_path_factory.mktemp("store"), data, ("tiny",))
    with served(models, data, tmp_path_factory.mktemp("server") / "streamlit.log",
                FER_CLASSROOM="1") as url:
        open_page(browser, url, "train", "Training from the browser is off")
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "FER2013 dataset" not in body and "Start training" not in body
        assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stTextInput"]')
        check_and_shoot(browser, shots, "train_classroom")
        open_page(browser, url, "dataset", "The audit")  # the server's dataset, read


def test_train_live(browser: webdriver.Chrome, app_url: str, shots: Path) -> None:
    open_page(browser, app_url, "train", "Start training", "stForm")
    if REAL_DATA is None:  # the generated dataset trains in seconds; FER2013 would take long
        epochs = WebDriverWait(browser, PAGE_TIMEOUT).until(
            lambda d: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Epochs"]'))
        epochs.send_keys(Keys.CONTROL, "a")
        epochs.send_keys("2", Keys.TAB)
        start = next(b for b in browser.find_elements(By.TAG_NAME, "button")
                     if "Start training" in b.text)
        start.click()
        # The page is never reloaded: the live panel polls, shows the progress bar while the
        # run goes on, then the outcome and the learning curves.
        WebDriverWait(browser, PAGE_TIMEOUT).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stProgress"]'))
        settled(browser, "Trained and stored as", "stPlotlyChart")
    check_and_shoot(browser, shots, "train")


CUT_TEXT = """
const cut = [];
for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || el.closest('[data-testid="stIconMaterial"]')) continue;
  const style = getComputedStyle(el);
  const clips = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
  const shown = el.clientWidth > 1;  // not a label only screen readers get
  if (!shown) continue;
  if (clips && el.scrollWidth > el.clientWidth + 1) { cut.push(el.textContent.trim()); continue; }
  // or it runs past the first box around it that hides what overflows
  for (let box = el.parentElement; box && box.dataset.testid !== 'stMain';
       box = box.parentElement) {
    if (!['hidden', 'clip'].includes(getComputedStyle(box).overflowX)) continue;
    if (el.getBoundingClientRect().right > box.getBoundingClientRect().right + 1)
      cut.push(el.textContent.trim());
    break;
  }
}
return cut;
"""
"""The texts on the page that their box cuts (an ellipsis, or hidden overflow), or that run
past the edge of a box that hides what overflows it."""
LAYOUT_PAGES = (("", "The model zoo", "stDataFrame"), ("dataset", "The audit", "stPlotlyChart"),
                ("compare", "F1 per emotion", "stPlotlyChart"),
                ("emotions", "Where the maps fall", "stPlotlyChart"),
                ("lesson", "sure, and right", None), ("train", "Start training", "stForm"),
                ("video", "Upload a clip", None), ("live", "Freeze this frame", None))


def nothing_cut(driver: webdriver.Chrome, where: str) -> None:
    cut = driver.execute_script(CUT_TEXT)
    assert not cut, f"{where}: text cut by its box: {cut}"


@pytest.mark.parametrize("width", [800, 1400])
def test_every_page_reads_at_a_laptops_width_and_a_projectors(
        width: int, app_url: str, shots: Path, tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every page, and the Explain page's views, at 800 px (a laptop with the menu open) and
    1400 px: no control's text cut, no exception; a screenshot of each."""
    picture = tmp_path / "one_face.png"
    photo((480, 360), faces=[(200, 80, 100)]).save(picture)
    with chromium(tmp_path_factory.mktemp(f"chromium{width}"), width=width) as driver:
        for path, text, element in LAYOUT_PAGES:
            open_page(driver, app_url, path, text, element)
            nothing_cut(driver, path or "overview")
            check_and_shoot(driver, shots, f"{path or 'overview'}_{width}")
        open_page(driver, app_url, "explain", "Face from", "stFileUploaderDropzoneInput")
        upload(driver, picture, "Download the grid")
        nothing_cut(driver, "explain")
        check_and_shoot(driver, shots, f"explain_{width}")
        {b.text: b for b in driver.find_elements(By.TAG_NAME, "button")}["Cover and see"].click()
        settled(driver, "mouth covered", "stDataFrame")
        nothing_cut(driver, "cover and see")
        dataset = next(b for b in driver.find_elements(By.TAG_NAME, "button")
                       if b.text == "Dataset")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", dataset)
        dataset.click()
        settled(driver, "Another face")
        nothing_cut(driver, "a dataset face")
        check_and_shoot(driver, shots, f"explain_dataset_{width}")
