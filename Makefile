# pkfrontd — build and test entry points. `make test` is the one test command (CI runs it).
SHELL := /bin/bash
SWIFT ?= swift
DEBIAN_PACKAGES := libsqlite3-dev libsystemd-dev pkg-config python3

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

# Builds and runs every test.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build
