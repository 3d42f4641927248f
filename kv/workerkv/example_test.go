package workerkv_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wxcard/wxcard/kv/workerkv"
)

// mapNamespace stands in for a Workers KV binding (workerkv.Open in a Worker).
type mapNamespace map[string]string

func (m mapNamespace) GetString(key string) (string, error) {
	if v, ok := m[key]; ok {
		return v, nil
	}
	return workerkv.NullValue, nil
}

func (m mapNamespace) PutString(key, value string, expirationTTL int) error {
	fmt.Println("KV expirationTtl:", expirationTTL)
	m[key] = value
	return nil
}

func (m mapNamespace) Delete(key string) error { delete(m, key); return nil }

func Example() {
	now := time.Unix(1750000000, 0)
	store, _ := workerkv.New(mapNamespace{}, workerkv.WithClock(func() time.Time { return now }))
	ctx := context.Background()

	_, ok, _ := store.Get(ctx, "wxcard:wx123:ticket:wx_card")
	fmt.Println("before:", ok)

	_ = store.Set(ctx, "wxcard:wx123:ticket:wx_card", []byte(`{"v":"…"}`), 5*time.Second)
	v, ok, _ := store.Get(ctx, "wxcard:wx123:ticket:wx_card")
	fmt.Println("after:", ok, string(v))

	now = now.Add(5 * time.Second)
	_, ok, _ = store.Get(ctx, "wxcard:wx123:ticket:wx_card")
	fmt.Println("5 s later:", ok)
	// Output:
	// before: false
	// KV expirationTtl: 60
	// after: true {"v":"…"}
	// 5 s later: false
}
