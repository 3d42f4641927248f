# wxcard: `make run` starts the local server, `make test` is what CI runs.
#
# Each part keeps its own targets in mk/<part>.mk and registers them here
# through these variables, so parts can land without touching this file:
#   TEST_TARGETS   run by `make test` after the Go tests
#   BENCH_TARGETS  run by `make bench`; each writes Go-benchmark-format lines
#                  ("BenchmarkName N value unit ...") to $(BENCH_DIR)/<name>.txt
#   FUZZ_TARGETS   "./pkg:FuzzName" pairs, each fuzzed for $(FUZZTIME) by `make test`
#   CROSS_JS       packages cross-built with GOOS=js GOARCH=wasm by `make check`
#   CROSS_WASIP1   packages cross-built with GOOS=wasip1 GOARCH=wasm by `make check`
# The ratio rows printed by `make bench` live in bench/pairs.tsv.

SHELL := bash
GO ?= go
BUILD := build
BENCH_DIR := $(BUILD)/bench
FUZZTIME ?= 3s
BENCHCOUNT ?= 3
GOTESTFLAGS ?=

TEST_TARGETS :=
BENCH_TARGETS :=
FUZZ_TARGETS :=
CROSS_JS := ./signer/...
CROSS_WASIP1 := ./signer/...
RUN_TARGET := run-placeholder

-include mk/*.mk

.PHONY: test test-go fuzz check bench bench-go bench-table run run-placeholder clean

test: check test-go fuzz $(TEST_TARGETS)

test-go:
	$(GO) test -race -count=1 $(GOTESTFLAGS) ./...

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
	  $(GO) test -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

check:
	@files=$$(git ls-files -co --exclude-standard '*.go'); \
	  bad=$$(gofmt -l $$files); \
	  if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	GOOS=js GOARCH=wasm $(GO) build $(CROSS_JS)
	GOOS=wasip1 GOARCH=wasm $(GO) build $(CROSS_WASIP1)

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

run-placeholder:
	@echo "cmd/localserver has not landed yet; parts available: signer (go test ./signer)"

clean:
	rm -rf $(BUILD)
