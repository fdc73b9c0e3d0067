"""Training beyond one device: the ``distribution`` setting, and a data-parallel run under JAX over
two virtual CPU devices that learns what a one-device run of the same seed learns."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from fer_core.errors import ModelError
from fer_core.paths import PROJECT_ROOT
from fer_core.training import make_config, recorded_settings, train_model
from fer_core.training.distribution import batch_problem, training_distribution
from fer_core.training.loop import Feed
from tests.helpers import write_folder_layout


def test_distribution_is_a_setting_that_leaves_other_configs_alone() -> None:
    default = make_config("custom_cnn")
    assert default.distribution == "none"
    spread = make_config("custom_cnn", {"distribution": "data_parallel"})
    assert spread.to_dict()["distribution"] == "data_parallel"
    assert spread.cache_key("d") != default.cache_key("d")
    # a record from before the setting (no "distribution") replays on one device, same key
    record = {k: v for k, v in default.to_dict().items() if k != "distribution"}
    assert make_config(*recorded_settings(record)).cache_key("d") == default.cache_key("d")
    with pytest.raises(ModelError, match="distribution must be one of none, data_parallel"):
        make_config("custom_cnn", {"distribution": "model_parallel"})


def test_data_parallel_needs_jax_and_a_batch_the_devices_divide(tmp_path: Path) -> None:
    assert training_distribution("none", 32) is None
    with pytest.raises(ModelError, match="needs Keras' JAX backend"):
        training_distribution("data_parallel", 32)
    with pytest.raises(ModelError, match="needs Keras' JAX backend"):  # before loading data
        train_model("custom_cnn", tmp_path / "absent", overrides={"distribution": "data_parallel"})
    assert batch_problem(32, 100, 4) is None
    assert "batch_size must be a multiple of 4 (got 30; --set batch_size=28" in batch_problem(
        30, 100, 4)
    assert "at least one training face per device" in batch_problem(4, 3, 4)


def test_an_epoch_cuts_its_last_batch_to_a_multiple_of_the_devices() -> None:
    def feed(replicas: int) -> Feed:
        targets = np.zeros((29, 7))
        return Feed(np.zeros((29, 48, 48)), targets, None, None, None, 8, 0, replicas)

    one, two = feed(1), feed(2)
    assert (one.usable, one.batches, two.usable, two.batches) == (29, 4, 28, 4)
    order = two.order(0)
    sizes = [len(two.rows(order, b)) for b in range(two.batches)]
    assert sizes == [8, 8, 8, 4]
    assert sum(len(one.rows(order, b)) for b in range(one.batches)) == 29


TRAIN = textwrap.dedent("""
    import importlib.abc, json, sys

    class HideTensorFlow(importlib.abc.MetaPathFinder):  # as on a GPU machine without it
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "tensorflow":
                raise ModuleNotFoundError(f"No module named {name!r} (hidden)", name=name)

    sys.meta_path.insert(0, HideTensorFlow())
    import jax, keras, numpy as np
    from fer_core.store import ModelStore
    from fer_core.training import Progress, train_model

    assert keras.backend.backend() == "jax"
    data, models, distribution = sys.argv[1:]

    class Meshes(Progress):  # the devices of the distribution active as the batches train
        seen = set()
        def on_batch_end(self, epoch, batch, logs):
            active = keras.distribution.distribution()
            self.seen.add(0 if active is None else int(active.device_mesh.devices.size))

    settings = {"epochs": 2, "batch_size": 8, "limit": 30, "seed": 3, "flip": True,
                "distribution": distribution}
    progress = Meshes()
    stored, _ = train_model("custom_cnn", data, overrides=settings, store=ModelStore(models),
                            progress=progress)
    faces = np.random.default_rng(1).integers(0, 256, (6, 48, 48)).astype("float32")
    predictions = stored.load_keras().predict(faces[..., None], verbose=0)
    print(json.dumps({"jax_devices": jax.device_count(), "meshes": sorted(progress.seen),
                      "recorded": [stored.config["distribution"], stored.config.get("devices")],
                      "train_images": stored.config["trained_on"]["train_images"],
                      "history": stored.history, "predictions": predictions.tolist(),
                      "tensorflow": "tensorflow" in sys.modules}))
""")


def train_under_jax(tmp_path: Path, distribution: str, devices: int) -> dict:
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(PROJECT_ROOT),
           "FER_CACHE_DIR": str(tmp_path / f"cache-{distribution}"),
           "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
    done = subprocess.run([sys.executable, "-c", TRAIN, str(tmp_path / "data"),
                           str(tmp_path / f"models-{distribution}"), distribution],
                          env=env, check=True, timeout=300, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_data_parallel_over_two_devices_learns_what_one_device_learns(tmp_path: Path) -> None:
    write_folder_layout(tmp_path / "data", per_class=6)
    one = train_under_jax(tmp_path, "none", 1)
    two = train_under_jax(tmp_path, "data_parallel", 2)
    assert (one["jax_devices"], one["meshes"], one["recorded"]) == (1, [0], ["none", None])
    assert (two["jax_devices"], two["meshes"], two["recorded"]) == (2, [2], ["data_parallel", 2])
    assert not one["tensorflow"] and not two["tensorflow"]
    assert one["train_images"] == two["train_images"] == 30  # 8+8+8+6: the last splits 3 and 3
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        ours = [epoch[key] for epoch in two["history"]]
        theirs = [epoch[key] for epoch in one["history"]]
        np.testing.assert_allclose(ours, theirs, rtol=1e-3, err_msg=key)
    np.testing.assert_allclose(two["predictions"], one["predictions"], atol=1e-4)
