# cmd/localserver: the whole toolkit on a laptop, in one process.
#
#   make run                     build the wasm, then `go run ./cmd/localserver`
#                                (extra flags: make run LOCALSERVER_FLAGS='-addr 127.0.0.1:9090')
#   make test-localserver-e2e    the demo page and the preview tool in headless Chromium
#                                (the process-level integration tests run in `go test ./...`)
#   make bench-localserver       wrk: POST /v1/addcard vs GET /healthz -> $(BENCH_DIR)/localserver.txt

RUN_TARGET := run-localserver
LOCALSERVER_FLAGS ?=

TEST_TARGETS += test-localserver-e2e
FUZZ_TARGETS += ./cmd/localserver:FuzzStoreSpec ./internal/devhttp:FuzzGuards

.PHONY: run-localserver test-localserver-e2e

# Built, then exec'd: with `go run` in between, Ctrl-C's clean shutdown
# (exit 0) reached make as go run's exit status 1.
run-localserver: wasm
	$(GO) build -o $(BUILD)/localserver ./cmd/localserver
	exec $(BUILD)/localserver $(LOCALSERVER_FLAGS)

test-localserver-e2e: wasm
	WXCARD_LOCALSERVER_E2E=1 $(GO) test -count=1 -run '^(TestDemoInChromium|TestStandInOnAMerchantsOwnPage)$$' ./cmd/localserver

# wrk (apt) against the real binary: POST /v1/addcard vs GET /healthz on the
# same server, plus the upstream ticket fetches during the run (must be 1);
# then addcard on -store redis://… with Redis healthy, killed and paused
# (redis-server from apt; any non-2xx answer fails the run).
BENCH_TARGETS += bench-localserver
.PHONY: bench-localserver
bench-localserver:
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./cmd/localserver/internal/loadbench -o $(BENCH_DIR)/localserver.txt

# Regenerate docs/demo.png: the demo page as a new user sees it after
# `make run` on the default address (the stand-in line shows that address),
# with fresh state in a temp dir. Needs the address free and Chromium.
DEMO_PNG_ADDR ?= 127.0.0.1:8080
.PHONY: docs-demo-png
docs-demo-png: wasm
	@tmp=$$(mktemp -d) && trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null; rm -rf "$$tmp"' EXIT && \
	$(GO) build -o "$$tmp/localserver" ./cmd/localserver && \
	{ "$$tmp/localserver" -addr $(DEMO_PNG_ADDR) -data-dir "$$tmp/data" >"$$tmp/log" 2>&1 & pid=$$!; } && \
	for i in $$(seq 100); do grep -q '^Ready on' "$$tmp/log" && break; kill -0 $$pid 2>/dev/null || break; sleep 0.1; done && \
	grep -q '^Ready on' "$$tmp/log" || { cat "$$tmp/log"; exit 1; } && \
	node cmd/localserver/e2e/demo.mjs screenshot '{"base":"http://$(DEMO_PNG_ADDR)","profile":"'"$$tmp/profile"'","out":"$(CURDIR)/docs/demo.png"}'
