package edge_test

import (
	"context"
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

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/signer"
)

// Tickets long enough to look real; every test checks that neither ever
// reaches a response.
const (
	testCardTicket  = "card-ticket-E0fMhNuDyNnK9Zr2VxLqWcT7bP3sJ8uYgHaA5dFe"
	testJSAPITicket = "jsapi-ticket-Qm4RtVx9KpLz2NcWyHb7Ej5UdSa3Gf8TnMk6PoDi"
	testAppID       = "wx1234567890abcdef"
	testNow         = 1_750_000_000
)

// fakeTickets is a TicketProvider for unit tests of the handler alone; the
// integration with the admin client and a real upstream is tested in
// edge/worker (workerd) and cmd/localserver.
type fakeTickets struct {
	card, jsapi       string
	cardErr, jsapiErr error
	cardCalls         atomic.Int32
	jsapiCalls        atomic.Int32
	panicOnCall       bool
}

func (f *fakeTickets) CardTicket(context.Context) (string, error) {
	f.cardCalls.Add(1)
	if f.panicOnCall {
		panic("fake ticket source exploded")
	}
	return f.card, f.cardErr
}

func (f *fakeTickets) JSAPITicket(context.Context) (string, error) {
	f.jsapiCalls.Add(1)
	return f.jsapi, f.jsapiErr
}

func newFakeTickets() *fakeTickets {
	return &fakeTickets{card: testCardTicket, jsapi: testJSAPITicket}
}

// countingNonces returns distinct, predictable nonces.
func countingNonces() func() (string, error) {
	var mu sync.Mutex
	n := 0
	return func() (string, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("nonce%011d", n), nil
	}
}

func testSigner(t testing.TB) *signer.Signer {
	t.Helper()
	s, err := signer.New(
		signer.WithClock(func() time.Time { return time.Unix(testNow, 0) }),
		signer.WithNonceSource(countingNonces()),
	)
	require.NoError(t, err)
	return s
}

func newTestHandler(t testing.TB, tickets edge.TicketProvider, mod func(*edge.Config)) http.Handler {
	t.Helper()
	// Open: these tests are about the handler's mechanics; the policy has
	// its own tests (policy_test.go).
	cfg := edge.Config{AppID: testAppID, Tickets: tickets, Signer: testSigner(t), Policy: edge.Policy{Open: true}}
	if mod != nil {
		mod(&cfg)
	}
	h, err := edge.NewHandler(cfg)
	require.NoError(t, err)
	return h
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t testing.TB, h http.Handler, method, target, body string, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	assertNoSecret(t, res)
	return res
}

// assertNoSecret fails when a ticket shows up anywhere in a response.
func assertNoSecret(t testing.TB, res response) {
	t.Helper()
	for _, secret := range []string{testCardTicket, testJSAPITicket, "SECRET-", "ACCESS-TOKEN-"} {
		require.NotContains(t, res.body, secret, "response body leaks a secret")
		for name, values := range res.header {
			for _, v := range values {
				require.NotContains(t, v, secret, "header %s leaks a secret", name)
			}
		}
	}
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func decodeError(t testing.TB, res response) errorBody {
	t.Helper()
	var e errorBody
	require.NoError(t, json.Unmarshal([]byte(res.body), &e), "body: %s", res.body)
	require.NotEmpty(t, e.Error.Code)
	require.NotEmpty(t, e.Error.Message)
	require.Equal(t, "application/json; charset=utf-8", res.header.Get("Content-Type"))
	return e
}

// httptestRecorder serves a request whose body length is unknown up front
// (ContentLength -1), as with a chunked upload.
func httptestRecorder(h http.Handler, method, target string, body io.Reader) response {
	req := httptest.NewRequest(method, target, body)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}
