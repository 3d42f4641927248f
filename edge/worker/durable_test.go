//go:build !js

package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge/worker/app"
	"github.com/wxcard/wxcard/edge/worker/internal/workerd"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
	"github.com/wxcard/wxcard/internal/syncbuf"
	"github.com/wxcard/wxcard/signer"
)

// The ticket coordinator (Durable Object) in workerd: several copies of the
// Worker, each in an isolate of its own, share one KV namespace and one
// coordinator, as the isolates of a deployment do across locations, and
// fetch from the emulator, which counts what WeChat would count.

const (
	doAppID    = "wxdurable01234567"
	doSecret   = "SECRET-durable-0123456789abcdef01"
	doCard     = "pDurableCard0123456789"
	wxCardLock = "wxcard:" + doAppID + ":ticket:wx_card:lock"
)

// wechat is the emulator behind emulatortest's recorder, which counts the
// calls, holds getticket on demand and remembers every credential handed
// out.
type wechat struct{ *emulatortest.Server }

func newWeChat(t *testing.T) wechat {
	t.Helper()
	return wechat{emulatortest.Start(t, emulatortest.WithApp(doAppID, doSecret))}
}

// direct calls the emulator without counting: the test acting as WeChat's
// side (or as another system of the merchant's), not as the Worker.
func (w wechat) direct(t *testing.T, path string, body any) map[string]any {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	w.Emu.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(data))))
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	return out
}

var restartableOnce sync.Once

// startCopies runs copies of the Worker sharing KV and a coordinator.
// restartable serves the coordinator from the tests' subclass
// (testdata/restartable.mjs), in a worker of its own; otherwise the class
// comes from the Worker's entry module, as wrangler.toml deploys it.
func startCopies(t *testing.T, up wechat, copies int, restartable bool, seedKV map[string]string) *workerd.Worker {
	t.Helper()
	coord := &workerd.Coordinator{Binding: app.CoordinatorBinding, ClassName: "TicketCoordinator"}
	if restartable {
		restartableOnce.Do(func() {
			data, err := os.ReadFile(filepath.Join("testdata", "restartable.mjs"))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(buildDir, "restartable.mjs"), data, 0o644))
		})
		coord = &workerd.Coordinator{Binding: app.CoordinatorBinding, ClassName: "RestartableTicketCoordinator", Script: "restartable.mjs"}
	}
	log := &syncbuf.Buffer{}
	w, err := workerd.Start(t.Context(), repoRoot, workerd.Options{
		Dir: buildDir, Script: "entry.mjs", Workers: copies, Coordinator: coord,
		KVNamespaces: []string{app.KVBinding}, KVPersist: t.TempDir(), DOPersist: t.TempDir(),
		SeedKV: map[string]map[string]string{app.KVBinding: seedKV},
		Bindings: map[string]string{
			app.EnvAppID: doAppID, app.EnvSecret: doSecret, app.EnvBaseURL: up.URL,
			app.EnvPublicCardIDs: doCard, app.EnvJSConfigURLPrefixes: origin + "/",
		},
		Log: log,
	})
	require.NoError(t, err, log.String())
	require.Len(t, w.URLs, copies)
	t.Cleanup(func() {
		w.Close()
		for _, secret := range up.Secrets() {
			assert.NotContains(t, log.String(), secret, "the worker log leaks a secret")
		}
		if t.Failed() {
			t.Logf("workerd output:\n%s", log.String())
		}
	})
	// Start each copy's Go instance (no WeChat call), so that a stampede
	// is not spread over the seconds a loaded machine takes to start them:
	// a lease holder held longer than its 10 s lease would fail.
	for _, u := range w.URLs {
		r := send(http.MethodGet, u+"/healthz", "")
		require.NoError(t, r.err)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
	}
	return w
}

// result is one answer of a copy.
type result struct {
	status int
	body   []byte
	err    error
}

var doClient = &http.Client{Timeout: 90 * time.Second}

func addCardAt(base string) result {
	return send(http.MethodPost, base+"/v1/addcard", `{"cards":[{"card_id":"`+doCard+`"}]}`)
}

func jsconfigAt(base string) result {
	return send(http.MethodGet, base+"/v1/jsconfig?url="+url.QueryEscape(origin+"/page"), "")
}

func send(method, u, body string) result {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return result{err: err}
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := doClient.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return result{status: res.StatusCode, body: data, err: err}
}

