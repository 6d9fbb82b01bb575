# staticd: build, serve, test.
#   make            build the static release binary (target/release/staticd)
#   make run        serve ROOT (default .) on PORT (default 8080)
#   make test       formatting, lints, unit and integration tests
#   make size       print the binary's size and linkage
#   make strace     print system calls per request (needs strace)
#   make bench      requests/s, CPU, memory and syscalls per request next to nginx and a constant responder
#   make load       wrk with 1,000 and 10,000 connections, 30 s each: errors, non-2xx, flat RSS (needs wrk)
#   make fuzz       10,000,000 mutated inputs through the parsers (STATICD_FUZZ_ITERS, _SEED)
#   make image      a FROM scratch image holding only the binary (docker or podman; IMAGE=name)


ROOT ?= .
PORT ?= 8080
BIN  := target/release/staticd
CARGO ?= cargo
IMAGE ?= staticd

# The whole image: the binary, an unprivileged numeric user (a scratch image
# has no /etc/passwd), and a health check that needs no curl. Content is
# mounted at /srv, or copied in by a derived image (FROM staticd, COPY site /srv).
define DOCKERFILE
FROM scratch
COPY staticd /staticd
USER 65534:65534
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/staticd", "--probe"]
ENTRYPOINT ["/staticd"]
CMD ["--listen", "0.0.0.0:8080", "/srv"]
endef
export DOCKERFILE


.PHONY: all build run test size strace bench load fuzz image clean

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
	$(CARGO) test --release --test it -- --ignored --nocapture strace::report_syscalls_per_request

bench: build
	tests/bench.sh

load:
	$(CARGO) test --release --test it -- --ignored --nocapture faults::wrk_with_thousands_of_connections

fuzz:
	STATICD_FUZZ_ITERS=$${STATICD_FUZZ_ITERS:-10000000} $(CARGO) test --release --test it -- --nocapture fuzz::

image: build
	@rm -rf target/image && mkdir -p target/image
	@cp $(BIN) target/image/staticd
	@printf '%s\n' "$$DOCKERFILE" >target/image/Dockerfile
		@if docker info >/dev/null 2>&1; then tool=docker; \
	elif podman info >/dev/null 2>&1; then tool=podman; \
	else echo "make image: no docker engine or podman here; the build context is target/image" \
		"(Dockerfile + staticd, $$(stat -c %s target/image/staticd) bytes: the image's only file)"; exit 0; fi; \
	echo "make image: building $(IMAGE) with $$tool"; \
	$$tool build -t $(IMAGE) target/image && $$tool image ls $(IMAGE)

clean:
	$(CARGO) clean
