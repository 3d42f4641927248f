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
// none here, where kv's out-of-process stores (kv.Redis, kv.File) are not
// built; a Worker's store (Workers KV, the coordinator) is used as given.
func defaultStoreTimeout(kv.Store) time.Duration {
	return 0
}
