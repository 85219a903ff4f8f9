# The two commands of the README: `make demo` and `make test`.
# Each creates .venv when it is missing and installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test docs bench clean

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
	$(PY) benchmarks/demo.py --out demo-out

test: $(VENV)/.installed-test
	$(PY) -m pytest

$(VENV)/.installed-docs: pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[docs]"
	touch $@

docs: $(VENV)/.installed-docs
	$(PY) -m sphinx -W -b html docs docs/_build/html

bench: | $(PY)
	$(PY) -m pip install -e ".[bench,test]"

clean:
	rm -rf $(VENV) demo-out build *.egg-info docs/_build docs/auto_examples docs/generated docs/_generated docs/sg_execution_times.rst
