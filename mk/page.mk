# The atlas page, included by the Makefile:
#   make page     re-render OUT's index.html from OUT's own files (no rebuild)
#   make serve    serve OUT's page and the dbt docs site (target/) on localhost; Ctrl-C stops it
#   make browser  install Debian's chromium when /usr/bin/chromium is missing (root, apt-get)
#   make test-page  the page's browser tests alone (tests/page)
# The browser tests also run under `make pytest` / `make test`, which therefore install
# requirements-page.txt (Playwright) and the browser first.

CHROMIUM ?= /usr/bin/chromium

.PHONY: page serve browser venv-page test-page

page: venv
	@$(TRACE_ATLAS) page

# The docs site is generated first when target/ has none.
serve: venv $(if $(wildcard target/index.html),,docs)
	@$(TRACE_ATLAS) serve

browser:
	@if [ -x '$(CHROMIUM)' ]; then echo "browser: $(CHROMIUM) is installed"; \
	else apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; fi

venv-page: $(VENV)/.installed-page

$(VENV)/.installed-page: requirements-page.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-page.txt
	@touch $@

test-page: venv-page browser
	$(PY) -m pytest tests/page

# tests/page is part of the DuckDB pytest suite.
pytest: venv-page browser
