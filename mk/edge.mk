# edge/: the config API handler and its Cloudflare Worker (edge/worker).
#
#   make edge        build the Worker into $(EDGE_BUILD): syumai's runtime
#                    files (workers-assets-gen wipes the dir first), then the
#                    GOOS=js wasm, then our entry module (entry.mjs) and
#                    the ticket coordinator's class (coordinator.mjs)
#   make edge-bench  bundle size and workerd latency rows -> $(BENCH_DIR)/edge.txt
#
# The workerd integration tests are ordinary Go tests in ./edge/worker (run
# by `go test ./...`); they build the Worker with this same target into a
# temporary EDGE_BUILD.

EDGE_BUILD ?= edge/worker/build

.PHONY: edge edge-bench

edge:
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(EDGE_BUILD)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(EDGE_BUILD)/app.wasm ./edge/worker
	cp edge/worker/entry.mjs edge/worker/coordinator.mjs $(EDGE_BUILD)/

edge-bench:
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./edge/worker/internal/edgebench -o $(BENCH_DIR)/edge.txt

CROSS_JS += ./edge/worker/...
BENCH_TARGETS += edge-bench
FUZZ_TARGETS += ./edge:FuzzRequests ./edge:FuzzPolicyRequests