// requireSigned checks an answer against the emulator's current tickets:
// a cardExt against wx_card, a wx.config against jsapi.
func requireSigned(t *testing.T, up wechat, r result) {
	t.Helper()
	require.NoError(t, r.err)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	for _, secret := range up.Secrets() {
		require.NotContains(t, string(r.body), secret, "an answer leaks a secret")
	}
	var out struct {
		CardList  []struct{ CardID, CardExt string } `json:"cardList"`
		NonceStr  string                             `json:"nonceStr"`
		Timestamp int64                              `json:"timestamp"`
		Signature string                             `json:"signature"`
	}
	require.NoError(t, json.Unmarshal(r.body, &out))
	if out.CardList == nil {
		ticket, ok := up.Emu.Ticket(doAppID, "jsapi")
		require.True(t, ok, "the emulator has a current jsapi ticket")
		assert.Equal(t, signer.JSSDKSignature(ticket, out.NonceStr, out.Timestamp, origin+"/page"), out.Signature)
		return
	}
	ticket, ok := up.Emu.Ticket(doAppID, "wx_card")
	require.True(t, ok, "the emulator has a current wx_card ticket")
	require.Len(t, out.CardList, 1)
	v, err := signer.VerifyCardExt(ticket, out.CardList[0].CardID, out.CardList[0].CardExt)
	require.NoError(t, err)
	assert.True(t, v.Valid, "the cardExt verifies against WeChat's current ticket: %+v", v.Problems)
}

// inParallel runs one request per function and returns their answers.
// stampede holds the upstream's getticket answers and sends one addcard to
// every copy at once; the results arrive on done once the caller releases
// the upstream.
func stampede(up wechat, urls []string) (release func(), done <-chan []result) {
	release = up.HoldTickets()
	var calls []func() result
	for _, base := range urls {
		calls = append(calls, func() result { return addCardAt(base) })
	}
	results := make(chan []result, 1)
	go func() { results <- inParallel(calls...) }()
	return release, results
}

func inParallel(calls ...func() result) []result {
	out := make([]result, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Go(func() { out[i] = call() })
	}
	wg.Wait()
	return out
}

// awaitRefusals waits until the coordinator has refused the wx_card lease
// to n owners at least times times each: that many Go instances are waiting
// for the holder's fetch.
func awaitRefusals(t *testing.T, w *workerd.Worker, n, times int) {
	t.Helper()
	require.Eventually(t, func() bool {
		raw, err := w.CallCoordinator(t.Context(), doAppID, "refusals", wxCardLock, times)
		if err != nil {
			return false
		}
		got, err := strconv.Atoi(string(raw))
		return err == nil && got >= n
	}, 60*time.Second, 20*time.Millisecond, "%d isolates waiting on the lease, refused %d times each", n, times)
}

// TestDurableObjectStampedeFetchesOnce: a cold stampede across four
// isolates. The getticket of whichever isolate won the lease is held until
// the coordinator has refused the lease to the three others, so all four
// provably asked at once; then one token and one ticket were fetched in
// total, and every isolate signs with that ticket.
func TestDurableObjectStampedeFetchesOnce(t *testing.T) {
	t.Parallel()
	up := newWeChat(t)
	const copies = 4
	w := startCopies(t, up, copies, true, nil)

	release, done := stampede(up, w.URLs)
	defer release()
	// Refused twice: each waiter's next read of the ticket waits at the
	// object for it to change, instead of polling.
	awaitRefusals(t, w, copies-1, 2)
	release()
	for _, r := range <-done {
		requireSigned(t, up, r)
	}
	assert.Equal(t, 1, up.TokenFetches(), "one access token for all isolates")
	assert.Equal(t, 1, up.TicketFetches("wx_card"), "one wx_card ticket for all isolates")
	counts := map[string]int{}
	for _, method := range []string{"get", "awaitChange", "tryLock"} {
		raw, err := w.CallCoordinator(t.Context(), doAppID, "calls", method)
		require.NoError(t, err)
		counts[method], err = strconv.Atoi(string(raw))
		require.NoError(t, err)
	}
	t.Logf("object calls for the stampede: %v", counts)
	assert.GreaterOrEqual(t, counts["awaitChange"], copies-1, "the waiters waited at the object")

	// Later requests, several per isolate at once, are served from the
	// isolates' caches.
	var calls []func() result
	for _, base := range w.URLs {
		for range 3 {
			calls = append(calls, func() result { return addCardAt(base) })
		}
	}
	for _, r := range inParallel(calls...) {
		requireSigned(t, up, r)
	}
	assert.Equal(t, 1, up.TokenFetches())
	assert.Equal(t, 1, up.TicketFetches("wx_card"))
}

// adminEntry is a credential as the admin client stores it, in the KV
// envelope (kv/workerkv): what a Worker that ran before left in KV.
func adminEntry(value string, issued, expiry time.Time) string {
	entry, _ := json.Marshal(map[string]any{"v": value, "iat": issued.Unix(), "exp": expiry.Unix(), "gen": "seeded"})
	return "wxkv1:0:" + base64.StdEncoding.EncodeToString(entry)
}

