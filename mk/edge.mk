# edge/: the config API handler and its Cloudflare Worker (edge/worker).
#
#   make edge        build the Worker into $(EDGE_BUILD): syumai's runtime
#                    files (workers-assets-gen wipes the dir first), then the
#                    GOOS=js wasm, then our entry module (entry.mjs) and
#                    the ticket coordinator's class (coordinator.mjs)
#   make edge-bench  bundle size and workerd latency rows -> $(BENCH_DIR)/edge.txt
#
# EDGE_WASM_OPT=-Oz (or -O3) runs binaryen's wasm-opt, the npm devDependency,
# over app.wasm. It is off by default: on this Worker -Oz saves about 6 kB of
# 1.24 MB gzip (4.5 -> 4.2 MB raw; before the Worker dropped net/http, 17 kB
# of 1.76 MB) and showed no start-up gain beyond the noise of a shared
# machine, for 20 s or more of extra build time in every workerd test.
#
# The workerd integration tests are ordinary Go tests in ./edge/worker (run
# by `go test ./...`); they build the Worker with this same target into a
# temporary EDGE_BUILD.

EDGE_BUILD ?= edge/worker/build
EDGE_WASM_OPT ?=
# Go's js/wasm output uses these post-MVP features; wasm-opt must be told.
WASM_OPT_FEATURES := --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory

.PHONY: edge edge-bench

edge:
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(EDGE_BUILD)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(EDGE_BUILD)/app.wasm ./edge/worker
	$(if $(EDGE_WASM_OPT),node_modules/.bin/wasm-opt $(EDGE_WASM_OPT) $(WASM_OPT_FEATURES) $(EDGE_BUILD)/app.wasm -o $(EDGE_BUILD)/app.wasm)
	cp edge/worker/entry.mjs edge/worker/coordinator.mjs $(EDGE_BUILD)/

edge-bench:
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./edge/worker/internal/edgebench -o $(BENCH_DIR)/edge.txt

CROSS_JS += ./edge/worker/...
BENCH_TARGETS += edge-bench
FUZZ_TARGETS += ./edge:FuzzRequests ./edge:FuzzPolicyRequests ./edge:FuzzDecodeJSONLite
# The reflection-free JSON the Worker build reads with, against encoding/json.
FUZZ_TARGETS += ./internal/jsonlite:FuzzCheck ./internal/jsonlite:FuzzAppendString ./internal/jsonlite:FuzzKeyMatches
