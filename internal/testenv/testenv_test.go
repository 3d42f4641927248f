package testenv

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// recorder is a testing.TB that records how Unavailable ended the test,
// instead of ending the real one.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skip(args ...any)               { r.skipped = args[0].(string) }
func (r *recorder) Fatalf(format string, _ ...any) { r.failed = format }

func TestUnavailable(t *testing.T) {
	tests := []struct {
		name, require, ci string
		wantFail          bool
	}{
		{name: "a developer's go test skips", wantFail: false},
		{name: "make test fails", require: "1", wantFail: true},
		{name: "zero turns it off", require: "0", wantFail: false},
		{name: "CI fails", ci: "true", wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(RequireServicesEnv, tt.require)
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			Unavailable(r, "redis-server not found")
			assert.Equal(t, tt.wantFail, ServicesRequired())
			if tt.wantFail {
				assert.NotEmpty(t, r.failed)
				assert.Empty(t, r.skipped)
			} else {
				assert.Equal(t, "redis-server not found", r.skipped)
				assert.Empty(t, r.failed)
			}
		})
	}
}
