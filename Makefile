# staticd: build, serve, test.
#   make            build the static release binary (target/release/staticd)
#   make run        serve ROOT (default .) on PORT (default 8080)
#   make test       formatting, lints, unit and integration tests
#   make size       print the binary's size and linkage
#   make strace     print system calls per request (needs strace)
#   make bench      requests/s and CPU per request next to nginx (needs wrk, nginx)

ROOT ?= .
PORT ?= 8080
BIN  := target/release/staticd
CARGO ?= cargo

.PHONY: all build run test size strace bench clean

all: build

build:
	$(CARGO) build --release

run: build
	$(BIN) --listen 0.0.0.0:$(PORT) $(ROOT)

test:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) build --release
	$(CARGO) test

size: build
	@stat -c '%n: %s bytes' $(BIN)
	@file $(BIN)

strace:
	$(CARGO) test --release --test strace -- --ignored --nocapture report_syscalls_per_request

bench: build
	tests/bench.sh

clean:
	$(CARGO) clean
