#!/usr/bin/env bash
# Build gpu_bundle/ (ignored by git): what a GPU machine without TensorFlow needs to train here.
# It holds the Keras wheels such a machine lacks (keras, namex, optree for Python 3.12) and the
# FER2013 image folders (train/ and test/, about 58 MB). See docs/models.md, "Training under JAX on a GPU machine".
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${SHARED_DIR:-../shared}"
rm -rf gpu_bundle
mkdir -p gpu_bundle/fer2013
cp "$shared"/gpu-wheels/*.whl gpu_bundle/
cp -r "$shared"/fer2013/train "$shared"/fer2013/test gpu_bundle/fer2013/
du -sh --apparent-size gpu_bundle
