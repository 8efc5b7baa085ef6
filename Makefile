# glcnn — `make demo` trains on the real Fashion-MNIST; `make test` runs every test.
# Both install what a fresh Debian 12 machine lacks (idempotently) first.

GO      ?= go
BIN     := ./glcnn
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Build and test needs: cgo toolchain, EGL/GL headers and Mesa (llvmpipe),
# GLFW's X11 headers, xvfb for the GLFW backend test, the real dataset, and
# lavapipe (Mesa's CPU Vulkan driver) under which zink is the second GL driver.
DEB_PKGS := gcc pkg-config libegl-dev libgl-dev libegl-mesa0 libgl1-mesa-dri libglx-mesa0 \
	libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev \
	xvfb xauth dataset-fashion-mnist mesa-vulkan-drivers
# PyTorch (CPU): golden files, the side-by-side benchmark, and the tests that
# load a glcnn model into PyTorch, compare predictions and check its ONNX
# export (python3-onnx: onnx.checker and the graph read back). Installed
# without recommended packages: 187 packages on this project's machine image,
# not 240 (GTK, Qt, GStreamer, VA drivers, build-essential, ...; README,
# "What make test installs, and how long it takes").
TORCH_PKGS := python3-torch python3-numpy python3-onnx

.PHONY: all deps deps-torch build test test-build test-llvmpipe test-zink test-device demo bench bench-compare golden fuzz clean

all: build

# Installs only the missing packages of $(1), with apt-get options $(2);
# does nothing when all are present.
define install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $(2) $$missing; \
	fi
endef

deps:
	$(call install,$(DEB_PKGS))

# DEB_PKGS keep their recommends (gcc's libc6-dev, which cgo needs); the
# torch packages run the tests without theirs.
deps-torch: deps
	$(call install,$(TORCH_PKGS),--no-install-recommends)

build: deps
	$(GO) build -o $(BIN) ./cmd/glcnn

# The whole suite runs twice, with GL error checks on: on llvmpipe and on
# zink over lavapipe (a second GL driver: its own compiler, uniform handling
# and alignments; docs/drivers.md). GLCNN_WANT_RENDERER makes the GL tests
# fail if the override did not take. -count=1: Go's test cache does not see
# the driver's environment variables.
GOTEST := $(GO) test -count=1 -tags gldebug -timeout 60m ./...

# On a fresh machine the torch packages' install (about a minute of dpkg,
# mostly one core) runs side by side with go vet and the build of the test
# binaries (the compiler: -run '^$$' runs nothing), which need only `deps`.
# Then the two drivers' runs go side by side: each alone leaves a core idle
# for a third of its time (one package's shader JIT at a time, links). Each
# target's output is printed whole when it ends (--output-sync); any
# failing fails `make test`.
test: deps
	@$(MAKE) --no-print-directory -j2 --output-sync=target deps-torch test-build
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-llvmpipe test-zink

test-build:
	$(GO) vet ./...
	@echo "== building the test binaries"
	@log=$$(mktemp); $(GO) test -count=1 -tags gldebug -run '^$$' ./... >$$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; rm -f $$log

test-llvmpipe:
	@echo "== tests on llvmpipe"
	LIBGL_ALWAYS_SOFTWARE=1 GLCNN_WANT_RENDERER=llvmpipe $(GOTEST)

test-zink:
	@echo "== tests on zink over lavapipe"
	@rt=$$(mktemp -d); \
	XDG_RUNTIME_DIR=$$rt LIBGL_ALWAYS_SOFTWARE=1 MESA_LOADER_DRIVER_OVERRIDE=zink GLCNN_WANT_RENDERER=zink \
		$(GOTEST); rc=$$?; rm -rf $$rt; exit $$rc

# The suite on whatever GL device EGL finds first (a real GPU, if any).
test-device:
	$(GOTEST)

demo: build
	$(BIN) train
	@echo "outputs: runs/latest/ (metrics.csv, loss.png, accuracy.png, confusion.png, report.txt, model.safetensors, submission.csv)"

bench: build
	$(BIN) bench

bench-compare: deps-torch build
	./scripts/bench_compare.sh

golden: deps-torch
	/usr/bin/python3 layers/testdata/gen_golden.py
	/usr/bin/python3 trainer/testdata/gen_tutorial_golden.py
	/usr/bin/python3 trainer/testdata/gen_lr_schedules.py
	for f in layers/testdata/ops/*.json; do /usr/bin/python3 layers/testdata/gen_op_golden.py --again $$f || exit 1; done

# A short coverage-guided run of each reader's fuzz target.
fuzz: deps
	$(GO) test ./data -run '^$$' -fuzz '^FuzzCSV$$' -fuzztime 30s
	$(GO) test ./data -run '^$$' -fuzz '^FuzzPNG$$' -fuzztime 30s
	$(GO) test ./data -run '^$$' -fuzz '^FuzzIDX$$' -fuzztime 30s

clean:
	rm -f $(BIN)
