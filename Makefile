# pkfrontd — build and test entry points. `make test` is the one test command (CI runs it).
SHELL := /bin/bash
SWIFT ?= swift
DEBIAN_PACKAGES := libsqlite3-dev libsystemd-dev pkg-config python3 systemd systemd-container util-linux

.PHONY: all deps build test clean

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
test: deps
	$(SWIFT) build --build-tests
	Tests/system/run-all.sh

clean:
	rm -rf .build
