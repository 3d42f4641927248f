//go:build js || wasip1

package admin

import (
	"time"

	"github.com/wxcard/wxcard/kv"
)

// syncInBackground: in a Worker, I/O started by one request may not
// outlive it or be awaited by another, so the sync with the store runs
// inline, in the request that finds it due (once per storeSyncInterval;
// the Workers KV store keeps its own memory cache in front of KV).
const syncInBackground = false

// defaultStoreTimeout is the store deadline used without WithStoreTimeout:
// kv's own out-of-process stores get the guard's default, others none
// (kv.File is not built here).
func defaultStoreTimeout(s kv.Store) time.Duration {
	if _, ok := s.(*kv.Redis); ok {
		return kv.DefaultCallTimeout
	}
	return 0
}
