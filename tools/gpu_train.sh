#!/usr/bin/env bash
# Train one or more runs at once under Keras' JAX backend on a GPU machine, from gpu_bundle/
# (tools/gpu_bundle.sh). Each quoted argument is one `python -m fer_core train` run, without --data:
#   bash tools/gpu_train.sh OUT "--model fer_vgg --set width=64 --out OUT/models/fer_vgg_w64 \
#       --epochs 100 --set patience=100 --max-minutes 6" ["--model ... --out OUT/models/..."]
# The runs share the GPU (JAX allocates memory as needed instead of taking 75% of it each), so give
# each its own --out and a --max-minutes that ends well inside the machine's time limit.
# On a machine with several GPUs, a run with --set distribution=data_parallel spreads over all of
# them (its batch_size a multiple of their number; docs/models.md): give it the machine alone.
# Each run's log is OUT/logs/<i>.log; the stored models are packed into OUT/models.tar.part-*
# pieces of 15 MB, since a device call returns a few files of at most 16 MiB. Here:
#   cat models.tar.part-* | tar -x    # then move models/<name> into models/
set -uo pipefail
cd "$(dirname "$0")/.."
out="$1"; shift
mkdir -p "$out/logs" "$out/models"
python3 -m pip install -q --no-index --no-deps --target /tmp/fer-site gpu_bundle/*.whl || exit 1
export PYTHONPATH="/tmp/fer-site:$PWD" KERAS_BACKEND=jax PYTHONUNBUFFERED=1
export XLA_PYTHON_CLIENT_PREALLOCATE=false FER_CACHE_DIR=/tmp/fer-cache

pids=()
for i in $(seq 1 $#); do
  # shellcheck disable=SC2086  # a run's arguments are word-split on purpose
  python3 -m fer_core train --data gpu_bundle/fer2013 ${!i} >"$out/logs/$i.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { status=1; echo "run $((i + 1)) failed:"; tail -5 "$out/logs/$((i + 1)).log"; }
done
for log in "$out"/logs/*.log; do  # the bars' carriage returns make a log unreadable raw
  echo "== $log"; tr '\r' '\n' <"$log" | grep -a -E "^(training |epoch [0-9]+/[0-9]+: loss|.*budget|.*test accuracy)" | tail -8
done
(cd "$out" && tar -cf - models | split -b 15M - models.tar.part- && rm -rf models)
ls -l "$out"
exit $status
