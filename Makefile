# The README's commands. Each creates .venv on first use and installs the package into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast fuzz demo lint bench package install-desktop clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (set PYTHON=...)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[tf,test]"
	@touch $(STAMP)

run: $(STAMP)  ## open the app on the bundled example model_dirs
	$(BIN)/ckpt-browser --demo

test: $(STAMP)  ## lint and type-check, then the whole suite, headless (what CI runs)
	$(BIN)/ruff check ckpt_browser tests benchmarks
	$(BIN)/ruff format --check ckpt_browser tests benchmarks
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

test-fast: $(STAMP)  ## everything but the slow tests (the PyInstaller build)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m "not slow"

fuzz: $(STAMP)  ## long runs: >100,000 bad inputs (tests/fuzz), thousands of random checkpoints by TensorFlow
	HYPOTHESIS_PROFILE=fuzz QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/fuzz tests/core/test_bundle_props.py

lint: $(STAMP)
	$(BIN)/ruff check ckpt_browser tests benchmarks
	$(BIN)/ruff format --check ckpt_browser tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

package: $(STAMP)  ## one-folder desktop app in dist/ckpt-browser/ (about 2.5 min, 1.7 GB)
	$(BIN)/pyinstaller --noconfirm --clean packaging/pyinstaller.spec
	@du -sh dist/ckpt-browser

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
	rm -rf $(VENV) build dist .pytest_cache
