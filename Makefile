# seawall's build, tests and demo. `make test` and `make demo` install the
# packages they need (scripts/deps.sh) when run as root on Debian or Ubuntu.

GO ?= go
BIN := bin
COMMANDS := ./cmd/seawall ./cmd/seawall-runtime ./cmd/seawall-hook

.PHONY: all build deps test unit e2e lint demo bench install uninstall clean

all: build

build:
	$(GO) build -o $(BIN)/ $(COMMANDS)

deps:
	bash scripts/deps.sh

lint:
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then \
		echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# The end-to-end tests in test/ need root, runc, crun and podman.
test: deps lint
	$(GO) test -count=1 ./...

unit:
	$(GO) test ./internal/... ./shim/... ./hook/... ./profiles/... ./cmd/...

e2e: deps
	$(GO) test -count=1 -v ./test/

demo: deps build
	bash scripts/demo.sh

# seawall install copies the binaries, the hook definitions, the containers.conf
# drop-in and the node files; INSTALL_FLAGS passes options such as --root DIR or
# --default-runtime.
install: build
	$(BIN)/seawall install $(INSTALL_FLAGS)

uninstall: build
	$(BIN)/seawall uninstall $(INSTALL_FLAGS)

clean:
	rm -rf $(BIN)

# Timings go to stdout; docs/benchmarks.md records one run.
bench: deps build
	bash scripts/bench.sh
