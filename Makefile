# Both targets bootstrap .venv themselves, so a fresh clone needs nothing else.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check clean bench bench-moderation messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/veche serve --demo --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

# Translations (docs/translating.md): the strings in code, templates and scripts into the
# template catalog, then merged into each language's catalog. Offline; `make test` needs none.
LOCALES := src/veche/locale
KEYWORDS := -k _ -k N_ -k gettext -k ngettext:1,2 -k pgettext:1c,2 -k npgettext:1c,2,3 -k lazy_gettext -k t -k tn:1,2
messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output --no-wrap -F babel.cfg $(KEYWORDS) \
		--project=veche -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -i $(LOCALES)/messages.pot -d $(LOCALES)

# Benchmarks (bench/README.md): not tests, not part of `make test`. Isso gets its own venv
# so its dependencies never mix with veche's; py-spy (a standalone binary) lives there too.
ISSO_VENV := bench/.venv-isso
ISSO_STAMP := $(ISSO_VENV)/.installed
BENCH_ARGS ?=

$(ISSO_STAMP):
	test -x $(ISSO_VENV)/bin/python || $(PY) -m venv $(ISSO_VENV)
	$(ISSO_VENV)/bin/pip install --quiet 'isso==0.14.0' 'gunicorn>=22' 'py-spy>=0.3.14'
	touch $(ISSO_STAMP)

bench: $(STAMP) $(ISSO_STAMP)
	@command -v wrk >/dev/null && test -x /usr/sbin/nginx || \
		{ echo "make bench needs wrk and nginx: apt-get install -y wrk nginx-light"; exit 1; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The moderation report (bench/moderation/report.py) compares with alt-profanity-check, an
# English linear model, installed apart from veche like Isso; without it the peer is skipped.
PROFANITY_VENV := bench/.venv-profanity
PROFANITY_STAMP := $(PROFANITY_VENV)/.installed

$(PROFANITY_STAMP):
	test -x $(PROFANITY_VENV)/bin/python || $(PY) -m venv $(PROFANITY_VENV)
	$(PROFANITY_VENV)/bin/pip install --quiet 'alt-profanity-check==1.9.1'
	touch $(PROFANITY_STAMP)

bench-moderation: $(STAMP)
	-$(MAKE) $(PROFANITY_STAMP)
	$(BIN)/python -m bench.moderation.report $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
