"""Inside the network: the feature maps of each convolution block for one face, strongest
channels first, from the full 48x48 down to the last block."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from ..inference import model_input


@dataclass(frozen=True)
class BlockMaps:
    """One block's output: its layer, its size, and its ``top`` strongest channels (k, h, w),
    each scaled to [0, 1], with their channel numbers."""

    layer: str
    size: tuple[int, int]
    channels: np.ndarray
    maps: np.ndarray


def block_outputs(model: keras.Model) -> list[str]:
    """The last activation at each spatial resolution of the model: one per block."""
    found: dict[tuple[int, int], str] = {}
    for layer in model.layers:
        shape = layer.output.shape
        if len(shape) == 4 and isinstance(layer, (keras.layers.Activation, keras.layers.ReLU)):
            found[(shape[1], shape[2])] = layer.name
    return [found[size] for size in sorted(found, reverse=True)]


def feature_maps(model: keras.Model, face: np.ndarray, top: int = 8) -> list[BlockMaps]:
    """For ``face`` (uint8 48x48), each block's ``top`` channels by mean activation."""
    names = block_outputs(model)
    probe = keras.Model(model.inputs, [model.get_layer(n).output for n in names])
    outputs = probe([model_input(face[None])], training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    blocks = []
    for name, output in zip(names, outputs, strict=True):
        maps = keras.ops.convert_to_numpy(output)[0]  # (h, w, c)
        order = np.argsort(-maps.mean(axis=(0, 1)), kind="stable")[:top]
        chosen = np.moveaxis(maps[..., order], -1, 0)
        peak = chosen.max(axis=(1, 2), keepdims=True)
        chosen = np.divide(chosen, peak, out=np.zeros_like(chosen), where=peak > 0)
        blocks.append(BlockMaps(name, maps.shape[:2], order, chosen))
    return blocks
