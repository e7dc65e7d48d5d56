# The README's commands. Each creates .venv on first use and installs the package into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast test-build test-notf test-light test-compat fuzz fuzz-models fuzz-keras fuzz-hdf5 fuzz-tfjs fuzz-rest fuzz-hostile fixtures-torch fixtures-orbax demo lint bench bench-floors package package-lite install-desktop clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (set PYTHON=...)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[tf,test]"
	@touch $(STAMP)

run: $(STAMP)  ## open the app on the bundled example model_dirs
	$(BIN)/ckpt-browser --demo

# Build mode's Estimator tests run scripts with TensorFlow 2.15 + tensorflow-estimator (the last
# TensorFlow with Estimators), in a venv of its own made on first use (tests/tf215.py finds it).
TF215_VENV := .venv-tf215
TF215_PKGS := tensorflow-cpu==2.15.1 tensorflow-estimator==2.15.0 pandas absl-py pyyaml
export CKPT_BROWSER_TF215_PYTHON ?= $(CURDIR)/$(TF215_VENV)/bin/python

$(TF215_VENV)/.installed:
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (set PYTHON=...)" >&2; exit 1; }
	test -x $(TF215_VENV)/bin/python || $(PYTHON) -m venv $(TF215_VENV)
	$(TF215_VENV)/bin/python -m pip install --quiet $(TF215_PKGS)
	@touch $@

test: $(STAMP) $(TF215_VENV)/.installed  ## lint, type-check and find dead code, then the whole suite, headless (what CI runs)
	$(BIN)/ruff check ckpt_browser tests benchmarks
	$(BIN)/ruff format --check ckpt_browser tests benchmarks
	$(BIN)/mypy
	$(BIN)/vulture ckpt_browser tools/vulture_whitelist.py
	$(BIN)/python tools/check_imports.py ckpt_browser
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

test-fast: $(STAMP)  ## everything but the slow tests (the PyInstaller build)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m "not slow"

# Build mode against the whole corpus of public training scripts (tests/data/build): every entry's
# script and changed copy is run up to its first train or save by its writer -- the Estimator
# scripts by .venv-tf215 (make test builds 8 of the entries), the Keras 3 ones by this venv's
# TensorFlow. About 40 builds of 5-15 s each.
test-build: $(STAMP) $(TF215_VENV)/.installed  ## check --build against every script of tests/data/build and its changed copies
	CKPT_BROWSER_BUILD_CORPUS=all QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q tests/core/test_build_corpus.py

# The suite where TensorFlow is not installed (pip install ckpt-browser, no extras), in a venv of its
# own: every reading test runs; tests of restore/run/Fit/signatures (marked tf) are skipped, and so is a
# test whose oracle or writer is TensorFlow; if our reading code asks for TensorFlow, its test fails
# (tests/conftest.py); the light desktop build is made and used (tests/test_package_lite.py). About
# 6 minutes on 2 cores; CI runs its fast part (test-light, below): run the whole before a release and
# when dependencies change.
NOTF := .venv-notf
test-notf:
	@test -x $(NOTF)/bin/python || $(PYTHON) -m venv $(NOTF)
	$(NOTF)/bin/python -m pip install --quiet -e ".[test-light]"
	@! $(NOTF)/bin/python -c "import tensorflow" 2>/dev/null || { echo "$(NOTF) has TensorFlow: rm -rf $(NOTF)" >&2; exit 1; }
	QT_QPA_PLATFORM=offscreen $(NOTF)/bin/python -m pytest -q -p no:cacheprovider

# CI's test of the default install (pip install ckpt-browser: no TensorFlow), a fast part of test-notf
# in the same venv (issue 31): the reading tests -- formats, model_dirs, values, the CLI, the API, the
# window, the first run from an empty home -- and the light desktop build, made and used. A few
# minutes on 2 cores; .ci/run runs it after make test.
NOTF_STAMP := $(NOTF)/.installed
TEST_LIGHT := tests/core tests/keras tests/test_cli.py tests/test_api.py tests/test_bad_input.py \
	tests/test_without_tensorflow.py tests/ui/test_first_run.py tests/ui/test_main_window.py \
	tests/ui/test_screenshot.py tests/test_package_lite.py tests/test_orbax_views.py \
	tests/test_orbax_jax_free.py
$(NOTF_STAMP): pyproject.toml
	@test -x $(NOTF)/bin/python || $(PYTHON) -m venv $(NOTF)
	$(NOTF)/bin/python -m pip install --quiet -e ".[test-light]"
	@! $(NOTF)/bin/python -c "import tensorflow" 2>/dev/null || { echo "$(NOTF) has TensorFlow: rm -rf $(NOTF)" >&2; exit 1; }
	@touch $@
