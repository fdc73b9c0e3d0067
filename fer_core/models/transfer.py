"""The study's ImageNet transfer family: ResNet50, VGG16, EfficientNetB0 with a 3-layer MLP head.

The backbone is built by ``keras.applications`` directly on our tensors (``input_tensor=``), so
its layers join our graph and the model stays flat. Grey faces are resized and replicated to three
channels, then given each backbone's own ``preprocess_input`` as built-in layers: Caffe-style mean
subtraction for VGG16 and ResNet50 (the BGR swap is a no-op on grey), nothing for EfficientNet,
which rescales inside the network.

ImageNet weights come from Keras' cache (``~/.keras/models``), a download on a user's machine, or a
file or folder the user names. When none works, building stops with a message saying how to fix
it, unless random initialisation is asked for explicitly (``weights=random``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import keras
from keras import layers

from ..errors import WeightsUnavailable
from .registry import ModelSpec, register

CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
WEIGHTS_BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"


@dataclass(frozen=True)
class Backbone:
    """One ImageNet backbone: how to build it, its weights file and its layer groups.

    ``groups`` are layer-name prefixes from the top of the network to the bottom: gradual
    unfreezing opens them one at a time.
    """

    name: str
    build: Callable[..., keras.Model]
    weights_file: str
    weights_url: str
    caffe_preprocessing: bool
    gradcam_layer: str
    groups: tuple[str, ...]


BACKBONES = {
    "vgg16": Backbone(
        "VGG16", keras.applications.VGG16,
        "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        WEIGHTS_BASE_URL + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        True, "block5_conv3", ("block5", "block4", "block3", "block2", "block1"),
    ),
    "resnet50": Backbone(
        "ResNet50", keras.applications.ResNet50,
        "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        WEIGHTS_BASE_URL + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        True, "conv5_block3_out", ("conv5", "conv4", "conv3", "conv2", "conv1"),
    ),
    "efficientnetb0": Backbone(
        "EfficientNetB0", keras.applications.EfficientNetB0,
        "efficientnetb0_notop.h5",
        "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5",
        False, "top_activation",
        ("top", "block7", "block6", "block5", "block4", "block3", "block2", "block1", "stem"),
    ),
}


def resolve_weights(backbone: Backbone, weights: str) -> str | None:
    """The weights argument for ``keras.applications``: a local file path, or None for random.

    ``weights`` is ``imagenet`` (Keras' cache, else a download), ``random``, or a path to the
    ``.h5`` file or to a folder holding it under its usual name.
    """
    if weights == "random":
        return None
    if weights != "imagenet":
        path = Path(weights).expanduser()
        candidate = path / backbone.weights_file if path.is_dir() else path
        if not candidate.is_file():
            raise WeightsUnavailable(
                f"no {backbone.name} weights at {path}: expected the file {backbone.weights_file}"
            )
        return str(candidate)
    try:
        return keras.utils.get_file(backbone.weights_file, backbone.weights_url,
                                    cache_subdir="models")
    except Exception as exc:  # any network or filesystem failure means the same thing here
        raise WeightsUnavailable(
            f"ImageNet weights for {backbone.name} are not available ({exc.__class__.__name__}: "
            f"{exc}). Download {backbone.weights_url} into ~/.keras/models/, or pass "
            f"--set weights=/path/to/{backbone.weights_file}; or train from random "
            "initialisation on purpose with --set weights=random (the stored run records it)."
        ) from None


def transfer_body(
    x: keras.KerasTensor,
    num_classes: int,
    backbone: str,
    image_size: int = 96,
    weights: str = "imagenet",
    schedule: str = "frozen_then_unfrozen",
) -> keras.KerasTensor:
    """Resize, grey to RGB, backbone preprocessing, the backbone, then a 3-layer MLP head.

    ``schedule`` is read by the trainer, not here; it is an option so the run records it.
    """
    spec = BACKBONES[backbone]
    x = layers.Resizing(image_size, image_size, name="resize")(x)
    x = layers.Concatenate(name="grey_to_rgb")([x, x, x])
    if spec.caffe_preprocessing:
        x = layers.Normalization(mean=CAFFE_MEAN_BGR, variance=(1.0, 1.0, 1.0),
                                 name="imagenet_preprocess")(x)
    features = spec.build(include_top=False, weights=resolve_weights(spec, weights),
                          input_tensor=x).output
    x = layers.GlobalAveragePooling2D(name="head_pool")(features)
    x = layers.Dense(256, activation="relu", name="head_fc1")(x)
    x = layers.Dropout(0.5, name="head_drop1")(x)
    x = layers.Dense(128, activation="relu", name="head_fc2")(x)
    x = layers.Dropout(0.5, name="head_drop2")(x)
    return layers.Dense(num_classes, activation="softmax", name="predictions")(x)


SCHEDULES = ("frozen_then_unfrozen", "gradual", "finetune")


def _register_transfer(key: str, study_accuracy: float) -> ModelSpec:
    backbone = BACKBONES[key]

    def body(x: keras.KerasTensor, num_classes: int, **options) -> keras.KerasTensor:
        return transfer_body(x, num_classes, key, **options)

    return register(ModelSpec(
        name=f"transfer_{key}",
        label="ImageNet transfer (study)",
        description=f"{backbone.name} (ImageNet) + 3-layer MLP head, frozen then unfrozen.",
        body=body,
        input_size=96,
        channels=3,
        preprocessing=f"resize, grey to RGB, {backbone.name} preprocess_input",
        gradcam_layer=backbone.gradcam_layer,
        study_accuracy=study_accuracy,
        options={"image_size": 96, "weights": "imagenet", "schedule": "frozen_then_unfrozen"},
        layer_groups=backbone.groups,
        schedules=SCHEDULES,
    ))


TRANSFER_SPECS = [
    _register_transfer("resnet50", 0.165),
    _register_transfer("vgg16", 0.17),
    _register_transfer("efficientnetb0", 0.16),
]
