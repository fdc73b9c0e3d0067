"""The study's "modified VGG16" trained from scratch (63.7% on FER2013 in the study).

VGG16's five poolings shrink a 48x48 face to 1x1, which leaves nothing for the study's extra conv
block and its pooling. Rather than upsampling the input (4x the compute of an already slow
network), this keeps VGG16's 13 conv layers and drops its last pooling: block 5 works at 3x3 and
the extra block (two conv layers with batch norm, then max-pooling) brings it to 1x1.

VGG16's own conv layers are batch-normalised by default (the ``batch_norm`` option), as VGG16-BN
is: plain VGG16 from scratch, with the study's recipe, stays at the majority class
(``--set batch_norm=false`` builds it). The batch-normalised network learns, but the study's
early stopping on validation loss ends it within a few epochs, before it generalises; ``fer_vgg``'s
schedule (augmentation, one cosine cycle, the last epoch kept) takes the same network to the
study's figure. The runs: docs/experiments.md.

The study lists no dropout for this network, and a 0.5 dropout in a narrow dense head kept our
other from-scratch networks at the majority class for epochs (see ``fer_vgg``), so the head has
none.
"""

from __future__ import annotations

import keras

from .blocks import conv_bn, dense_head, rescale, vgg_block
from .registry import ModelSpec, register

VGG16_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def vgg16_modified_body(
    x: keras.KerasTensor, num_classes: int, batch_norm: bool = True
) -> keras.KerasTensor:
    x = rescale(x)
    for i, (filters, convs) in enumerate(VGG16_BLOCKS, start=1):
        last = i == len(VGG16_BLOCKS)
        x = vgg_block(x, filters, convs, f"block{i}", batch_norm=batch_norm, pool=not last)
    x = conv_bn(x, 512, "extra_conv1")
    x = conv_bn(x, 512, "extra_conv2")
    x = keras.layers.MaxPooling2D(2, name="extra_pool")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    return dense_head(x, (512,), num_classes, dropout=0.0)


VGG16_MODIFIED = register(ModelSpec(
    name="vgg16_modified",
    label="modified VGG16 from scratch (study)",
    description="VGG16's 13 conv layers (BN, no last pooling) + 2 conv + BN + pooling + 2 dense.",
    body=vgg16_modified_body,
    input_size=48,
    channels=1,
    preprocessing="pixels / 255",
    # The last conv layer, Grad-CAM's own choice; a trained model's layer is chosen on
    # validation faces by `fer explain-defaults` and recorded in its config.json.
    gradcam_layer="extra_conv2_relu",
    study_accuracy=0.637,
    options={"batch_norm": True},
    # Adam's default 1e-3 and SGD at 0.01 left it at the majority class on short trials.
    defaults={"learning_rate": 1e-4},
))
