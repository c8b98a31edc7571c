# Shannon's two commands, on a fresh Debian machine:
#   make demo   install what is missing, build, run the demo
#   make test   install what is missing, build, run every test
# Both wrap Meson; `make sanitize` runs the tests under ASan + UBSan;
# `make fuzz` runs each libFuzzer harness of tests/fuzz for FUZZ_SECONDS.

BUILD    := build
SANITIZE := build-sanitize
FUZZ     := build-fuzz
FUZZ_SECONDS ?= 60
PYTHON   := /usr/bin/python3

# Exactly what the build and the tests need from Debian.
PACKAGES := gcc make meson ninja-build pkg-config check libopenblas-dev \
            zlib1g-dev python3 python3-numpy python3-torch fortunes

# What `make fuzz` adds: libFuzzer comes with clang.
FUZZ_PACKAGES := clang

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps fuzz-deps build demo test sanitize fuzz clean

all: build

# Installs the missing ones of $(1).
define install_missing
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi
endef

deps:
	$(call install_missing,$(PACKAGES))

fuzz-deps: deps
	$(call install_missing,$(FUZZ_PACKAGES))

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

# The last line is the summary over every test that ran: "N passed, N failed".
test: build
	@meson test -C $(BUILD) --print-errorlogs --num-processes 2 >/dev/null 2>&1; \
	$(PYTHON) tests/summarize.py $(BUILD)

sanitize: deps
	@test -f $(SANITIZE)/build.ninja || meson setup $(SANITIZE) --buildtype=debug \
	  -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(SANITIZE)
	@meson test -C $(SANITIZE) --print-errorlogs --num-processes 2 >/dev/null 2>&1; \
	$(PYTHON) tests/summarize.py $(SANITIZE)

# The harnesses of tests/fuzz, built by clang with libFuzzer, ASan and UBSan
# in their own build folder; each runs FUZZ_SECONDS (default 60) from its
# committed seeds plus what earlier runs found (build-fuzz/fuzz-corpus/).
# One line per harness: executions, executions/s, coverage; a finding stops
# it with the input saved as build-fuzz/crash-<harness>-<hash>.
fuzz: fuzz-deps
	@test -f $(FUZZ)/build.ninja || CC=clang meson setup $(FUZZ) --buildtype=plain \
	  -Db_sanitize=address,undefined -Db_lundef=false -Dtests=disabled -Dfuzz=true \
	  "-Dc_args=-O1 -g -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined"
	ninja -C $(FUZZ) fuzzers
	tests/fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(SANITIZE) $(FUZZ)
