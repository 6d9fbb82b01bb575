# staticd: build, serve, test.
#   make            build the static release binary (target/release/staticd)
#   make run        serve ROOT (default .) on PORT (default 8080)
#   make test       formatting, lints, unit and integration tests
#   make size       print the binary's size and linkage
#   make strace     print system calls per request (needs strace)
#   make bench      requests/s and CPU per request next to nginx (needs wrk, nginx)
#   make load       wrk with 1,000 and 10,000 connections: errors, non-2xx, flat RSS (needs wrk)
#   make fuzz       10,000,000 mutated inputs through the parsers (STATICD_FUZZ_ITERS, _SEED)

ROOT ?= .
PORT ?= 8080
BIN  := target/release/staticd
CARGO ?= cargo

.PHONY: all build run test size strace bench load fuzz clean

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

load:
	$(CARGO) test --release --test faults -- --ignored --nocapture wrk_with_thousands_of_connections

fuzz:
	STATICD_FUZZ_ITERS=$${STATICD_FUZZ_ITERS:-10000000} $(CARGO) test --release --test fuzz -- --nocapture

clean:
	$(CARGO) clean
