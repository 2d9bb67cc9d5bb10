# Quick start: `make demo` and `make test` work on a fresh machine with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-bombs bench-success bench-secrets bench-verify mutation samples clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "need Python 3.11 or newer (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	@echo "== apiforensics ingest sample_logs/"; $(BIN)/apiforensics ingest sample_logs/ || true
	@echo; echo "== apiforensics bruteforce sample_logs/"; $(BIN)/apiforensics bruteforce -q sample_logs/ || true
	@echo; echo "== apiforensics takeover --next-events 10 sample_logs/"; \
		$(BIN)/apiforensics takeover -q --next-events 10 sample_logs/ || true
	@echo; echo "== apiforensics timeline --request-id req-7f3a9c2e-compromise sample_logs/"; \
		$(BIN)/apiforensics timeline -q --request-id req-7f3a9c2e-compromise sample_logs/ || true
	@echo; echo "== apiforensics scan-secrets sample_logs/"; $(BIN)/apiforensics scan-secrets -q sample_logs/ || true
	@echo; echo "== apiforensics gaps sample_logs/"; $(BIN)/apiforensics gaps -q sample_logs/ || true
	@echo; echo "== apiforensics verify --manifest (the manifest written by: gaps --manifest)"; \
		case=$$(mktemp -d); $(BIN)/apiforensics gaps -q sample_logs/ --manifest $$case/manifest.json >/dev/null; \
		$(BIN)/apiforensics verify --manifest $$case/manifest.json || true; rm -rf "$$case"
	@echo; echo "== apiforensics report sample_logs/ -o demo-report/incident.html"; mkdir -p demo-report; \
		$(BIN)/apiforensics report -q sample_logs/ -o demo-report/incident.html || true; \
		echo "the incident report: $(CURDIR)/demo-report/incident.html (open it in a browser)"

lint: $(STAMP)
	$(BIN)/ruff check forensics_cli tests benchmarks tools

test: lint
	$(BIN)/python -m pytest

# mutation testing of the modules listed under [tool.mutmut] in pyproject.toml (slow; not in CI)
mutation: $(STAMP)
	$(BIN)/pip install --quiet 'mutmut>=3.2'
	$(BIN)/mutmut run; $(BIN)/mutmut results | tail -40

bench-bombs: $(STAMP)
	$(BIN)/python benchmarks/bombs.py

bench-success: $(STAMP)
	$(BIN)/python benchmarks/success_join.py

# recall and precision on gitleaks' and detect-secrets' labelled examples, beside both peers
bench-secrets: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/secret_corpus.py --update-doc

# verify: a hash chain of 1M lines, a week of CloudTrail digests, a manifest re-check beside sha256sum -c
bench-verify: $(STAMP)
	$(BIN)/python benchmarks/verify_bench.py

bench: bench-secrets bench-verify
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/run.py

samples: $(STAMP)
	rm -rf sample_logs && $(BIN)/python -m forensics_cli.samples sample_logs

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache demo-report
