# wasm/ + js/: the signer as a WASI reactor (build/wxcard.wasm) and the ES
# module package that loads it (js/, with the preview tool in js/preview/).
#
#   make wasm          build build/wxcard.wasm (stripped, then wasm-opt -Oz)
#                      and copy it to js/wxcard.wasm, where js/index.js finds
#                      it by default
#   make test-js       node --test: vectors, the Go differential set, errors,
#                      memory; the package inside workerd (miniflare)
#   make test-preview  the preview tool in headless Chromium (playwright-core)
#   make bench-js      Node benchmarks, then load() in headless Chromium, into
#                      $(BENCH_DIR)/wasm-node.txt

WASM_OUT := $(BUILD)/wxcard.wasm
WASM_GO := $(BUILD)/wxcard.go.wasm
# binaryen's wasm-opt, from the npm devDependencies. -Oz against -O3 on this
# module: 6.5% smaller raw (0.7% gzip), the same speed in V8 within noise,
# so -Oz. It takes a minute, so it runs only when Go's output changed.
WASM_OPT ?= node_modules/.bin/wasm-opt
WASM_OPT_FLAGS := -Oz --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory
WASM_DIFF := $(BUILD)/wasm-differential.json
NODE ?= node

CROSS_WASIP1 += ./wasm/...
FUZZ_TARGETS += ./wasm:FuzzRequest ./wasm:FuzzLean
TEST_TARGETS += test-js test-preview
BENCH_TARGETS += bench-js

.PHONY: wasm wasm-differential test-js test-preview bench-js

wasm:
	@mkdir -p $(BUILD)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags="-s -w" -o $(WASM_GO).new ./wasm
	@if [ -f $(WASM_OUT) ] && cmp -s $(WASM_GO).new $(WASM_GO); then \
	  rm $(WASM_GO).new; \
	elif [ -x $(WASM_OPT) ]; then \
	  echo "$(WASM_OPT) $(WASM_OPT_FLAGS)"; \
	  $(WASM_OPT) $(WASM_OPT_FLAGS) $(WASM_GO).new -o $(WASM_OUT).new && mv $(WASM_OUT).new $(WASM_OUT) && mv $(WASM_GO).new $(WASM_GO); \
	else \
	  echo "note: wasm-opt is not installed (npm ci brings it): using the module as Go built it, larger but the same"; \
	  mv $(WASM_GO).new $(WASM_OUT); rm -f $(WASM_GO); \
	fi
	cp $(WASM_OUT) js/wxcard.wasm

# The random differential set with the native Go answers, replayed by js/test.
wasm-differential:
	@mkdir -p $(BUILD)
	$(GO) test -count=1 -run '^TestDifferential$$' ./wasm -args -differential-out=$(abspath $(WASM_DIFF))

test-js: wasm wasm-differential
	WXCARD_DIFFERENTIAL=$(abspath $(WASM_DIFF)) $(NODE) --test js/test/wxcard.test.mjs js/test/wasi.test.mjs js/test/workers.test.mjs

test-preview: wasm
	$(NODE) --test js/test/preview.browser.mjs

bench-js: wasm
	@mkdir -p $(BENCH_DIR)
	$(NODE) js/test/bench.mjs | tee $(BENCH_DIR)/wasm-node.txt
	$(NODE) js/test/bench.browser.mjs | tee -a $(BENCH_DIR)/wasm-node.txt
