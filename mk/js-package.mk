# js/ as published. `make test-js-package`: npm pack from a clean copy of the
# checkout (prepack builds wxcard.wasm), the tarball installed offline into an
# empty folder and run in Node, and its types compiled with tsc in a
# Node-only, a DOM and a Workers project (js/test/types/).
TEST_TARGETS += test-js-package

.PHONY: test-js-package
test-js-package:
	$(or $(NODE),node) --test js/test/package.test.mjs
