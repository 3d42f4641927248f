package workerkv_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wxcard/wxcard/kv/workerkv"
)

// Two isolates share KV and the coordinator. The second one's KV copy lags
// (another location has just refreshed the ticket), yet once it asks for
// the refresh lock, as the admin client does before fetching, it reads the
// coordinator and finds the new ticket: no second fetch.
func ExampleNewCoordinated() {
	ctx := context.Background()
	coord := newMemoryCoordinator() // in a Worker: workerkv.OpenCoordinator
	open := func(ns workerkv.Namespace) *workerkv.Coordinated {
		cache, _ := workerkv.New(ns)
		c, _ := workerkv.NewCoordinated(cache, coord)
		return c
	}
	here := open(newFakeNamespace())      // this location's view of KV
	elsewhere := open(newFakeNamespace()) // another location's

	_ = here.Set(ctx, "wxcard:wx123:ticket:wx_card", []byte("old"), time.Hour)
	_ = elsewhere.Set(ctx, "wxcard:wx123:ticket:wx_card", []byte("new"), time.Hour)

	v, _, _ := here.Get(ctx, "wxcard:wx123:ticket:wx_card")
	fmt.Println("from this location's KV:", string(v))
	locked, _ := here.TryLock(ctx, "wxcard:wx123:ticket:wx_card:lock", "me", 10*time.Second)
	v, _, _ = here.Get(ctx, "wxcard:wx123:ticket:wx_card")
	fmt.Println("with the lock:", locked, string(v))
	// Output:
	// from this location's KV: old
	// with the lock: true new
}