test-light: $(NOTF_STAMP)  ## the reading tests and the light desktop build where TensorFlow is not installed (CI)
	QT_QPA_PLATFORM=offscreen $(NOTF)/bin/python -m pytest -q -p no:cacheprovider -m "not tf" $(TEST_LIGHT)


# The Orbax fixtures (tests/data/orbax) and their oracles, written by the real writers -- JAX on CPU,
# orbax-checkpoint, Keras with the JAX backend -- in a venv of their own (never the test venv:
# browsing must not need JAX). ORBAX_VENV=/elsewhere keeps the venv out of the tree.
ORBAX_VENV ?= .venv-orbax
ORBAX_PKGS := jax jaxlib orbax-checkpoint keras tensorstore h5py optax
fixtures-orbax: $(STAMP)  ## rewrite tests/data/orbax with JAX, Orbax and Keras (a venv of their own)
	test -x $(ORBAX_VENV)/bin/python || $(PYTHON) -m venv $(ORBAX_VENV)
	$(ORBAX_VENV)/bin/python -m pip install --quiet $(ORBAX_PKGS)
	KERAS_BACKEND=jax JAX_PLATFORMS=cpu $(ORBAX_VENV)/bin/python tests/data/orbax/make_fixtures.py
	$(BIN)/python tests/data/orbax/make_tf_checkpoint.py  # the same model's tf.train.Checkpoint (TensorFlow)

# The tests of what needs TensorFlow (marked tf: restore, run, Fit, signatures, the demo) with the
# newest TensorFlow and with 2.15, the last with Estimators, each in a venv of its own (not in CI:
# it installs two TensorFlows). COMPAT_VENVS=/elsewhere keeps the venvs out of the tree.
COMPAT_VENVS ?= .venv-compat
TF_NEWEST ?= tensorflow
TF_215 ?= tensorflow-cpu==2.15.1 tensorflow-estimator==2.15.0
test-compat:
	@set -e; for v in newest 2.15; do \
	  venv=$(COMPAT_VENVS)/$$v; pkgs='$(TF_NEWEST)'; [ $$v = newest ] || pkgs='$(TF_215)'; \
	  test -x $$venv/bin/python || $(PYTHON) -m venv $$venv; \
	  $$venv/bin/python -m pip install --quiet --upgrade $$pkgs -e ".[test-light]"; \
	  $$venv/bin/python -c 'import tensorflow as t; print("== TensorFlow", t.__version__)'; \
	  QT_QPA_PLATFORM=offscreen $$venv/bin/python -m pytest -q -p no:cacheprovider -m tf; \
	done

# make fuzz: long runs, >100,000 bad inputs (tests/fuzz) and thousands of random checkpoints by
# TensorFlow, as four pytest processes at once: one runs its cases one after the other, and a Keras
# or HDF5 case waits on its HDF5 worker process about a third of the time, so one process leaves a
# core idle. The Keras zip, HDF5 and TF.js layers (fuzz-models: 100,000 cases) and the rest; each
# prints what it tried (their lines interleave; each names its layer), and any finding fails it
# (make -k: the others still run to the end).
FUZZ_PYTEST = HYPOTHESIS_PROFILE=fuzz QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -s -p no:cacheprovider
fuzz: $(STAMP)  ## long runs: >100,000 bad inputs (tests/fuzz), thousands of random checkpoints by TensorFlow
	$(MAKE) --no-print-directory -k -j4 fuzz-keras fuzz-hdf5 fuzz-tfjs fuzz-rest fuzz-hostile

fuzz-models: $(STAMP)  ## the Keras, HDF5 and TF.js layers of make fuzz only (100,000 cases)
	$(MAKE) --no-print-directory -k -j3 fuzz-keras fuzz-hdf5 fuzz-tfjs

fuzz-keras fuzz-hdf5 fuzz-tfjs: $(STAMP)
	$(FUZZ_PYTEST) tests/fuzz/test_fuzz_models.py -k "$(@:fuzz-%=%)"

fuzz-rest: $(STAMP)
	$(FUZZ_PYTEST) tests/fuzz/test_fuzz.py tests/fuzz/test_fuzz_health.py tests/fuzz/test_fuzz_http.py tests/core/test_bundle_props.py \
	  tests/fuzz/test_fuzz_orbax.py

