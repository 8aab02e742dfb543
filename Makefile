# Plan Tracker: `make run` to try it, `make test` to check it, `make serve` to deploy it.
# All set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app tracker
TRANSLATIONS := tracker/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run serve require-secret-key test soak fuzz bench bench-deps browser-deps ldap-deps ledger-deps oidc-deps bulletin-deps sample-bulletin lint format translations extract-messages clean

## run: create .venv, install, migrate and seed the SQLite database under instance/, serve on :5000;
## the first start loads the plan, the demo accounts and the sample history (about 5 s more)
run: $(VENV)/.installed $(COMPILED)
	$(FLASK) db upgrade
	$(FLASK) seed --if-empty --demo
	$(BIN)/python run.py

## serve: the production profile: install, compile the catalogs, migrate, then gunicorn with
## TRACKER_ENV=production (tracker/gunicorn_conf.py: app preloaded, one worker per core, access
## log on stdout) on BIND; WORKERS=N sets the workers. Needs TRACKER_SECRET_KEY, and
## TRACKER_DATABASE_URL for anything but the SQLite file under instance/
BIND ?= 127.0.0.1:8000
WORKERS ?=
serve: export TRACKER_ENV := production
serve: require-secret-key $(VENV)/.installed $(COMPILED)
	$(FLASK) db upgrade
	exec $(BIN)/gunicorn -c python:tracker.gunicorn_conf --bind '$(BIND)' \
		$(if $(strip $(WORKERS)),--workers '$(strip $(WORKERS))') 'tracker:create_app()'

# Checked before anything is built: every app machine must sign sessions with one key.
require-secret-key:
	@if [ -z "$$TRACKER_SECRET_KEY" ]; then \
		echo "make serve: TRACKER_SECRET_KEY is not set. Give every app machine the same key," >&2; \
		echo "made once with: python3 -c 'import secrets; print(secrets.token_hex(32))'" >&2; \
		exit 1; \
	fi

## test: create .venv with the test extras, lint, type-check (mypy, set up in setup.cfg), and run
## the whole suite
test: $(VENV)/.installed-test $(COMPILED) browser-deps bench-deps ledger-deps ldap-deps oidc-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

## soak: gunicorn with 4 workers, 20 clients mixing every kind of write for SOAK_SECONDS on
## SQLite and on the local PostgreSQL; fails on any 5xx or any accepted write not in the database
SOAK_SECONDS ?= 60
soak: $(VENV)/.installed-test $(COMPILED)
	$(BIN)/python -m tests.soak --seconds $(SOAK_SECONDS)

## fuzz: schemathesis (every check; examples, coverage, fuzzing and stateful phases) against
## gunicorn, with new random seeds for FUZZ_SECONDS on SQLite and again on the local PostgreSQL;
## each failing seed is printed, to replay with `python -m tests.contract --seed N`
FUZZ_SECONDS ?= 300
fuzz: $(VENV)/.installed-test $(COMPILED)
	$(BIN)/python -m tests.contract --seconds $(FUZZ_SECONDS) --max-examples 100

## bench: gunicorn with 2 workers on SQLite and (when reachable) the local PostgreSQL, each page
## driven by wrk for BENCH_SECONDS at the seed size and at 13 items × 200 milestones × 200,000
## history rows: req/s, × /healthz, p50/p99, bytes per answer, SQL statements per request, cold
## requests after a write and API report submissions; prints a table and the targets of issue 12
## met or not, writes bench/results.json; fails only on figures not to be believed (a page not
## answered 200, bytes per answer far from the page: a redirect to /login; non-2xx answers)
BENCH_SECONDS ?= 5
bench: $(VENV)/.installed-test $(COMPILED) bench-deps
	$(BIN)/python -m tests.bench --seconds $(BENCH_SECONDS)

## bench-deps: Debian's wrk for the bench (and its smoke run in `make test`); installed with
## apt-get when missing
WRK := /usr/bin/wrk
bench-deps:
	@if [ ! -x $(WRK) ]; then \
		echo "Installing Debian's wrk for the bench"; \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			-o Dpkg::Use-Pty=0 --no-install-recommends wrk >/dev/null; \
	fi

## browser-deps: Debian's Chromium and CJK fonts for tests/browser (Playwright drives
## /usr/bin/chromium and never downloads a browser); installed with apt-get when missing
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
browser-deps:
	@if [ ! -x $(CHROMIUM) ] || [ ! -e $(CJK_FONT) ]; then \
		echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			-o Dpkg::Use-Pty=0 --no-install-recommends chromium fonts-noto-cjk >/dev/null; \
	fi

