package kv_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/kv"
)

// openRedis returns a Redis store for rawURL that is closed when t ends.
func openRedis(t *testing.T, rawURL string) *kv.Redis {
	t.Helper()
	r, err := kv.NewRedis(rawURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r
}
