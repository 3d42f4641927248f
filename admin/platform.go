//go:build !js && !wasip1

package admin

import (
	"time"

	"github.com/wxcard/wxcard/kv"
)

// syncInBackground: a sync with the store runs in its own goroutine, so
// that no caller waits for the store.
const syncInBackground = true

// defaultStoreTimeout is the store deadline used without WithStoreTimeout:
// kv's own out-of-process stores get the guard's default, others none.
func defaultStoreTimeout(s kv.Store) time.Duration {
	switch s.(type) {
	case *kv.Redis, *kv.File:
		return kv.DefaultCallTimeout
	}
	return 0
}
