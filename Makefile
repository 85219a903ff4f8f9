# The two commands of the README: `make demo` and `make test`.
# Each creates .venv when it is missing and installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[test]"
	touch $@

$(VENV)/.installed-demo: pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[demo]"
	touch $@

demo: $(VENV)/.installed-demo
	$(PY) benchmarks/demo.py --out docs/figures

test: $(VENV)/.installed-test
	$(PY) -m pytest

bench: | $(PY)
	$(PY) -m pip install -e ".[bench,test]"

clean:
	rm -rf $(VENV) build *.egg-info
