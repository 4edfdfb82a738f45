#!/usr/bin/env bash
# The GPU check (issue 21), for a machine with an NVIDIA GPU; about 5 minutes on an H100/H200.
#   bash bench/gpu_check.sh [MNIST_DIR]      (default: ../shared/data/mnist)
# It uses the machine's own python3, numpy and torch (nothing is downloaded: such a machine may
# have no network), runs the tests marked `cuda` (skipped on machines without a GPU, run here),
# then bench/gpu_bench.py, which prints the figures for the README.
set -uo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/mnist}
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 -c 'import sys, numpy, torch; print("python", sys.version.split()[0], "numpy",
numpy.__version__, "torch", torch.__version__, "cuda", torch.version.cuda,
"available", torch.cuda.is_available())' || exit 1
# what the engine needs beyond numpy and torch is imported lazily (platformdirs for the default
# folders, which this check does not use); pytest comes with such images, else skip the tests
if python3 -c 'import pytest' 2>/dev/null; then
  echo "== tests marked cuda (and the together-training tests) =="
  timeout 240 python3 -m pytest -q -p no:cacheprovider -c bench/gpu_pytest.ini --rootdir . \
    -m "cuda or not cuda" tests/engine/test_cuda.py tests/engine/test_together.py
  echo "pytest exit: $?"
else
  echo "pytest is not installed here: the cuda tests were not run"
fi
echo "== benchmarks =="
timeout 330 python3 bench/gpu_bench.py --data "$data"
echo "bench exit: $?"
