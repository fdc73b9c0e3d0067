"""Every family builds one flat graph, trains a step, and Grad-CAM runs on its declared layer."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from tf_keras_vis.gradcam import Gradcam
from tf_keras_vis.utils.model_modifiers import ReplaceToLinear
from tf_keras_vis.utils.scores import CategoricalScore

from fer_core.errors import ModelError
from fer_core.models import build_model, get_spec, list_specs
from fer_core.models.transfer import BACKBONES, resolve_weights

TINY_OPTIONS = {"fer_vgg": {"width": 8}}
TRANSFER_OPTIONS = {"weights": "random", "image_size": 32}


def tiny_model(name: str) -> keras.Model:
    options = TRANSFER_OPTIONS if name.startswith("transfer_") else TINY_OPTIONS.get(name, {})
    return build_model(get_spec(name), 7, options=options)


@pytest.mark.parametrize("name", [
    pytest.param(spec.name, marks=pytest.mark.slow)
    if spec.name.startswith("transfer_") or spec.name == "vgg16_modified"
    else spec.name for spec in list_specs()])
def test_family_is_flat_trains_and_explains(name: str) -> None:
    spec = get_spec(name)
    model = tiny_model(name)
    assert model.input_shape == (None, 48, 48, 1)
    assert model.output_shape == (None, 7)
    assert not [layer for layer in model.layers if isinstance(layer, keras.Model)]
    assert len(model.get_layer(spec.gradcam_layer).output.shape) == 4

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (2, 48, 48, 1)).astype("float32")
    model.compile("adam", "categorical_crossentropy")
    loss = model.train_on_batch(x, keras.utils.to_categorical([0, 3], 7))
    assert np.isfinite(loss)

    cam = Gradcam(model, model_modifier=ReplaceToLinear(), clone=True)
    heatmap = cam(CategoricalScore([3, 3]), x, penultimate_layer=spec.gradcam_layer)
    assert heatmap.shape == (2, 48, 48) and np.isfinite(heatmap).all()

    # Grad-CAM++ assumes non-negative feature maps: the declared layer is an activation's
    # output (ReLU >= 0; EfficientNet's swish >= -0.28), not a raw convolution's.
    features = keras.Model(model.inputs, model.get_layer(spec.gradcam_layer).output)
    assert float(np.min(features.predict(x, verbose=0))) >= -0.28


def test_unknown_family_and_option_are_clear_errors() -> None:
    with pytest.raises(ModelError, match="unknown model family 'resnet9'.*custom_cnn"):
        get_spec("resnet9")
    with pytest.raises(ModelError, match="custom_cnn has no option"):
        build_model(get_spec("custom_cnn"), 7, options={"width": 3})


def test_missing_imagenet_weights_say_how_to_fix(monkeypatch, tmp_path) -> None:
    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(ModelError, match="not available.*--set weights=random"):
        resolve_weights(BACKBONES["vgg16"], "imagenet")
    with pytest.raises(ModelError, match="no VGG16 weights at"):
        resolve_weights(BACKBONES["vgg16"], str(tmp_path))
    assert resolve_weights(BACKBONES["vgg16"], "random") is None
    weights = tmp_path / BACKBONES["vgg16"].weights_file
    weights.write_bytes(b"")
    assert resolve_weights(BACKBONES["vgg16"], str(tmp_path)) == str(weights)


def test_multiply_adds_are_counted_from_the_layers() -> None:
    from fer_core.costs import ms_per_face, multiply_adds

    model = build_model(get_spec("custom_cnn"), 7)
    convs = 48 * 48 * 9 * (1 * 32 + 32 * 32) + 24 * 24 * 9 * (32 * 64 + 64 * 64)
    assert multiply_adds(model) == convs + 12 * 12 * 64 * 128 + 128 * 7
    assert ms_per_face(model, repeats=3) > 0
