package admin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/kv"
)

const (
	testAppID  = "wx1234567890abcdef"
	testSecret = "s3cr3t-APPSECRET-0123456789abcdef"
	basePath   = "/wxapi/"
)

// fakeWeChat is an httptest upstream that speaks the token and ticket
// endpoints, counts every call and lets a test swap in faults. API paths are
// mounted under basePath so a request built from an absolute path fails.
type fakeWeChat struct {
	t   testing.TB
	srv *httptest.Server
	mux *http.ServeMux

	stableCalls  atomic.Int64
	classicCalls atomic.Int64
	ticketCalls  map[string]*atomic.Int64

	mu        sync.Mutex
	appID     string // the app this upstream answers for
	seq       int
	valid     map[string]bool // access tokens WeChat accepts
	current   string          // stable_token's current token
	tokenTTL  int
	ticketTTL int
	ticketSeq map[string]int
	// fault, when set, answers token and ticket requests instead of the
	// normal handler if it returns true.
	fault func(w http.ResponseWriter, r *http.Request) bool
	// fetchDelay slows every token and ticket fetch (stampede tests).
	fetchDelay time.Duration
}

func newFakeWeChat(t testing.TB) *fakeWeChat {
	t.Helper()
	f := &fakeWeChat{
		t:           t,
		mux:         http.NewServeMux(),
		appID:       testAppID,
		valid:       map[string]bool{},
		tokenTTL:    7200,
		ticketTTL:   7200,
		ticketSeq:   map[string]int{},
		ticketCalls: map[string]*atomic.Int64{"wx_card": {}, "jsapi": {}},
	}
	f.mux.HandleFunc("POST "+basePath+"cgi-bin/stable_token", f.stableToken)
	f.mux.HandleFunc("GET "+basePath+"cgi-bin/token", f.classicToken)
	f.mux.HandleFunc("GET "+basePath+"cgi-bin/ticket/getticket", f.getTicket)
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.Error(w, "not found", http.StatusNotFound)
	})
	f.srv = httptest.NewServer(f.mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWeChat) baseURL() string { return f.srv.URL + basePath }

// handle mounts an API handler under basePath.
func (f *fakeWeChat) handle(pattern string, h http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		path, method = method, ""
	}
	if method != "" {
		method += " "
	}
	f.mux.HandleFunc(method+basePath+path, h)
}

func (f *fakeWeChat) setFault(fn func(w http.ResponseWriter, r *http.Request) bool) {
	f.mu.Lock()
	f.fault = fn
	f.mu.Unlock()
}

// hang is a fault that answers nothing until the client leaves or d
// passes. It reads the body first: only then does the server notice the
// client leaving.
func hang(r *http.Request, d time.Duration) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(d):
	}
}

// answerTickets makes every ticket fetch answer ticket, whatever it is,
// valid for two hours.
func (f *fakeWeChat) answerTickets(ticket string) {
	f.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == basePath+"cgi-bin/ticket/getticket" {
			writeJSON(w, map[string]any{"errcode": 0, "ticket": ticket, "expires_in": 7200})
			return true
		}
		return false
	})
}

