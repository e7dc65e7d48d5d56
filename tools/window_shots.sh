#!/bin/sh
# The README's window screenshots of issue 20, on offscreen screens of the sizes people have:
# run from the repository root with the venv's ckpt-browser on PATH (or BIN=.venv/bin).
set -e
BIN=${BIN:-.venv/bin}
export CKPT_BROWSER_CONFIG_DIR=$(mktemp -d)
work=$(mktemp -d)
mkdir -p "$work/models" "$work/runs/sweep"
cp -r tests/data/estimator/iris "$work/models/iris"
cp -r tests/data/estimator/iris "$work/runs/iris"
for d in dnn_classifier_adam_bn dnn_regressor_rmsprop linear_regressor_sgd; do
  cp -r "tests/data/estimator/canned/$d" "$work/runs/sweep/$d"
done
shot() {  # screen, output, arguments...
  screen=$1; out=$2; shift 2
  QT_QPA_PLATFORM="offscreen:configfile=$PWD/tests/data/offscreen-$screen.json" \
    "$BIN/ckpt-browser" "$@" --screenshot "docs/$out"
}
for screen in 1366x768 1920x1080-150 1920x1080-200 2560x1440; do
  shot "$screen" "screen-$screen.png" "$work/models/iris" --select dnn/hiddenlayer_0/kernel --tab plot
done
shot 1920x1080 dark.png "$work/models/iris" --select dnn/hiddenlayer_0/kernel --tab history --theme dark
shot 1920x1080 runs.png "$work/runs" --tab scalars
QT_QPA_PLATFORM="offscreen:configfile=$PWD/tests/data/offscreen-1920x1080.json" \
  "$BIN/python" tools/graph_shot.py "$work/models/iris" docs/graph-features.png
rm -rf "$work" "$CKPT_BROWSER_CONFIG_DIR"
