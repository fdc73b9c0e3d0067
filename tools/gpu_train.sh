#!/usr/bin/env bash
# Train one family under Keras' JAX backend on a GPU machine, from gpu_bundle/ (tools/gpu_bundle.sh).
#   bash tools/gpu_train.sh OUT_DIR --model fer_vgg [--set width=64 ...]
# The stored model lands in OUT_DIR/models/<name>/; files over 15 MB are split into .part-* pieces
# (join them with `cat model.keras.part-* > model.keras`), since some transfer channels cap file size.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$1"; shift
python3 -m pip install -q --no-index --no-deps --target /tmp/fer-site gpu_bundle/*.whl
export PYTHONPATH="/tmp/fer-site:$PWD" KERAS_BACKEND=jax PYTHONUNBUFFERED=1
export FER_MODELS_DIR="$out/models" FER_CACHE_DIR=/tmp/fer-cache
python3 -m fer_core train --data gpu_bundle/fer2013 "$@"
find "$out/models" -name '*.keras' -size +15M -exec split -b 15M {} {}.part- \; -exec rm {} \;
