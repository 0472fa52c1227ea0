# PlanQA: `make run` starts the web app, `make test` runs the test suite. Both set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup prepare lint clean

run: prepare
	$(PY) -m ui --host 127.0.0.1 --port 7860

test: prepare
	$(PY) -m pytest

setup: $(STAMP)

# Reinstalls only when requirements.txt changes. torch is pinned to the local CPU wheel and
# installed first, so nothing pulls a CUDA build.
$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# Builds the corpus, the offline embedding model and the index when missing or stale (fast when current).
prepare: setup
	$(PY) -m index prepare

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf data reports screenshots
