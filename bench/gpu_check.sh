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
# The trainer window beside its headless run needs Qt, which such a machine may lack and cannot
# download. GPU_QT_BUNDLE may name a .tar.xz of site/ (PySide6's QtCore, QtGui, QtWidgets, QtSvg,
# QtDBus, QtOpenGL(Widgets) with their Qt libraries, ICU and the offscreen platform plugin;
# shiboken6, pyqtgraph, superqt, qtpy, platformdirs), lib/ (the system libraries those link to)
# and fonts/ (one TTF), made on a machine where the project is installed.
if [ -n "${GPU_QT_BUNDLE:-}" ] && [ -f "$GPU_QT_BUNDLE" ]; then
  echo "== the trainer window while training (offscreen) =="
  qt=$(mktemp -d) && tar xJf "$GPU_QT_BUNDLE" -C "$qt"
  PYTHONPATH="$qt/site:$PYTHONPATH" LD_LIBRARY_PATH="$qt/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    QT_QPA_FONTDIR="$qt/fonts" QT_QPA_PLATFORM=offscreen \
    timeout 150 python3 bench/gui_latency.py --trainer --seconds 15 --epochs 25 --data "$data"
  echo "trainer bench exit: $?"
fi
