"""The training code is backend-agnostic: it trains under JAX, and TensorFlow loads the result."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from fer_core.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

TRAIN_UNDER_JAX = textwrap.dedent("""
    import sys
    from pathlib import Path
    import numpy as np
    from fer_core.models import build_model, get_spec
    from fer_core.training import make_config
    from fer_core.training.augment import augmentation_layers
    from fer_core.training.loop import Arrays, run_training
    import keras
    assert keras.backend.backend() == "jax"
    out = sys.argv[1]
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (24, 48, 48), dtype=np.uint8)
    config = make_config("custom_cnn",
                         {"epochs": 1, "batch_size": 8, "flip": True, "erasing": 0.5})
    augmentation = augmentation_layers(config.augmentation, 0)
    build = lambda: build_model(get_spec("custom_cnn"), 7, augmentation)
    train = Arrays(faces, rng.integers(0, 7, 24))
    val = Arrays(faces[:8], rng.integers(0, 7, 8))
    model, _ = run_training(build, config, train, val, 7, Path(out) / "run")
    model.save(f"{out}/model.keras")
    predictions = model.predict(faces[:4, ..., None].astype("float32"), verbose=0)
    np.save(f"{out}/predictions.npy", predictions)
""")


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_a_model_trained_under_jax_predicts_the_same_under_tensorflow(tmp_path: Path) -> None:
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(PROJECT_ROOT)}
    subprocess.run([sys.executable, "-c", TRAIN_UNDER_JAX, str(tmp_path)], env=env, check=True,
                   timeout=300)
    import keras

    from fer_core.store import StoredModel

    assert keras.backend.backend() == "tensorflow"
    (tmp_path / "config.json").write_text("{}")
    model = StoredModel(tmp_path, {}).load_keras()
    faces = np.random.default_rng(0).integers(0, 256, (24, 48, 48), dtype=np.uint8)
    predictions = model.predict(faces[:4, ..., None].astype("float32"), verbose=0)
    np.testing.assert_allclose(predictions, np.load(tmp_path / "predictions.npy"), atol=1e-5)