func (f *fakeWeChat) before(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	fault, delay := f.fault, f.fetchDelay
	f.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	return fault != nil && fault(w, r)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func writeErrcode(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

func (f *fakeWeChat) newTokenLocked() string {
	f.seq++
	tok := fmt.Sprintf("ACCESS_TOKEN_%04d_%s", f.seq, strings.Repeat("x", 24))
	f.valid[tok] = true
	return tok
}

func (f *fakeWeChat) stableToken(w http.ResponseWriter, r *http.Request) {
	f.stableCalls.Add(1)
	if f.before(w, r) {
		return
	}
	var req stableTokenRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErrcode(w, 47001, "data format error")
		return
	}
	f.mu.Lock()
	appID := f.appID
	f.mu.Unlock()
	if req.AppID != appID || req.GrantType != "client_credential" {
		writeErrcode(w, 40013, "invalid appid")
		return
	}
	if req.Secret != testSecret {
		writeErrcode(w, 40125, "invalid appsecret")
		return
	}
	f.mu.Lock()
	if f.current == "" || !f.valid[f.current] || req.ForceRefresh {
		f.current = f.newTokenLocked()
	}
	tok, ttl := f.current, f.tokenTTL
	f.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": ttl})
}

func (f *fakeWeChat) classicToken(w http.ResponseWriter, r *http.Request) {
	f.classicCalls.Add(1)
	if f.before(w, r) {
		return
	}
	q := r.URL.Query()
	f.mu.Lock()
	appID := f.appID
	f.mu.Unlock()
	if q.Get("appid") != appID || q.Get("grant_type") != "client_credential" {
		writeErrcode(w, 40013, "invalid appid")
		return
	}
	if q.Get("secret") != testSecret {
		writeErrcode(w, 40125, "invalid appsecret")
		return
	}
	f.mu.Lock()
	tok, ttl := f.newTokenLocked(), f.tokenTTL
	f.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": ttl})
}

// authorized answers 40001 and returns false unless the request carries a
// token WeChat still accepts.
func (f *fakeWeChat) authorized(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	ok := f.valid[r.URL.Query().Get("access_token")]
	f.mu.Unlock()
	if !ok {
		writeErrcode(w, 40001, "invalid credential, access_token is invalid or not latest rid: 6543")
	}
	return ok
}

// revoke makes WeChat reject a token from now on.
func (f *fakeWeChat) revoke(tok string) {
	f.mu.Lock()
	delete(f.valid, tok)
	f.mu.Unlock()
}

func (f *fakeWeChat) getTicket(w http.ResponseWriter, r *http.Request) {
	typ := r.URL.Query().Get("type")
	if c := f.ticketCalls[typ]; c != nil {
		c.Add(1)
	}
	if f.before(w, r) {
		return
	}
	if !f.authorized(w, r) {
		return
	}
	if typ != "wx_card" && typ != "jsapi" {
		writeErrcode(w, 40097, "invalid args")
		return
	}
	f.mu.Lock()
	f.ticketSeq[typ]++
	n, ttl := f.ticketSeq[typ], f.ticketTTL
	f.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok",
		"ticket": fmt.Sprintf("TICKET_%s_%04d_%s", typ, n, strings.Repeat("t", 20)), "expires_in": ttl})
}

func (f *fakeWeChat) tokenFetches() int64 { return f.stableCalls.Load() + f.classicCalls.Load() }
func (f *fakeWeChat) ticketFetches(typ string) int64 {
	return f.ticketCalls[typ].Load()
}

// newTestClient returns a client for f with fast retries.
func newTestClient(t *testing.T, f *fakeWeChat, opts ...Option) *Client {
	t.Helper()
	all := append([]Option{WithBaseURL(f.baseURL()), WithBusyRetry(2, time.Millisecond)}, opts...)
	c, err := NewClient(testAppID, testSecret, all...)
	require.NoError(t, err)
	return c
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

// clientsSharingStore returns n clients for f that share one memory store,
// as n processes sharing a Redis would.
func clientsSharingStore(t *testing.T, f *fakeWeChat, n int, opts ...Option) []*Client {
	t.Helper()
	store := kv.NewMemory()
	clients := make([]*Client, n)
	for i := range clients {
		clients[i] = newTestClient(t, f, append([]Option{WithStore(store)}, opts...)...)
	}
	return clients
}

// refreshCardTicketsAtOnce forces a card ticket refresh on every client at
// the same time and returns the tickets they got, in the clients' order.
func refreshCardTicketsAtOnce(t *testing.T, clients []*Client) []string {
	t.Helper()
	var wg sync.WaitGroup
	tickets := make([]string, len(clients))
	for i, c := range clients {
		wg.Go(func() {
			tk, err := c.RefreshCardTicket(t.Context())
			assert.NoError(t, err)
			tickets[i] = tk
		})
	}
	wg.Wait()
	return tickets
}

// errOf returns the error of a call whose result a validation case does
// not look at: errOf(c.Card.Create(ctx, …)).
func errOf[T any](_ T, err error) error { return err }

// changed returns v after mut: a valid request with one field spoiled, for
// the validation tables.
func changed[T any](v T, mut func(*T)) T {
	mut(&v)
	return v
}