// TestDurableObjectRestartMidRefresh: KV holds an expired ticket; a
// stampede across three isolates has to refresh it, and the coordinator is
// restarted while the lease holder's fetch is under way. The lease is in
// the object's storage, so the other isolates go on waiting on the
// restarted object instead of fetching; nobody signs with the expired
// ticket.
func TestDurableObjectRestartMidRefresh(t *testing.T) {
	t.Parallel()
	up := newWeChat(t)
	const copies = 3
	now := time.Now()
	expired := "EXPIRED-ticket-0123456789abcdefghijklmnopqrstuvwxyz"
	w := startCopies(t, up, copies, true, map[string]string{
		"wxcard:" + doAppID + ":ticket:wx_card": adminEntry(expired, now.Add(-3*time.Hour), now.Add(-time.Hour)),
	})

	release, done := stampede(up, w.URLs)
	defer release()
	awaitRefusals(t, w, copies-1, 1)

	before, err := w.CallCoordinator(t.Context(), doAppID, "instance")
	require.NoError(t, err)
	// The restart fails the call that asks for it, like every call in
	// flight.
	_, _ = w.CallCoordinator(t.Context(), doAppID, "restart")
	after, err := w.CallCoordinator(t.Context(), doAppID, "instance")
	require.NoError(t, err)
	require.NotEqual(t, string(before), string(after), "the object was restarted")
	// The new instance, which counts afresh, refuses the lease again: it
	// survived the restart.
	awaitRefusals(t, w, 1, 1)
	release()
	for _, r := range <-done {
		requireSigned(t, up, r)
		assert.NotContains(t, string(r.body), expired)
	}
	fetches := up.TicketFetches("wx_card")
	assert.LessOrEqual(t, fetches, 2, "at most one extra fetch")
	assert.Equal(t, 1, fetches, "the lease survived the restart: no extra fetch")
	assert.Equal(t, 1, up.TokenFetches())

	// The object refuses what no correct caller sends, with an error that
	// quotes nothing it was given.
	long := strings.Repeat("k", 513)
	cases := [][]any{
		{"get", ""}, {"get", long}, {"get", 42},
		{"put", "k", 42}, {"put", "k", strings.Repeat("v", 2<<20+1)},
		{"delete", nil},
		{"tryLock", "k", "", 1000, "a"}, {"tryLock", "k", "o", 0, "a"}, {"tryLock", "k", "o", 1e12, "a"},
		{"tryLock", "k", "o", "1000", "a"}, {"tryLock", "k", "o", 1000, ""},
		{"unlock", "k", long},
	}
	raw, err := w.CallCoordinator(t.Context(), doAppID, "refusedArguments", cases)
	require.NoError(t, err)
	var refusals []*string
	require.NoError(t, json.Unmarshal(raw, &refusals))
	require.Len(t, refusals, len(cases))
	for i, msg := range refusals {
		if assert.NotNil(t, msg, "%v was accepted", cases[i][0]) {
			assert.Contains(t, *msg, "coordinator: invalid", "%v", cases[i][0])
			assert.NotContains(t, *msg, "kkkkkkkk", "%v", cases[i][0])
		}
	}
}

// TestDurableObjectForcedRefreshReplacesOnlyTheRejected: the coordinator
// served from the entry module, as deployed. KV holds an access token that
// WeChat then rejects (another system forced a new one, and the old one's
// five minutes of grace passed). Isolates fetching both tickets at once
// are each told 40001; their reports go through the coordinator with
// compare-and-refresh, and the token is replaced once for all of them.
func TestDurableObjectForcedRefreshReplacesOnlyTheRejected(t *testing.T) {
	t.Parallel()
	up := newWeChat(t)
	creds := map[string]any{"grant_type": "client_credential", "appid": doAppID, "secret": doSecret}
	first := up.direct(t, "/cgi-bin/stable_token", creds)
	rejected, _ := first["access_token"].(string)
	require.NotEmpty(t, rejected)
	now := time.Now()
	const copies = 3
	w := startCopies(t, up, copies, false, map[string]string{
		"wxcard:" + doAppID + ":access_token": adminEntry(rejected, now, now.Add(2*time.Hour)),
	})

	creds["force_refresh"] = true
	forced := up.direct(t, "/cgi-bin/stable_token", creds)
	require.NotEqual(t, rejected, forced["access_token"])
	require.NoError(t, up.Emu.Advance(t.Context(), emulator.TokenOverlap+time.Second))

	var calls []func() result
	for i, base := range w.URLs {
		calls = append(calls, func() result { return addCardAt(base) }, func() result { return jsconfigAt(w.URLs[(i+1)%copies]) })
	}
	for _, r := range inParallel(calls...) {
		requireSigned(t, up, r)
		assert.NotContains(t, string(r.body), rejected)
	}
	assert.Equal(t, 1, up.TokenFetches(), "the rejected token was replaced once, for every isolate")
	assert.GreaterOrEqual(t, up.TicketFetches("wx_card")+up.TicketFetches("jsapi"), 3, "WeChat refused the old token at least once")
	for _, key := range []string{"wx_card", "jsapi"} {
		n := up.TicketFetches(key)
		assert.True(t, n == 1 || n == 2, "%s: one call refused with 40001 at most, then one fetch; got %d", key, n)
	}
}
