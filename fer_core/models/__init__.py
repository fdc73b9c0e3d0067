"""The model families: a registry of named, flat Keras architectures.

Importing this package registers every family: the study's three (ImageNet transfer, the shallow
custom CNN, the modified VGG16) and our own ``fer_vgg``.
"""

from . import (  # noqa: F401  (registration)
    custom_cnn,
    fer_resnet,
    fer_vgg,
    transfer,
    vgg16_modified,
)
from .registry import ModelSpec, build_model, get_spec, list_specs

__all__ = ["ModelSpec", "build_model", "get_spec", "list_specs"]
