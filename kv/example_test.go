package kv_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wxcard/wxcard/kv"
)

func ExampleNewMemory() {
	ctx := context.Background()
	s := kv.NewMemory()
	_ = s.Set(ctx, "wxcard:wx123:ticket:wx_card", []byte(`{"v":"ticket"}`), time.Hour)

	v, ok, err := s.Get(ctx, "wxcard:wx123:ticket:wx_card")
	fmt.Println(string(v), ok, err)
	_, ok, err = s.Get(ctx, "wxcard:wx123:ticket:jsapi")
	fmt.Println(ok, err) // a miss is not an error
	// Output:
	// {"v":"ticket"} true <nil>
	// false <nil>
}

func ExampleLocker() {
	ctx := context.Background()
	var s kv.Store = kv.NewMemory()
	locker, ok := s.(kv.Locker)
	if !ok {
		return // this store cannot coordinate processes
	}
	me, _ := kv.NewOwnerToken()
	got, _ := locker.TryLock(ctx, "wxcard:wx123:access_token:lock", me, 10*time.Second)
	fmt.Println("acquired:", got)
	got, _ = locker.TryLock(ctx, "wxcard:wx123:access_token:lock", "someone-else", 10*time.Second)
	fmt.Println("second owner:", got)
	released, _ := locker.Unlock(ctx, "wxcard:wx123:access_token:lock", me)
	fmt.Println("released:", released)
	// Output:
	// acquired: true
	// second owner: false
	// released: true
}

// Every server of an app points its client at the same Redis; their
// credentials are then fetched once for all of them. (Not run: it needs a
// Redis server.)
func ExampleNewRedis() {
	store, err := kv.NewRedis("redis://127.0.0.1:6379/0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	var _ kv.Locker = store // Redis coordinates processes
	// admin.NewClient(appID, secret, admin.WithStore(store))
}

func ExampleGuard() {
	ctx := context.Background()
	// Any store: a dead Redis, a hung disk. Here one that always fails.
	g, err := kv.Guard(failing{}, kv.WithCallTimeout(20*time.Millisecond), kv.WithFailureThreshold(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < 3; i++ {
		_, _, err := g.Get(ctx, "wxcard:wx123:ticket:wx_card")
		fmt.Println(errors.Is(err, kv.ErrUnavailable))
	}
	// Output:
	// false
	// false
	// true
}

// failing is a store whose every call fails, as a dead server's does.
type failing struct{}

func (failing) Get(context.Context, string) ([]byte, bool, error) {
	return nil, false, errors.New("connection refused")
}

func (failing) Set(context.Context, string, []byte, time.Duration) error {
	return errors.New("connection refused")
}

func (failing) Delete(context.Context, string) error { return errors.New("connection refused") }
