# pkfrontd — build and test entry points. `make test` is the one test command (CI runs it).
SHELL := /bin/bash
SWIFT ?= swift
DEBIAN_PACKAGES := libsqlite3-dev libsystemd-dev pkg-config python3 systemd systemd-container util-linux curl tzdata

.PHONY: all deps build test format lint bench bench-check bench-engine clean

all: build

# Installs the Debian packages the build needs, when missing (needs root for apt-get).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "== installing Debian packages:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "== Debian packages present"; fi

build: deps
	$(SWIFT) build

# Builds and runs every test: the Swift suites (in a real-journald sandbox) and the systemd
# checks in Tests/system/ (sd_notify, unit file, catalog, systemd as PID 1 in nspawn).
test: deps lint
	$(SWIFT) build --build-tests
	Tests/system/run-all.sh

# Formats the tree with the toolchain's swift-format (.swift-format: 4 spaces, lines up to 120).
format:
	$(SWIFT) format format -i -r -p Sources Tests Benchmarks Package.swift

# Fails when a file is not formatted as `make format` leaves it (part of `make test`).
lint:
	$(SWIFT) format lint --strict -r -p Sources Tests Benchmarks Package.swift

# Idle-poll benchmark against the anchor (pluralkit.py 1.2.1, installed with pip if missing):
# requests, CPU and memory per poll tick, side by side. Not part of `make test`.
bench: deps
	$(SWIFT) build -c release --product pkfrontd
	python3 Benchmarks/poll_bench.py --pkfrontd .build/release/pkfrontd --seconds 30

# Check time over growing rule files (realistic, unknown variables, deep nesting): linear or not.
bench-check: deps
	$(SWIFT) build -c release --product pkfrontd
	python3 Benchmarks/check_bench.py --pkfrontd .build/release/pkfrontd

# The rule engine: decisions per second for 1 000 rules on one switch and for the 13 examples
# over a 10 000-switch replay. No anchor (no other PluralKit tool has a rule engine).
bench-engine: deps
	$(SWIFT) run -c release engine-bench

clean:
	rm -rf .build
