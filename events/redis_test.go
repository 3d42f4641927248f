package events

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
)

// cluster is n servers, each with its own Handler and its own Redis
// client, sharing one real redis-server and one callback counter.
func cluster(t *testing.T, n int, handle HandleFunc) []*httptest.Server {
	t.Helper()
	srv := kvtest.StartRedis(t)
	servers := make([]*httptest.Server, n)
	for i := range servers {
		store, err := kv.NewRedis(srv.URL())
		require.NoError(t, err)
		t.Cleanup(func() { _ = store.Close() })
		h := newTestHandler(t, handle, WithStore(store), WithSafeMode(testAESKey, testAppID))
		servers[i] = httptest.NewServer(h)
		t.Cleanup(servers[i].Close)
	}
	return servers
}

// deliver sends r's method, query and body to server.
func deliver(t *testing.T, server *httptest.Server, r *http.Request) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), r.Method, server.URL+r.URL.RequestURI(), r.Body)
	require.NoError(t, err)
	res, err := server.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
}

func TestClusterRunsARetriedPushOnce(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	var calls atomic.Int32
	servers := cluster(t, 2, func(context.Context, *Message) error {
		calls.Add(1)
		return nil
	})

	// The push lands on one server and WeChat's three retries on whichever
	// the load balancer picks.
	for i := range 4 {
		status, body := deliver(t, servers[i%2], wc.safe(userGetCard("111"), testNow))
		require.Equal(t, http.StatusOK, status, body)
		assert.Equal(t, "success", body)
	}
	assert.Equal(t, int32(1), calls.Load())

	// Copies arriving at both servers at once still run once.
	var wg sync.WaitGroup
	for i := range 8 {
		req := wc.safe(userGetCard("222"), testNow)
		wg.Go(func() {
			status, body := deliver(t, servers[i%2], req)
			assert.Equal(t, http.StatusOK, status)
			assert.Equal(t, "success", body)
		})
	}
	wg.Wait()
	assert.Equal(t, int32(2), calls.Load())
}

func TestClusterRetriesAFailedPushOnAnotherServer(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	var calls atomic.Int32
	servers := cluster(t, 2, func(context.Context, *Message) error {
		if calls.Add(1) == 1 {
			return errors.New("first attempt fails")
		}
		return nil
	})
	status, _ := deliver(t, servers[0], wc.safe(userGetCard("111"), testNow))
	assert.Equal(t, http.StatusInternalServerError, status)
	status, body := deliver(t, servers[1], wc.safe(userGetCard("111"), testNow))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "success", body)
	status, _ = deliver(t, servers[0], wc.safe(userGetCard("111"), testNow))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, int32(2), calls.Load(), "failed once, then ran once")
}

func TestClusterRefusesWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	srv := kvtest.StartRedis(t)
	store, err := kv.NewRedis(srv.URL())
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	rec := &recorder{}
	h := newTestHandler(t, rec.handle, WithStore(store))
	srv.Stop()
	w := serve(h, wc.plain(userGetCard("1"), testNow))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, CodeDedupUnavailable, errorCode(t, w))
	assert.Zero(t, rec.count())
}
