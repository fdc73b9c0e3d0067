"""The dashboard, page by page, with Streamlit's AppTest: a temp store of tiny untrained models
and a small generated dataset, so it runs anywhere in about a minute.

Every page must render without an exception element with only the stored models, and do more
with a dataset; the Explain page must go from an uploaded photo, and from a dataset sample, to
its grid of heatmaps.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.helpers import pixel_string, random_faces, write_csv, write_data, write_store

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
TIMEOUT = 120  # TensorFlow starts slowly on a busy CPU


def photo_bytes(fmt: str = "PNG") -> bytes:
    """A 160x120 grey gradient: no face in it, so the page falls back to its centre."""
    gradient = np.tile(np.linspace(30, 220, 160, dtype=np.uint8), (120, 1))
    buffer = io.BytesIO()
    Image.fromarray(gradient).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_data(tmp_path_factory.mktemp("fer"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[Path]:
    """The temp store, made once for the module; FER_MODELS_DIR points at it, and FER2013_DIR
    is unset so that every test starts without a dataset, as on a fresh machine."""
    root = write_store(tmp_path_factory.mktemp("store"), data_dir)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FER_MODELS_DIR", str(root))
        patch.delenv("FER2013_DIR", raising=False)
        yield root


def open_page(page: str, data: Path | None = None) -> AppTest:
    """The app on ``page``, with the sidebar's dataset path set when ``data`` is given."""
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    if data is not None:
        app.text_input(key="data_path").set_value(str(data)).run()
    if page != "overview":
        app.switch_page(f"../pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    """Everything the page wrote as text, for asserting on what a user reads."""
    parts = [*app.title, *app.subheader, *app.markdown, *app.caption, *app.info, *app.success,
             *app.warning, *app.error]
    return "\n".join(str(p.value) for p in parts)


def test_overview_without_dataset_lists_the_zoo(store: Path) -> None:
    app = open_page("overview")
    zoo = app.dataframe[0].value
    assert {"tiny_a", "tiny_b", "(not trained yet)"} <= set(zoo["model"])
    tiny = zoo[zoo["model"] == "tiny_a"].iloc[0]
    assert round(tiny["multiply_adds_m"]) == 55 and tiny["ms_per_face"] > 0  # custom_cnn's
    assert "FER2013 is not shipped" in texts(app)


def test_overview_names_the_dataset(store: Path, data_dir: Path) -> None:
    app = open_page("overview", data_dir)
    assert str(data_dir) in texts(app)


def test_wrong_dataset_path_is_a_message(store: Path, tmp_path: Path) -> None:
    app = open_page("dataset", tmp_path / "missing")
    assert any("does not exist" in e.value for e in app.error)


def test_a_malformed_csv_is_a_message_until_the_file_is_fixed(
    store: Path, tmp_path: Path
) -> None:
    csv = write_csv(tmp_path / "fer2013.csv", [(3, "1 2 3", "Training")])
    app = open_page("dataset", csv)
    assert any("pixel string has 3 values" in e.value for e in app.error)
    write_csv(csv, [(i % 7, pixel_string(face), "Training" if i < 14 else "PublicTest")
                    for i, face in enumerate(random_faces(21))])
    app.run()
    assert not app.error and not app.exception


def test_dataset_page_explains_how_to_get_the_data(store: Path) -> None:
    app = open_page("dataset")
    assert "fer2013.csv" in texts(app)


def test_dataset_page_shows_counts_samples_and_audit(store: Path, data_dir: Path) -> None:
    app = open_page("dataset", data_dir)
    assert len(app.get("plotly_chart")) == 2  # counts per split and class, audit reasons
    captions = [c for image in app.image for c in image.captions]
    assert {"happy (train)", "sad (test)", "neutral (train)"} <= set(captions)
    assert len(app.image) == 7 + 3  # a sample row per class; conflict, leak and blank galleries


def test_compare_page_draws_every_figure(store: Path) -> None:
    app = open_page("compare")
    # accuracy, its cost in training and per face, curves, two matrices, per-class F1
    assert len(app.get("plotly_chart")) == 7
    assert len(app.get("download_button")) == 5


def test_model_pickers_start_with_one_model_per_family() -> None:
    from fer_core.picks import first_picks

    runs = [SimpleNamespace(name=name, family=family)
            for name, family in [("a1", "A"), ("a2", "A"), ("b", "B"), ("c", "C")]]
    assert first_picks(runs, 3) == ["a1", "b", "c"]
    assert first_picks(runs, 4) == ["a1", "a2", "b", "c"]
    assert first_picks(runs[:2], 3) == ["a1", "a2"]


def test_pages_for_visitors_faces_start_with_the_models_that_read_real_photos_best() -> None:
    from fer_core.picks import first_picks

    runs = [SimpleNamespace(name=name, family=family, real_photo_accuracy=real,
                            test_accuracy=test)
            for name, family, real, test in [("a1", "A", 0.40, 0.60), ("a2", "A", 0.62, 0.58),
                                              ("b", "B", 0.36, 0.51), ("c", "C", 0.64, 0.63),
                                              ("d", "D", None, 0.66)]]
    assert first_picks(runs, 2, best_readers=True) == ["a2", "c"]  # store order kept
    assert first_picks(runs, 1, best_readers=True) == ["c"]
    assert first_picks(runs, 4, best_readers=True) == ["a2", "b", "c", "d"]
    assert first_picks(runs, 2) == ["a1", "b"]  # architectures first, in store order


def face_photo_bytes(fmt: str = "PNG") -> bytes:
    """A 320x240 photo with one drawn face that the detector finds."""
    from fer_core.testing.face_drawing import photo

    buffer = io.BytesIO()
    photo((320, 240), [(150, 40, 60)]).save(buffer, format=fmt)
    return buffer.getvalue()


def test_explain_grid_from_an_upload(store: Path) -> None:
    app = open_page("explain")
    app.file_uploader(key="upload").set_value(("face.png", face_photo_bytes(), "image/png")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Found 1 face" in texts(app)
    # The photo, the face crop, the colour scale, then each model's own method (Grad-CAM when
    # none was chosen for it).
    assert len(app.image) == 3 + 2
    assert len(app.get("plotly_chart")) == 2
    assert texts(app).count("beats random maps on") == 2
    scores = app.dataframe[0].value
    assert set(scores["method"]) == {"Grad-CAM", "Random (baseline)"}
    assert scores["deletion_auc"].between(0, 1).all()
    methods = scores[scores["method"] != "Random (baseline)"]
    assert methods["beats_random"].str.fullmatch(r"[0-4] of 4").all()
    assert app.get("download_button")[0].proto.label.startswith("Download the grid")


def test_explain_takes_what_the_reader_reads(store: Path) -> None:
    app = open_page("explain")
    assert {".gif", ".bmp", ".tiff"} <= set(app.get("file_uploader")[0].proto.type)
    app.file_uploader(key="upload").set_value(("face.gif", face_photo_bytes("GIF"),
                                               "image/gif")).run()
    assert not app.exception and "Found 1 face" in texts(app)


def test_explain_six_methods_and_a_chosen_emotion(store: Path) -> None:
    app = open_page("explain")
    app.multiselect(key="explain_methods").set_value(
        ["gradcam", "gradcampp", "hirescam", "layercam", "saliency", "occlusion"])
    app.file_uploader(key="upload").set_value(("face.png", face_photo_bytes(), "image/png")).run()
    app.selectbox(key="emotion").set_value("surprise").run()
    assert not app.exception, [e.value for e in app.exception]
    assert len(app.image) == 3 + 2 * 6
    assert texts(app).count("Maps explain **surprise**") == 2
    assert len(app.dataframe[0].value) == 2 * 7


def test_a_photo_without_a_face_is_not_explained(store: Path) -> None:
    app = open_page("explain")
    app.file_uploader(key="upload").set_value(("gradient.png", photo_bytes(), "image/png")).run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("No face here" in w.value for w in app.warning)
    assert len(app.get("plotly_chart")) == 2  # what the models say anyway
    assert len(app.image) == 3  # the photo, its centre, the colour scale: no maps
    assert not app.dataframe and not app.get("download_button")
    app.toggle(key="explain_anyway").set_value(True).run()
    assert len(app.image) == 3 + 2 and app.dataframe


def test_explain_refuses_a_file_that_is_not_an_image(store: Path) -> None:
    app = open_page("explain")
    app.file_uploader(key="upload").set_value(("notes.png", b"not an image", "image/png")).run()
    assert not app.exception
    assert any("not an image" in e.value for e in app.error)
    assert not app.dataframe


def test_a_model_file_that_does_not_load_is_a_warning(store: Path) -> None:
    broken = store / "broken"
    shutil.copytree(store / "tiny_a", broken)
    (broken / "model.keras").write_bytes(b"not a keras file")
    try:
        app = open_page("explain")
        app.multiselect(key="explain_models").set_value(["broken", "tiny_a"])
        app.multiselect(key="explain_methods").set_value(["gradcam"])
        app.file_uploader(key="upload").set_value(("g.png", face_photo_bytes(),
                                                    "image/png")).run()
    finally:
        shutil.rmtree(broken)
    assert not app.exception, [e.value for e in app.exception]
    assert any("not a loadable Keras model" in w.value for w in app.warning)
    assert set(app.dataframe[0].value["model"]) == {"tiny_a"}


def test_damaged_metrics_are_a_warning(store: Path) -> None:
    damaged = store / "damaged"
    shutil.copytree(store / "tiny_b", damaged)
    (damaged / "metrics.json").write_text("{not json")
    try:
        app = open_page("compare")
    finally:
        shutil.rmtree(damaged)
    assert any("damaged" in w.value and "metrics.json" in w.value for w in app.warning)
    assert app.multiselect(key="compare_models").options == ["tiny_a", "tiny_b"]


def test_explain_a_dataset_sample(store: Path, data_dir: Path) -> None:
    app = open_page("explain", data_dir)
    app.multiselect(key="explain_methods").set_value(["gradcam"])
    app.segmented_control(key="face_source").set_value("Dataset").run()
    app.selectbox(key="sample_emotion").set_value("happy")
    app.toggle(key="sample_wrong").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    assert "labelled happy" in app.image[0].captions[0]
    assert any("wrong, labelled happy" in m.value for m in app.markdown)
    assert len(app.dataframe[0].value) == 2 * 2  # Grad-CAM and random, for each model


def finish_training(app: AppTest, timeout: float = TIMEOUT) -> AppTest:
    """Wait for the background run the page started, then redraw the page."""
    from dashboard.train.job import JOB

    deadline = time.monotonic() + timeout
    while JOB.snapshot().running and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not JOB.snapshot().running, "the training run did not end in time"
    return app.run()


def submit(app: AppTest, family: str, wait: bool = True, **settings) -> AppTest:
    """Fill in the Train form, start the run, and (unless told not to) wait for its end."""
    app.selectbox(key="train_family").set_value(family).run()
    for key, value in settings.items():
        app.get_by_key(f"{family}.{key}").set_value(value)
    app.button[-1].click().run()  # the form's submit button comes last
    assert not app.exception, [e.value for e in app.exception]
    return finish_training(app) if wait else app


def test_train_page_without_dataset_says_how_to_get_it(store: Path) -> None:
    app = open_page("train")
    assert "fer2013.csv" in texts(app)


@pytest.mark.slow
def test_train_stores_a_model_then_offers_it_again(store: Path, data_dir: Path) -> None:
    app = open_page("train", data_dir)
    assert any("sees 48x48 grey" in c.value for c in app.caption), texts(app)
    settings = dict(epochs=1, limit=16, batch_size=8, store_name="trained_here")
    app = submit(app, "custom_cnn", **settings)
    assert any("stored as **trained_here**" in s.value for s in app.success), texts(app)
    assert (store / "trained_here" / "model.keras").is_file()
    standing = app.dataframe[0].value
    assert standing["model"][0] == "trained_here (this run)"
    assert "the study" in set(standing["model"])  # the new accuracy beside the study's
    from dashboard.train.job import JOB

    assert JOB.snapshot().evaluation[:2] == (2, 3)  # the test passes were reported
    app = submit(app, "custom_cnn", **settings)
    assert any("already trained on this data" in i.value for i in app.info), texts(app)
    app = submit(app, "custom_cnn", **{**settings, "store_name": "continued",
                                       "init_from": "trained_here"})
    assert any("stored as **continued**" in s.value for s in app.success), texts(app)
    config = json.loads((store / "continued" / "config.json").read_text())
    assert config["started_from"]["name"] == "trained_here"
    app = submit(app, "custom_cnn", **{**settings, "epochs": 3, "store_name": "budgeted",
                                       "max_minutes": 1e-6})
    config = json.loads((store / "budgeted" / "config.json").read_text())
    assert config["epochs"] == 1 and config["time_budget"]["epochs_asked"] == 3


@pytest.mark.slow
def test_train_replaces_a_model_only_when_asked_and_never_a_protected_one(
        store: Path, data_dir: Path) -> None:
    from fer_core.store import ModelStore

    app = open_page("train", data_dir)
    app.selectbox(key="train_family").set_value("custom_cnn").run()
    assert app.get_by_key("custom_cnn.store_name").value == "custom_cnn"  # a free name
    settings = dict(epochs=1, limit=16, batch_size=8, seed=4, store_name="keeper")
    app = submit(app, "custom_cnn", **settings)
    kept = (store / "keeper" / "model.keras").read_bytes()
    app = submit(app, "custom_cnn", **{**settings, "seed": 5})
    assert any("stored as **keeper_2**" in s.value for s in app.success), texts(app)
    assert any("which holds another model" in i.value for i in app.info), texts(app)
    assert (store / "keeper" / "model.keras").read_bytes() == kept  # nothing replaced yet
    app.button(key="replace_model").click().run()
    assert json.loads((store / "keeper" / "config.json").read_text())["seed"] == 5
    assert not (store / "keeper_2").exists()

    ModelStore(store).update_config("keeper", {"protected": True})
    kept = (store / "keeper" / "model.keras").read_bytes()
    app = submit(app, "custom_cnn", wait=False, **{**settings, "seed": 6})
    assert any("protected" in e.value for e in app.error), texts(app)
    assert (store / "keeper" / "model.keras").read_bytes() == kept
    shutil.rmtree(store / "keeper")


@pytest.mark.slow
def test_stop_then_resume_a_run(store: Path, data_dir: Path) -> None:
    app = open_page("train", data_dir)
    app = submit(app, "custom_cnn", wait=False, epochs=3, batch_size=4, limit=16,
                 store_name="resumed")
    app.button(key="stop_training").click().run()
    app = finish_training(app)
    assert any("checkpoint is saved" in w.value for w in app.warning), texts(app)
    app.button(key="resume_training").click().run()
    app = finish_training(app)
    assert any("stored as **resumed**" in s.value for s in app.success), texts(app)
    assert len(json.loads((store / "resumed" / "history.json").read_text())["epochs"]) >= 1


def test_a_store_name_outside_the_store_is_refused(store: Path, data_dir: Path) -> None:
    app = open_page("train", data_dir)
    app = submit(app, "custom_cnn", wait=False, store_name="../outside")
    assert any("is not a model name" in e.value for e in app.error), texts(app)
    assert not (store.parent / "outside").exists()


@pytest.mark.slow
def test_transfer_without_weights_says_how_to_fix_it(store: Path, data_dir: Path) -> None:
    app = open_page("train", data_dir)
    app = submit(app, "transfer_vgg16", **{"opt.weights": "/nowhere/vgg16.h5", "limit": 8})
    assert any("no VGG16 weights" in e.value for e in app.error), texts(app)
    assert any("random" in i.value for i in app.info)


def test_classroom_mode_fixes_the_dataset_and_locks_training(store: Path, data_dir: Path,
                                                             monkeypatch) -> None:
    monkeypatch.setenv("FER_CLASSROOM", "1")
    monkeypatch.setenv("FER2013_DIR", str(data_dir))
    app = open_page("dataset")
    assert not [t for t in app.text_input if t.key == "data_path"]  # no path to type
    assert "The audit" in texts(app)  # the server's dataset is read
    app.switch_page("../pages/train.py").run()
    assert any("Training from the browser is off" in i.value for i in app.info)
    assert not app.get("form") and not [b for b in app.button if "Start" in b.label]

    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.secrets["teacher_password"] = "s3cret"
    app.run()
    app.switch_page("../pages/train.py").run()
    app.text_input(key="teacher_password_input").set_value("guess").run()
    assert any("not the teacher's password" in e.value for e in app.error)
    assert not app.get("form")
    app.text_input(key="teacher_password_input").set_value("s3cret").run()
    assert app.get("form") and not app.exception


def test_emotions_page_averages_each_emotion_per_model(store: Path, data_dir: Path) -> None:
    app = open_page("emotions")
    assert any("needs the dataset" in i.value for i in app.info)
    app = open_page("emotions", data_dir)
    assert not app.exception, [e.value for e in app.exception]
    picked = app.multiselect(key="emotion_models").value
    assert len(app.image) == 7 * len(picked)  # seven emotions, each picked model
    assert all(" on " in image.captions[0] for image in app.image)  # "41% on mouth"
    assert len(app.get("plotly_chart")) == 1


def test_compare_shows_the_faces_behind_a_confusion_cell(store: Path, data_dir: Path) -> None:
    app = open_page("compare", data_dir)
    app.selectbox(key="mistakes_true").set_value("happy")
    app.selectbox(key="mistakes_predicted").set_value("angry").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("happy test faces are predicted angry" in c.value for c in app.caption)


def test_explain_looks_inside_and_covers_a_part(store: Path) -> None:
    app = open_page("explain")
    app.file_uploader(key="upload").set_value(("face.png", face_photo_bytes(), "image/png")).run()
    assert not [m for m in app.markdown if "block2_conv2_relu" in m.value]  # only when asked
    app.segmented_control(key="look_further").set_value("Inside the network").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("block2_conv2_relu" in m.value for m in app.markdown)  # custom_cnn's last block
    app.segmented_control(key="look_further").set_value("Cover and see").run()
    cover = app.dataframe[-1].value
    assert list(cover["model"]) == app.multiselect(key="explain_models").value
    assert cover["before"].between(0, 1).all() and cover["after"].between(0, 1).all()
    app.segmented_control(key="cover_part").set_value("a cell of a 3x3 grid").run()
    assert not app.exception and any("grid 2,2 covered" in c for i in app.image
                                      for c in i.captions)


def test_the_lesson_walks_through_its_five_faces(store: Path, data_dir: Path) -> None:
    app = open_page("lesson")
    assert any("set the dataset" in i.value for i in app.info)  # step 1 needs the data
    app.segmented_control(key="lesson_step").set_value("4. Not a face, still an answer").run()
    assert not app.exception and len(app.get("plotly_chart")) >= 2  # answers, and no maps
    assert not [i for i in app.image if "Grad-CAM" in str(i.captions)]
    app.segmented_control(key="lesson_step").set_value(
        "5. A map that fails its sanity check").run()
    assert not app.exception  # the tiny models have no checks: said plainly
    assert app.success or len(app.image) == 3
    app = open_page("lesson", data_dir)
    app.segmented_control(key="lesson_step").set_value("1. A confident right answer").run()
    assert not app.exception, [e.value for e in app.exception]
    trust = next(c.value for c in app.caption if "Against random maps" in c.value)
    beats = [int(n) for n in re.findall(r"beats random maps on (\d) of 4", texts(app))]
    assert beats and (("little better than chance" in trust) == (min(beats) < 3))
    app.segmented_control(key="lesson_step").set_value("3. A train/test leak").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("is in the test split, and the same picture is in train" in c.value
               for c in app.caption)


def test_the_sanity_step_shows_a_typical_face_with_its_figures(store: Path,
                                                               data_dir: Path) -> None:
    """Step 5's words and pictures agree: the face shown is the one whose two maps are as
    alike as the validation check found them, both figures said."""
    from fer_core.store import ModelStore

    ModelStore(store).update_config("tiny_a", {"explanation_checks": {
        "split": "val", "n": 200, "methods": {"gradcam": {"sanity": 0.8}}}})
    try:
        app = open_page("lesson", data_dir)
        app.segmented_control(key="lesson_step").set_value(
            "5. A map that fails its sanity check").run()
        assert not app.exception, [e.value for e in app.exception]
        caption = next(c.value for c in app.caption if "rank correlation" in c.value)
        here, average = map(float, re.findall(r"(-?\d\.\d\d) on", caption)[:2])
        assert average == 0.8 and "most typical of 16" in caption and len(app.image) == 3
    finally:
        ModelStore(store).update_config("tiny_a", {"explanation_checks": None})


@pytest.mark.slow
def test_the_quick_demo_is_one_click_kept_out_of_the_store(store: Path, data_dir: Path) -> None:
    """A demo lands in the cache's scratch store, never beside the real models, and says what
    its figures mean."""
    from fer_core.paths import cache_dir

    app = open_page("train", data_dir)
    app.selectbox(key="train_family").set_value("custom_cnn").run()
    app.button(key="quick_demo").click().run()
    app = finish_training(app)
    assert any("Demo done" in s.value for s in app.success), texts(app)
    assert any("learns the largest class first" in m.value for m in app.markdown), texts(app)
    assert not (store / "custom_cnn_demo").exists()
    config = json.loads((cache_dir("demo_models") / "custom_cnn_demo" / "config.json")
                        .read_text())
    assert config["limit"] == 2000 and config["time_budget"]["minutes"] == 1.0
    app.button(key="quick_demo").click().run()  # a second demo replaces the first
    app = finish_training(app)
    assert any("Demo done" in s.value for s in app.success), texts(app)


def test_the_server_keeps_its_models_warm_between_runs() -> None:
    """Streamlit's per-run Keras cleanup, full garbage collection and walk of the imported
    modules' files stay off: a pinned Streamlit that renamed its hook would otherwise bring the
    first back silently."""
    import tomllib

    from streamlit.runtime.scriptrunner import script_runner

    from dashboard import server

    assert callable(script_runner._clean_problem_modules)
    server.keep_models_warm()
    assert script_runner._clean_problem_modules is server._keep_models
    config = tomllib.loads((APP.parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
    assert config["server"]["fileWatcherType"] == "none"
