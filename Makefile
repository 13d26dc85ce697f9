# TrustLedger — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DIR    ?=
SEEDS  ?= 1000
START  ?= 0
SOAK_S ?= 600
ATTACK_SEEDS ?= 30

.PHONY: venv tools examples pages demo test netns lint typecheck proto fmt bench bench-sm2 sim fuzz soak mutate clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/trustledger demo $(if $(DIR),--dir $(DIR),) $(if $(SUITE),--suite $(SUITE),)

# What the non-Python checks of documented vectors run on (tests/vectors): OpenSSL and
# Node.js, from Debian's packages when missing (npm for the example client's packages).
# Debian's Chromium drives the page tests (tests/pages, Playwright with executable_path:
# Playwright's own browser download needs the internet). Graphviz's `dot` draws
# `audit graph --format svg|png` (docs/auditors.md).
tools:
	@command -v openssl >/dev/null && command -v node >/dev/null && command -v npm >/dev/null && \
		command -v chromium >/dev/null && command -v dot >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq openssl nodejs npm chromium graphviz; }

# The agency client in Node.js (examples/node-verify, tested against a devnet): its
# packages, exactly as locked, from npm.
NODE_EXAMPLE := examples/node-verify
$(NODE_EXAMPLE)/node_modules/.package-lock.json: $(NODE_EXAMPLE)/package-lock.json | tools
	cd $(NODE_EXAMPLE) && npm ci --no-audit --no-fund --loglevel=error
examples: $(NODE_EXAMPLE)/node_modules/.package-lock.json

# What the citizen page's browser tests inject (tests/integration/page_support.py): axe-core,
# the accessibility checker, from npm exactly as locked; the page itself needs no npm.
PAGE_CHECKS := tests/pages
$(PAGE_CHECKS)/node_modules/.package-lock.json: $(PAGE_CHECKS)/package-lock.json | tools
	cd $(PAGE_CHECKS) && npm ci --no-audit --no-fund --loglevel=error
pages: $(PAGE_CHECKS)/node_modules/.package-lock.json

test: $(STAMP) tools examples pages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q

# Only the devnet over Linux network namespaces (tests/netns, part of `test` too; needs
# root, else skipped): 40-55 s on a loaded 2-core machine.
netns: $(STAMP)
	$(PY) -m pytest -q -m netns tests/netns

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

proto: $(STAMP)
	$(PY) proto/generate.py

# SUITE= picks the chains' suite for bench/run.py: sm2-sm3, ed25519-sha256 (the default), or
# all (each on a devnet of its own, then the two side by side); docs/benchmarks.md.
# bench/verify.py takes one suite: SUITE's, or its default for all or a list.
COMMA := ,
VERIFY_SUITE = $(if $(filter all,$(SUITE)),,$(if $(findstring $(COMMA),$(SUITE)),,$(SUITE)))
bench: $(STAMP)
	$(PY) bench/suites.py
	$(PY) bench/suite_chain.py
	$(PY) bench/run.py $(if $(SUITE),--suite $(SUITE),) $(BENCH_ARGS)
	$(PY) bench/verify.py $(if $(VERIFY_SUITE),--suite $(VERIFY_SUITE),)
	$(PY) bench/presentations.py
	$(PY) bench/pages.py
	$(PY) bench/catalogue.py
	$(PY) bench/anchoring.py
	$(PY) bench/state_proofs.py

# Issue 18: the SM2 packages on PyPI against the standard's vector, each other, and Ed25519
# (bench/sm2_packages.py), in a scratch venv so the project's own stays as pyproject says.
SM2_VENV := .bench-sm2
bench-sm2:
	test -x $(SM2_VENV)/bin/python || $(PYTHON) -m venv $(SM2_VENV)
	$(SM2_VENV)/bin/pip install -q pynacl gmssl-pyx gmssl-fast tongsuopy
	$(SM2_VENV)/bin/python bench/sm2_packages.py

sim: $(STAMP)
	$(PY) -m tests.sim.run --seeds $(SEEDS) --start $(START) --attack-seeds $(ATTACK_SEEDS)

# Every decoder and entry point, coverage-guided (atheris), 1,000,000 inputs in all
# (FUZZ_INPUTS= to change), then the wallet's REST API from its OpenAPI schema
# (schemathesis, FUZZ_API_EXAMPLES= per operation). docs/fuzzing.md.
FUZZ_INPUTS ?= 1000000
FUZZ_API_EXAMPLES ?= 200
fuzz: $(STAMP)
	$(PY) -m fuzz.run --inputs $(FUZZ_INPUTS)
	$(PY) -m fuzz.api --examples $(FUZZ_API_EXAMPLES)

# A devnet under mixed load while validators and the wallet are killed -9 (bench/soak.py):
# SOAK_S seconds (10 minutes by default), one JSON summary, exit 1 on any violation.
soak: $(STAMP)
	$(PY) bench/soak.py --seconds $(SOAK_S) $(SOAK_ARGS)

# Mutation testing (mutmut) of the modules in mutation/modules.toml, each against its own
# tests; MODULE=consensus/viewchange.py for one; MUTATE_JOBS mutants at once. Writes the
# table in docs/mutation.md. Not part of `test`.
MODULE ?=
MUTATE_JOBS ?= 2
mutate: $(STAMP)
	$(PY) -m mutation.run --jobs $(MUTATE_JOBS) $(MODULE)

clean:
	rm -rf $(VENV) .mutation .pytest_cache .mypy_cache .ruff_cache *.egg-info fuzz/crashes
