"""A stored model for use elsewhere: TensorFlow Lite (TensorFlow's own converter) or ONNX (Keras'
``export``, through tf2onnx), checked to predict as the stored model does.

The exported network is the family's plain network with the stored weights (and its
equalisation layer, when it has one): the augmentation layers a model trained with do nothing at
inference, but their random ops have no TFLite or ONNX counterpart.
Its input is raw 48x48 grey pixels (N, 48, 48, 1) in 0-255, float32, as the stored
model's; its output, the class probabilities in ``config.json``'s ``classes`` order.

With ``tta="flip"`` the file averages each face's probabilities with its mirror image's, as
``evaluate --tta flip`` does: one call per face for whoever uses it, and the accuracy of flip
TTA for the cost of two faces in one batch (ten-crop's ten views are left to the caller).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Callable

import keras
import numpy as np

from .errors import ModelError
from .models import build_model, get_spec
from .store import StoredModel

FORMATS = ("tflite", "onnx")
EXPORT_TTA = ("flip",)
TOLERANCE = 1e-4
ONNX_NEEDS = ("ONNX export needs tf2onnx, onnx and onnxruntime: "
              "pip install -r requirements-export.txt")


class Mirror(keras.layers.Layer):
    """Faces (N, H, W, C) flipped left to right."""

    def call(self, faces):
        return keras.ops.flip(faces, axis=2)


def inference_network(stored: StoredModel, tta: str | None = None) -> keras.Model:
    """``stored``'s weights in its family's network built without augmentation layers; with
    ``tta="flip"``, that network's probabilities averaged over each face and its mirror."""
    if stored.is_ensemble:
        raise ModelError(f"{stored.name} is an ensemble: export one of its members")
    if tta not in (None, *EXPORT_TTA):
        raise ModelError(f"unknown export TTA {tta!r}; known: {', '.join(EXPORT_TTA)}")
    trained = stored.load_keras()
    plain = build_model(get_spec(stored.config["model"]), len(stored.classes),
                        options=stored.config.get("options"),
                        equalise=stored.config.get("equalise", False))
    plain.set_weights(trained.get_weights())
    if tta is None:
        return plain
    faces = keras.Input(plain.input_shape[1:])
    return keras.Model(faces, keras.layers.Average()([plain(faces), plain(Mirror()(faces))]),
                       name=f"{plain.name}_flip_tta")


def export_model(stored: StoredModel, fmt: str, path: Path, tta: str | None = None) -> Path:
    """Write ``stored`` to ``path`` in format ``fmt`` (``tta``: see the module); the path.
    Never inside the model store: an export must not land on (or among) a stored model's
    files."""
    store = stored.path.resolve().parent
    if path.resolve().is_relative_to(store):
        raise ModelError(f"{path} is inside the model store ({store}): export elsewhere, "
                         "e.g. exports/")
    network = inference_network(stored, tta)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "tflite":
        import tensorflow as tf

        with tempfile.TemporaryDirectory() as saved:  # quietly, unlike from_keras_model
            network.export(saved, format="tf_saved_model", verbose=False)
            path.write_bytes(tf.lite.TFLiteConverter.from_saved_model(saved).convert())
    elif fmt == "onnx":
        _require_onnx()
        network(np.zeros((1, 48, 48, 1), np.float32), training=False)  # Keras exports built calls
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tf2onnx's notices of NumPy and TensorFlow changes
            network.export(str(path), format="onnx", verbose=False)
    else:
        raise ModelError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    return path


def exported_runner(path: Path, fmt: str) -> Callable[[np.ndarray], np.ndarray]:
    """A function from faces (N, 48, 48) to the exported file's class probabilities, the file
    loaded once (for timing as well as checking)."""
    if fmt == "onnx":
        _require_onnx()
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        return lambda images: session.run(None, {name: _input(images)})[0]
    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's notice of its LiteRT successor
        interpreter = tf.lite.Interpreter(model_path=str(path))
    source, target = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    shape: list[tuple[int, ...]] = [()]

    def run(images: np.ndarray) -> np.ndarray:
        x = _input(images)
        if x.shape != shape[0]:
            interpreter.resize_tensor_input(source["index"], x.shape)
            interpreter.allocate_tensors()
            shape[0] = x.shape
        interpreter.set_tensor(source["index"], x)
        interpreter.invoke()
        return interpreter.get_tensor(target["index"])

    return run


def exported_predictions(path: Path, fmt: str, images: np.ndarray) -> np.ndarray:
    """The class probabilities the exported file at ``path`` gives ``images`` (N, 48, 48)."""
    return exported_runner(path, fmt)(images)


def _input(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32)[..., None]


def largest_difference(stored: StoredModel, path: Path, fmt: str, images: np.ndarray,
                       tta: str | None = None) -> float:
    """The largest gap between the stored model's probabilities (with ``tta``) and the
    export's."""
    from .evaluate import predict_proba

    expected = predict_proba(stored.load_keras(), images, tta)
    return float(np.abs(exported_predictions(path, fmt, images) - expected).max())


def _require_onnx() -> None:
    try:
        import onnxruntime  # noqa: F401
        import tf2onnx  # noqa: F401
    except ImportError:
        raise ModelError(ONNX_NEEDS) from None
