"""The study's "modified VGG16" trained from scratch (63.7% on FER2013 in the study).

VGG16's five poolings shrink a 48x48 face to 1x1, which leaves nothing for the study's extra conv
block and its pooling. Rather than upsampling the input (4x the compute of an already slow
network), this keeps VGG16's 13 conv layers and drops its last pooling: block 5 works at 3x3 and
the extra block (two conv layers with batch norm, then max-pooling) brings it to 1x1.

The study lists no dropout for this network, and a 0.5 dropout in a narrow dense head kept our
other from-scratch networks at the majority class for epochs (see ``fer_vgg``), so the head has
none.
"""

from __future__ import annotations

import keras

from .blocks import conv_bn, dense_head, rescale, vgg_block
from .registry import ModelSpec, register

VGG16_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def vgg16_modified_body(x: keras.KerasTensor, num_classes: int) -> keras.KerasTensor:
    x = rescale(x)
    for i, (filters, convs) in enumerate(VGG16_BLOCKS, start=1):
        last = i == len(VGG16_BLOCKS)
        x = vgg_block(x, filters, convs, f"block{i}", batch_norm=False, pool=not last)
    x = conv_bn(x, 512, "extra_conv1")
    x = conv_bn(x, 512, "extra_conv2")
    x = keras.layers.MaxPooling2D(2, name="extra_pool")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    return dense_head(x, (512,), num_classes, dropout=0.0)


VGG16_MODIFIED = register(ModelSpec(
    name="vgg16_modified",
    family="modified VGG16 from scratch (study)",
    description="VGG16's 13 conv layers (no last pooling) + 2 conv with BN and pooling + 2 dense.",
    body=vgg16_modified_body,
    input_size=48,
    channels=1,
    preprocessing="pixels / 255",
    gradcam_layer="extra_conv2",
    study_accuracy=0.637,
    # Plain VGG16 (no batch norm) from scratch does not learn at Adam's default 1e-3.
    defaults={"learning_rate": 1e-4},
))