## ldap-deps: Debian's OpenLDAP server (slapd, slapadd), ldap-utils and openssl (the StartTLS
## certificate), for the LDAP sign-in tests: each test run starts its own slapd on a free local
## port (tests/directory_servers.py);
## installed with apt-get when missing (the package also starts a system slapd on port 389,
## which the tests do not use)
SLAPD := /usr/sbin/slapd
LDAPSEARCH := /usr/bin/ldapsearch
OPENSSL := /usr/bin/openssl
ldap-deps:
	@if [ ! -x $(SLAPD) ] || [ ! -x $(LDAPSEARCH) ] || [ ! -x $(OPENSSL) ]; then \
		echo "Installing Debian's slapd, ldap-utils and openssl for the LDAP sign-in tests"; \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			-o Dpkg::Use-Pty=0 --no-install-recommends slapd ldap-utils openssl >/dev/null; \
	fi

## ledger-deps: Debian's LibreOffice Calc (headless) and poppler-utils, for the slow test that
## prints the ledger to PDF and reads it back; installed with apt-get when missing
SOFFICE := /usr/bin/soffice
PDFTOTEXT := /usr/bin/pdftotext
ledger-deps:
	@if [ ! -x $(SOFFICE) ] || [ ! -x $(PDFTOTEXT) ]; then \
		echo "Installing Debian's libreoffice-calc-nogui and poppler-utils for the ledger test"; \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			-o Dpkg::Use-Pty=0 --no-install-recommends libreoffice-calc-nogui poppler-utils >/dev/null; \
	fi

## oidc-deps: the OpenID Connect provider the sign-in tests start (oidc-provider from npm, run
## by Node), installed from tests/oidc/package-lock.json with `npm ci` when missing
OIDC_PROVIDER := tests/oidc/node_modules/oidc-provider
oidc-deps:
	@if [ ! -d $(OIDC_PROVIDER) ]; then \
		echo "Installing oidc-provider (npm ci in tests/oidc) for the OpenID Connect tests"; \
		npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error; \
	fi

## bulletin-deps: Debian's LibreOffice Writer (headless) and poppler-utils, to print a bulletin
## (.docx) to PDF and its first page to PNG; installed with apt-get when missing
WRITER := /usr/lib/libreoffice/program/libswlo.so
PDFTOPPM := /usr/bin/pdftoppm
bulletin-deps:
	@if [ ! -x $(SOFFICE) ] || [ ! -e $(WRITER) ] || [ ! -x $(PDFTOPPM) ]; then \
		echo "Installing Debian's libreoffice-writer-nogui and poppler-utils for the sample bulletin"; \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			-o Dpkg::Use-Pty=0 --no-install-recommends libreoffice-writer-nogui poppler-utils >/dev/null; \
	fi

## sample-bulletin: the bulletin of SAMPLE_MONTH (2021-06) of SAMPLE_PLAN (shinan-2020) from the
## database the app is configured with (TRACKER_DATABASE_URL; load the lived-through demo
## history first), written to docs/sample-bulletin-<month>.docx with a PNG of its first page
## (LibreOffice prints it to PDF, pdftoppm draws page 1). Like every bulletin it is kept in that
## database's history of bulletins.
SAMPLE_PLAN ?= shinan-2020
SAMPLE_MONTH ?= 2021-06
SAMPLE := docs/sample-bulletin-$(SAMPLE_MONTH)
sample-bulletin: $(VENV)/.installed $(COMPILED) bulletin-deps
	mkdir -p docs
	$(FLASK) bulletin --plan '$(SAMPLE_PLAN)' --month '$(SAMPLE_MONTH)' -o '$(SAMPLE).docx'
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
		$(SOFFICE) --headless --norestore "-env:UserInstallation=file://$$scratch/profile" \
			--convert-to pdf --outdir "$$scratch" '$(SAMPLE).docx' >/dev/null && \
		$(PDFTOPPM) -png -r 110 -f 1 -l 1 -singlefile "$$scratch/$$(basename '$(SAMPLE)').pdf" '$(SAMPLE)' && \
		echo "Wrote $(SAMPLE).docx and $(SAMPLE).png"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## translations: compile the message catalogs (the .mo files are build output, not in git)
translations: $(COMPILED)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

## extract-messages: refresh messages.pot and merge it into every catalog after editing UI text
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F $(TRANSLATIONS)/babel.cfg -k _l -k lazy_gettext -o $(TRANSLATIONS)/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache $(COMPILED)
