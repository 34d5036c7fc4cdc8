# Syndication Archive — set-up, demo and tests.
# Two virtual environments: .venv (the project, Prefect, Datasette) and .venv-tools (pywb,
# cdxj-indexer, wacz: interop programs the tests drive; pywb cannot share a venv with Prefect).
# Every installed version is pinned: constraints.txt (.venv) and tools-constraints.txt
# (.venv-tools) hold the whole resolved set, pip included; `make lock` regenerates both from
# pyproject.toml and tools-requirements.txt in throw-away venvs.
PY ?= python3
VENV := .venv
TOOLS := .venv-tools
BIN := $(VENV)/bin
PIP_VERSION := 26.3
PIPQ := --quiet --disable-pip-version-check
PIPFILTER := 2>&1 | grep -v -E "^WARNING: Location .* is ignored|^$$" || true
# the modules every stage leans on are held to mypy --strict besides the whole library's check
STRICT := archive/index archive/model.py archive/config archive/errors.py

.PHONY: all setup tools browser replaywebpage demo test stress-test schedule mypy lock clean system

all: test

$(BIN)/archive: pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install $(PIPQ) pip==$(PIP_VERSION) $(PIPFILTER)
	$(BIN)/pip install $(PIPQ) -c constraints.txt -e '.[dev]' $(PIPFILTER)
	@$(BIN)/python -c "import archive, httpx, warcio, trafilatura, prefect, datasette, sqlite_utils, rensa" || (echo "setup failed: a dependency did not import" >&2; exit 1)
	@touch $@

$(TOOLS)/bin/wayback: tools-requirements.txt tools-constraints.txt
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install $(PIPQ) pip==$(PIP_VERSION) $(PIPFILTER)
	$(TOOLS)/bin/pip install $(PIPQ) -c tools-constraints.txt -r tools-requirements.txt $(PIPFILTER)
	@test -x $(TOOLS)/bin/wayback && test -x $(TOOLS)/bin/cdxj-indexer && test -x $(TOOLS)/bin/wacz || (echo "tools venv incomplete" >&2; exit 1)
	@touch $@

setup: $(BIN)/archive
tools: $(TOOLS)/bin/wayback

# Debian's chromium for the browser tests (Playwright drives it by executable_path; it cannot
# download its own browsers here).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null && echo sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium
browser: $(CHROMIUM)

# ReplayWeb.page's ui.js and sw.js (npm registry, pinned) for the snapshot view; not committed.
RWP_VERSION := 2.5.3
RWP_SHA256 := b7d35c39c4da9b7121c5a393911d8675d4cc6f19513c380191e16b086bea812c
RWP := vendor/replaywebpage
$(RWP)/ui.js:
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	mkdir -p $(RWP)/pack
	cd $(RWP)/pack && npm pack --silent replaywebpage@$(RWP_VERSION) >/dev/null
	echo "$(RWP_SHA256)  $(RWP)/pack/replaywebpage-$(RWP_VERSION).tgz" | sha256sum -c --quiet
	tar -xzf $(RWP)/pack/replaywebpage-$(RWP_VERSION).tgz -C $(RWP) --strip-components=1 package/ui.js package/sw.js package/LICENSE
	rm -rf $(RWP)/pack
	@test -s $(RWP)/ui.js && test -s $(RWP)/sw.js || (echo "replaywebpage: ui.js/sw.js missing" >&2; exit 1)
replaywebpage: $(RWP)/ui.js

demo: setup replaywebpage
	$(BIN)/archive demo

test: setup tools browser replaywebpage
	$(BIN)/mypy
	$(BIN)/mypy --strict --follow-imports=silent $(STRICT)
	ARCHIVE_TOOLS_BIN=$(abspath $(TOOLS))/bin $(BIN)/python -m pytest -q

# The timing-sensitive tests 3 times and the once-flaky one 30 times, with one core kept busy.
stress-test: setup tools browser replaywebpage
	ARCHIVE_TOOLS_BIN=$(abspath $(TOOLS))/bin $(BIN)/python tests/stress.py

# Prefect server + process work pool + worker for the config's schedules; one Ctrl-C stops all.
schedule: setup
	$(BIN)/archive schedule serve

mypy: setup
	$(BIN)/mypy
	$(BIN)/mypy --strict --follow-imports=silent $(STRICT)

# The constraints files, resolved afresh (run after changing a dependency; commit both files).
lock:
	rm -rf .venv-lock .venv-lock-tools
	$(PY) -m venv .venv-lock && .venv-lock/bin/pip install $(PIPQ) pip==$(PIP_VERSION) $(PIPFILTER)
	.venv-lock/bin/pip install $(PIPQ) -e '.[dev]' $(PIPFILTER)
	.venv-lock/bin/pip freeze --exclude-editable 2>/dev/null | grep -v -E "^(WARNING|pip==)" > constraints.txt
	echo "pip==$(PIP_VERSION)" >> constraints.txt
	$(PY) -m venv .venv-lock-tools && .venv-lock-tools/bin/pip install $(PIPQ) pip==$(PIP_VERSION) $(PIPFILTER)
	.venv-lock-tools/bin/pip install $(PIPQ) -r tools-requirements.txt $(PIPFILTER)
	.venv-lock-tools/bin/pip freeze 2>/dev/null | grep -v -E "^(WARNING|pip==)" > tools-constraints.txt
	echo "pip==$(PIP_VERSION)" >> tools-constraints.txt
	rm -rf .venv-lock .venv-lock-tools

clean:
	rm -rf $(VENV) $(TOOLS) data
