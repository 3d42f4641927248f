# admin/ card, code, member, sub-merchant and ticket services: their tests
# (httptest and the emulator) run in `go test -race ./...`; this fuzzes the
# decoders and payload checks they add.
FUZZ_TARGETS += ./admin:FuzzCardResponses
