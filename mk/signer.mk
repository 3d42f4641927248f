# signer/: fuzz targets run briefly by `make test` (seed corpus in signer/testdata/fuzz).
FUZZ_TARGETS += ./signer:FuzzAddCard ./signer:FuzzChooseCard ./signer:FuzzJSConfig ./signer:FuzzSortedSHA1 ./signer:FuzzParseCardExt ./signer:FuzzVerifyJSConfig ./signer:FuzzVerifyChooseCard ./signer:FuzzPageURL ./signer/internal/sha1:FuzzSum
