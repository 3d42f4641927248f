//go:build js || wasip1

package admin

import (
	"time"

	"github.com/wxcard/wxcard/kv"
)

// defaultStoreTimeout is the store deadline used without WithStoreTimeout:
// kv's own out-of-process stores get the guard's default, others none
// (kv.File is not built here).
func defaultStoreTimeout(s kv.Store) time.Duration {
	if _, ok := s.(*kv.Redis); ok {
		return kv.DefaultCallTimeout
	}
	return 0
}
