# emulator/: the offline WeChat card backend. Its Go tests and benchmarks run
# with everyone's (`go test -race ./...`, `make bench`); the fuzz targets'
# seed corpora run in `make test`.
FUZZ_TARGETS += ./emulator:FuzzWeChatRequest ./emulator:FuzzWebAuth ./emulator:FuzzSnapshotJSON ./emulator:FuzzEntityKey

EMULATOR_ADDR ?= 127.0.0.1:8081
EMULATOR_SNAPSHOT ?= $(BUILD)/emulator.db

.PHONY: emulator-run emulator-test

# Run the emulator standalone (state kept in $(EMULATOR_SNAPSHOT)).
emulator-run:
	@mkdir -p $(BUILD)
	$(GO) run ./emulator/cmd/wxcard-emulator -addr $(EMULATOR_ADDR) -snapshot $(EMULATOR_SNAPSHOT) -auto-approve

# The emulator's own tests, for working on it alone.
emulator-test:
	$(GO) test -race -count=1 ./emulator/...
