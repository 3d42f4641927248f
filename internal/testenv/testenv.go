// Package testenv decides what a test does when a program it runs for real
// (redis-server, Chromium, workerd) is not installed: a developer running
// `go test` without them gets a skip, while `make test` and CI, which
// install them, get a failure, so a missing install can never pass as green.
package testenv

import (
	"os"
	"testing"
)

// RequireServicesEnv is set to 1 by `make test`.
const RequireServicesEnv = "WXCARD_REQUIRE_SERVICES"

// ServicesRequired reports whether a missing program must fail the test:
// under `make test` (RequireServicesEnv set and not "0") or in CI (CI set).
func ServicesRequired() bool {
	if v := os.Getenv(RequireServicesEnv); v != "" && v != "0" {
		return true
	}
	return os.Getenv("CI") != ""
}

// Unavailable ends t because a program it needs is missing: a failure when
// ServicesRequired, a skip otherwise. why says what is missing and how to
// get it.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if ServicesRequired() {
		t.Fatalf("%s (required under make test and CI: %s=1 or CI is set)", why, RequireServicesEnv)
		return
	}
	t.Skip(why)
}
