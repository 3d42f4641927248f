# grant/: grants minted by the merchant's backend and verified by the edge.
# Standard library only, so it is cross-built for both wasm targets.
#
#   make test-grant-js   js/grant.js (wxcard/grant) against the Go vectors,
#                        in Node and in workerd (miniflare; npm ci first)

NODE ?= node

CROSS_JS += ./grant/...
CROSS_WASIP1 += ./grant/...
FUZZ_TARGETS += ./grant:FuzzVerify ./grant:FuzzParseKeys
TEST_TARGETS += test-grant-js

.PHONY: test-grant-js
test-grant-js:
	$(NODE) --test js/test/grant.test.mjs
