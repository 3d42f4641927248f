# cmd/wxcard: the operators' command line. Its tests run with everyone's
# (`go test -race ./...`), among them the 100,000-code import killed with
# SIGKILL and resumed (WXCARD_CLI_RESUME_CODES=N runs it with N codes); its
# benchmarks (codes/s through the command vs admin's Code.Deposit alone) run
# in `make bench`.
#
#   make wxcard      build $(BUILD)/wxcard

FUZZ_TARGETS += ./cmd/wxcard:FuzzJournal ./cmd/wxcard:FuzzReadCodes ./cmd/wxcard:FuzzDocuments

.PHONY: wxcard
wxcard:
	$(GO) build -o $(BUILD)/wxcard ./cmd/wxcard
