#!/bin/sh
# The seed project's lessons, measured (docs/tutorial/08-lessons.md):
# pre-LN vs post-LN at two depths, post-LN without warmup, attention without
# the 1/sqrt(d_k) scale, blocks without residual connections (and their
# gradient norms at initialization), sinusoidal vs learned positions. Twelve
# small character-level GPTs trained on tinyshakespeare, one switch apart,
# from the same seed on the same batches (benchmarks/lessons.c), then one
# loss-curve picture per lesson (benchmarks/lessons_svg.py, plain SVG).
#
#   benchmarks/lessons.sh [TEXT [RESULTS_DIR [IMAGES_DIR [ITERS]]]]
#
# Defaults: /work/shared/data/tinyshakespeare.txt, build/lessons,
# docs/tutorial/images, 1000 iterations. Run from the repository root after
# `ninja -C build`; about 40 minutes on one core of a shared machine (each
# 6-layer run about 4.5 minutes, each 2-layer one 1.5):
#   nice -n 5 benchmarks/lessons.sh
set -eu
TEXT=${1:-/work/shared/data/tinyshakespeare.txt}
RESULTS=${2:-build/lessons}
IMAGES=${3:-docs/tutorial/images}
ITERS=${4:-1000}
mkdir -p "$RESULTS"
./build/benchmarks/lessons "$TEXT" "$RESULTS" --iters "$ITERS" --threads 1 | tee "$RESULTS/log.txt"
/usr/bin/python3 benchmarks/lessons_svg.py "$RESULTS" "$IMAGES"
echo "results in $RESULTS (summary.csv, gradnorms.csv, curve_*.csv), pictures in $IMAGES"