# --dask servers that are no scheduler (silent, garbage, a real handshake then lies) and address
# text; hostile modules in the current folder (the command's and its workers' imports never come
# from there), TensorFlow's fallback worker included. Mostly waiting (deadlines, processes).
fuzz-hostile: $(STAMP)
	$(FUZZ_PYTEST) tests/fuzz/test_fuzz_hostile.py

# tests/data/torch: PyTorch / safetensors files and a BERT TF checkpoint + its Hugging Face conversion,
# by their writers (torch 2.13 CPU, safetensors, transformers < 5) in a venv of their own (not CI);
# TensorFlow (this venv's) writes the TF checkpoint and answers the converter's reads in a child.
TORCH_VENV ?= /work/venvs/torch
fixtures-torch: $(STAMP)
	test -x $(TORCH_VENV)/bin/python || { python3.11 -m venv $(TORCH_VENV) && \
		$(TORCH_VENV)/bin/pip install torch==2.13.0 safetensors 'transformers<5' numpy; }
	cd tests/data/torch && $(TORCH_VENV)/bin/python make_fixtures.py $(CURDIR)/$(BIN)/python && \
		$(TORCH_VENV)/bin/python make_conversions.py $(CURDIR)/$(BIN)/python

lint: $(STAMP)
	$(BIN)/ruff check ckpt_browser tests benchmarks
	$(BIN)/ruff format --check ckpt_browser tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/vulture ckpt_browser tools/vulture_whitelist.py
	$(BIN)/python tools/check_imports.py ckpt_browser

bench: $(STAMP)  ## every benchmark; bench_floors.py first: the README's table (issue 35), BENCH_DATA=DIR for its checkpoints
	@echo "== benchmarks/bench_floors.py"; $(BIN)/python benchmarks/bench_floors.py $(BENCH_DATA) || exit 1
	@for b in benchmarks/bench_*.py; do [ $$b = benchmarks/bench_floors.py ] && continue; echo "== $$b"; $(BIN)/python $$b || exit 1; done

bench-floors: $(STAMP)  ## the README's table alone: each measure with its floor and its peer, in one run
	$(BIN)/python benchmarks/bench_floors.py $(BENCH_DATA)

package: $(STAMP)  ## one-folder desktop app in dist/ckpt-browser/, with TensorFlow (README: size, start-up)
	$(BIN)/pyinstaller --noconfirm --clean packaging/pyinstaller.spec
	@du -sh dist/ckpt-browser

# The light one, from the same spec: built in a venv of its own with `pip install .` (no TensorFlow,
# no test or bucket packages), so it holds what the plain install holds.
LITE := .venv-lite
package-lite:  ## one-folder desktop app without TensorFlow in dist/ckpt-browser-lite/
	@test -x $(LITE)/bin/python || $(PYTHON) -m venv $(LITE)
	$(LITE)/bin/python -m pip install --quiet --upgrade . "pyinstaller>=6.10"
	@! $(LITE)/bin/python -c "import tensorflow" 2>/dev/null || { echo "$(LITE) has TensorFlow: rm -rf $(LITE)" >&2; exit 1; }
	CKPT_BROWSER_EDITION=lite $(LITE)/bin/pyinstaller --noconfirm --clean packaging/pyinstaller.spec
	@du -sh dist/ckpt-browser-lite

# "Open with ckpt-browser" for folders: a .desktop entry and icons for the current user.
# Uses the built app when there is one, else the installed command.
APPS := $(HOME)/.local/share/applications
ICONS := $(HOME)/.local/share/icons/hicolor
install-desktop: $(STAMP)
	@exe="$(CURDIR)/dist/ckpt-browser/ckpt-browser"; [ -x "$$exe" ] || exe="$(CURDIR)/$(BIN)/ckpt-browser"; \
	mkdir -p $(APPS) $(ICONS)/scalable/apps; \
	sed "s|^Exec=ckpt-browser|Exec=$$exe|" resources/ckpt-browser.desktop > $(APPS)/ckpt-browser.desktop; \
	cp resources/icons/ckpt-browser.svg $(ICONS)/scalable/apps/ckpt-browser.svg; \
	for s in 16 24 32 48 64 128 256 512; do mkdir -p $(ICONS)/$${s}x$${s}/apps; \
	  cp resources/icons/ckpt-browser-$$s.png $(ICONS)/$${s}x$${s}/apps/ckpt-browser.png; done; \
	command -v update-desktop-database >/dev/null && update-desktop-database $(APPS) || true; \
	echo "installed $(APPS)/ckpt-browser.desktop (Exec=$$exe)"

clean:
	rm -rf $(VENV) $(NOTF) $(LITE) $(TF215_VENV) .venv-compat build dist .pytest_cache
