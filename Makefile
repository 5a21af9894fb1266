# Tessera — every entry point a user or CI needs.
#   make run    install what is missing, build (release), run the main job on a bundled real scan
#   make test   install what is missing, run the whole test suite
#   make bench-io / bench-train / bench-codec / bench / bench-batch   benchmarks against the peers
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
BIN = .build/$(CONFIG)/tessera
SAMPLE = fixtures/scans/leptonica-pageseg2.tif
OUT = bench-out/run

# System packages the build and the tests need (Debian names).
DEPS = libtiff-dev libpng-dev libturbojpeg0-dev zlib1g-dev pkg-config libjs-leaflet
# Peers some tests run against: nginx serves .tess files for the remote-file tests; headless
# Chromium drives the viewer (tests/browser/viewer_test.py).
TEST_DEPS = nginx-light chromium chromium-driver
# Peers the benchmarks compare against, and the tools the reference scripts use.
BENCH_DEPS = libvips-tools libtiff-tools libopenjp2-tools libjxl-tools libjpeg-turbo-progs webp zstd xz-utils time
# The tile servers and the load generator make bench-serve compares against and uses.
SERVE_DEPS = iipimage-server nginx-light wrk libvips-tools

.PHONY: run test test-deps test-browser build deps install bench-deps bench bench-io bench-train bench-codec bench-batch bench-rd bench-levels serve-deps bench-serve clean

# $(call apt_install,PACKAGES,ON FAILURE): apt-get install those of PACKAGES not installed yet
# (as root, or with sudo); ON FAILURE runs when that fails.
apt_install = missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || \
	  { $(2); }; \
	fi

deps:
	@$(call apt_install,$(DEPS),exit 1)

bench-deps: deps
	@$(call apt_install,$(BENCH_DEPS),echo "some peers could not be installed; the benchmarks will say which are missing")

# The Swift runtime is linked statically: a region decode is a short-lived
# process, and dynamic loading of Foundation cost about a third of it.
BUILDFLAGS = -c $(CONFIG) --static-swift-stdlib

build: deps
	$(SWIFT) build $(BUILDFLAGS) --product tessera
	$(SWIFT) build $(BUILDFLAGS) --product tessera-bench

run: build
	@bash bench/run-main-job.sh $(BIN) $(SAMPLE) $(OUT)

# Tests run on a release build (with testability): codebook training and whole-corpus
# decoding are 20-50x slower in a debug build. Its own build folder, so that it and
# the plain release build of `make run` / the benchmarks never rebuild each other.
TESTFLAGS = -c release -Xswiftc -enable-testing --scratch-path .build-test
TEST_BIN = .build-test/release/tessera

# Python tools some tests run (skipped with a message when they cannot be installed).
PY_TEST_DEPS = iiif-validator selenium numpy pillow

test-deps: deps
	@$(call apt_install,$(TEST_DEPS),echo "could not install$$missing: the tests that need it will be skipped")
	@python3 -c "import iiif_validator, selenium, numpy, PIL" 2>/dev/null || pip install -q $(PY_TEST_DEPS) 2>/dev/null || \
	  echo "could not install $(PY_TEST_DEPS): the IIIF validator and browser tests will be skipped"

test: test-deps
	$(SWIFT) build $(TESTFLAGS) --build-tests
	$(SWIFT) test $(TESTFLAGS) --skip-build --disable-swift-testing 2>&1 | tee .build-test/test.log | grep -vE "^Test Case '.*' (started|passed)"; \
	  status=$${PIPESTATUS[0]}; \
	  echo; grep -E "Executed [0-9]+ tests" .build-test/test.log | tail -1; \
	  if [ -x /usr/bin/chromedriver ] && python3 -c "import selenium, numpy, PIL" 2>/dev/null; then \
	    python3 tests/browser/viewer_test.py --tessera $(TEST_BIN) --out reports/browser || status=1; \
	  else echo "browser test skipped: chromium-driver or selenium is not installed"; fi; \
	  exit $$status

# The viewer in a real browser alone (make test runs it too): headless Chromium drives /view/ID
# of `tessera serve` on the test build's binary (built first when missing) and checks tiles,
# console, requests and full-resolution pixels; screenshots in reports/browser.
test-browser: test-deps
	@[ -x $(TEST_BIN) ] || $(SWIFT) build $(TESTFLAGS) --product tessera
	python3 tests/browser/viewer_test.py --tessera $(TEST_BIN) --out reports/browser

bench-io: bench-deps build
	@bash bench/bench-io.sh $(BIN)

bench-train: build
	@bash bench/bench-train.sh $(BIN)

# The main benchmark (issue 5): Tessera vs libvips, OpenJPEG, JPEG XL and libjpeg-turbo on a
# gigapixel grey mosaic and a 150 MP colour one. BENCH_QUICK=1: a small version; BENCH_BIG=1:
# also the 4x larger mosaic (flat memory). See bench/bench-main.sh.
bench: bench-deps build
	@bash bench/bench-main.sh $(BIN)

# Codec figures (issue 4): the entropy coder vs zstd -19 / xz -9 on real index maps, and
# bits per pixel with PSNR at K = 256 and 1024 on a grey document mosaic and the Kodak images.
bench-codec: bench-deps build
	@bash bench/bench-codec.sh $(BIN)

# Resolution levels (issue 15): whole-image and random reduced views, sizes and fidelity against
# a vips pyramidal TIFF (bench/bench_levels.py).
bench-levels: bench-deps build
	@bash bench/bench-levels.sh $(BIN)

serve-deps: bench-deps
	@$(call apt_install,$(SERVE_DEPS),echo "some of$$missing could not be installed; bench-serve will say what is missing")

# Tile serving: tessera serve (cold: --cache-mb 0; warm: the default cache) against iipsrv (vips
# pyramidal TIFF, 2 FastCGI processes behind nginx) and nginx serving vips dzsave tiles, with wrk
# over one list of random tiles; and tessera's RSS with 100 files open (bench/bench_serve.py).
# BENCH_QUICK=1: the smaller mosaics, 10 s runs. Results in bench/results/bench-serve.md.
bench-serve: serve-deps build
	@bash bench/bench-serve.sh $(BIN)

# The watch folder's throughput (issue 7): files/s and MP/s with 1 and 2 workers on a folder of
# corpus images, beside compress of the same folder and vips to tiled JPEG TIFF.
bench-batch: bench-deps build
	@python3 bench/bench_batch.py $(BIN)

# Rate-distortion (issue 6): Tessera vs JPEG, JPEG 2000, JPEG XL and WebP on documents, Kodak and
# two mosaics (BD-rate against JPEG, SVG plots), and lossless sizes; report in bench-out/rd/.
bench-rd: bench-deps build
	@python3 bench/bench_rd.py $(BIN)

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the presets (where the CLI looks for
# them: PREFIX/share/tessera/pipelines), bash/zsh/fish completions and a systemd unit for
# `tessera serve`.
PREFIX ?= /usr/local
DESTDIR ?=
install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tessera/pipelines \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tessera
	install -m 644 pipelines/*.yaml pipelines/README.md $(DESTDIR)$(PREFIX)/share/tessera/pipelines/
	$(BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tessera
	$(BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_tessera
	$(BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/tessera.fish
	sed 's|@BINDIR@|$(PREFIX)/bin|' packaging/tessera-serve.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/tessera-serve.service
	@echo "installed tessera in $(DESTDIR)$(PREFIX)"

clean:
	rm -rf .build bench-out
