# wxcard: `make run` starts the local server (Go only), `make test` is what
# CI runs. `make test` installs what it needs first (`make provision`): npm ci
# when node_modules is older than package-lock.json, redis-server, chromium,
# wrk and a CJK font with apt-get when run as root on Debian (otherwise it
# stops naming the install command), and the Go tools into $(TOOLS). Under
# it, tests that need redis-server, Chromium or workerd fail instead of
# skipping when those are missing (WXCARD_REQUIRE_SERVICES=1).
#
# Each part keeps its own targets in mk/<part>.mk and registers them here
# through these variables, so parts can land without touching this file:
#   TEST_TARGETS   run by `make test` after the Go tests
#   BENCH_TARGETS  run by `make bench`; each writes Go-benchmark-format lines
#                  ("BenchmarkName N value unit ...") to $(BENCH_DIR)/<name>.txt
#   FUZZ_TARGETS   "./pkg:FuzzName" pairs, each fuzzed for $(FUZZTIME) by
#                  `make fuzz` (`make test` runs only their seed corpora,
#                  as plain go test does)
#   CROSS_JS       packages cross-built with GOOS=js GOARCH=wasm by `make check`
#   CROSS_WASIP1   packages cross-built with GOOS=wasip1 GOARCH=wasm by `make check`
# The ratio rows printed by `make bench` live in bench/pairs.tsv.

SHELL := bash
GO ?= go
BUILD := build
BENCH_DIR := $(BUILD)/bench
FUZZTIME ?= 5s
TOOLS := $(CURDIR)/$(BUILD)/tools
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(TOOLS)/staticcheck
BENCHCOUNT ?= 3
GOTESTFLAGS ?=

TEST_TARGETS :=
BENCH_TARGETS :=
FUZZ_TARGETS :=
CROSS_JS := ./signer/...
CROSS_WASIP1 := ./signer/...
RUN_TARGET :=

-include mk/*.mk

.PHONY: test test-go fuzz check bench bench-go bench-table run clean
.PHONY: provision provision-system provision-node

# Prerequisites run in order (no -j): provisioning first.
test: export WXCARD_REQUIRE_SERVICES := 1
test: provision check test-go $(TEST_TARGETS)

test-go:
	$(GO) test -race -count=1 $(GOTESTFLAGS) ./...

# Random fuzzing, FUZZTIME per target: a found input fails with its path and
# content (commit it as a seed); a worker that dies without one is retried once.
fuzz:
	@GO='$(GO)' mk/fuzz.sh $(FUZZTIME) $(FUZZ_TARGETS)

provision: provision-system provision-node node_modules/.package-lock.json $(STATICCHECK)

provision-system:
	@mk/provision.sh system

provision-node:
	@mk/provision.sh node

# npm ci rewrites node_modules/.package-lock.json; the touch makes the stamp
# newer than both manifests even if npm kept its old time, so the next make
# test does not install again.
node_modules/.package-lock.json: package-lock.json package.json | provision-node
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

check: $(STATICCHECK)
	@files=$$(git ls-files -co --exclude-standard '*.go'); \
	  bad=$$(gofmt -l $$files); \
	  if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	GOOS=js GOARCH=wasm $(GO) build $(CROSS_JS)
	GOOS=wasip1 GOARCH=wasm $(GO) build $(CROSS_WASIP1)
	$(STATICCHECK) ./...

bench: bench-go $(BENCH_TARGETS) bench-table

# go test caches benchmark results for any -count but 1, and an old file in
# $(BENCH_DIR) would be read too; a stale number is worse than none, so both
# are cleared first.
bench-go:
	@rm -rf $(BENCH_DIR) && mkdir -p $(BENCH_DIR)
	$(GO) clean -testcache
	$(GO) test -run='^$$' -bench=. -benchmem -count=$(BENCHCOUNT) ./... | tee $(BENCH_DIR)/go.txt

bench-table:
	@$(GO) run ./internal/benchtable -pairs bench/pairs.tsv $(BENCH_DIR)/*.txt

run: $(RUN_TARGET)

clean:
	rm -rf $(BUILD)
