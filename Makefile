# staticd: build, serve, test.
#   make            build the static release binary (target/release/staticd)
#   make run        serve ROOT (default .) on PORT (default 8080)
#   make test       formatting, lints, unit and integration tests
#   make size       print the binary's size and linkage
#   make strace     print system calls per request (needs strace)
#   make bench      requests/s, CPU, memory and syscalls per request next to lighttpd, nginx and a constant responder
#   make load       wrk with 1,000 and 10,000 connections, 30 s each: errors, non-2xx, flat RSS (needs wrk)
#   make fuzz       10,000,000 mutated inputs through the parsers (STATICD_FUZZ_ITERS, _SEED)
#   make image      a FROM scratch image holding only the binary (docker, else podman; IMAGE=name)


ROOT ?= .
PORT ?= 8080
BIN  := target/release/staticd
CARGO ?= cargo
IMAGE ?= staticd

# The whole image: the binary, an unprivileged numeric user (a scratch image
# has no /etc/passwd), and a health check that needs no curl. The listen
# address is the default (0.0.0.0:8080) so that STATICD_LISTEN moves both the
# server and the probe. Content is mounted at /srv, or copied in by a derived
# image (FROM staticd, COPY site /srv). tests/oci.rs runs this under runc.
define DOCKERFILE
FROM scratch
COPY staticd /staticd
USER 65534:65534
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/staticd", "--probe"]
ENTRYPOINT ["/staticd"]
CMD ["/srv"]
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

# Docker when its daemon answers, else podman (installed when missing, as
# root with apt-get); podman builds the docker format, as its default OCI
# format has no HEALTHCHECK. Fails unless the image holds exactly one file.
image: build
	@rm -rf target/image && mkdir -p target/image
	@cp $(BIN) target/image/staticd
	@printf '%s\n' "$$DOCKERFILE" >target/image/Dockerfile
	@set -e; \
	if docker info >/dev/null 2>&1; then tool=docker format=; \
	else tool=podman format='--format docker'; \
		if ! command -v podman >/dev/null; then \
			if [ "$$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then \
				echo "make image: no docker daemon and no podman; install one (apt-get install podman)" >&2; exit 1; fi; \
			echo "make image: no docker daemon; installing podman"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman; } >/dev/null; \
		fi; \
	fi; \
	echo "make image: building $(IMAGE) with $$tool"; \
	id=$$($$tool build -q $$format -t $(IMAGE) target/image); \
	echo "image: $(IMAGE) $$id"; \
	$$tool image inspect -f 'size: {{.Size}} bytes' $(IMAGE); \
	$$tool image inspect -f 'healthcheck: {{json .Config.Healthcheck}}' $(IMAGE); \
	c=$$($$tool create --no-healthcheck $(IMAGE)); files=$$($$tool export $$c | tar -t); $$tool rm $$c >/dev/null; \
	echo "files:" $$files; \
	[ "$$files" = staticd ] || { echo "make image: the image should hold only staticd" >&2; exit 1; }

clean:
	$(CARGO) clean
