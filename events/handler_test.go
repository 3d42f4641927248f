package events

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/errorbody"
	"github.com/wxcard/wxcard/internal/syncbuf"
	"github.com/wxcard/wxcard/kv"
)

const (
	testToken  = "spamtest"
	testAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testAppID  = "wx2c2769f8efd9abc2"
	testNow    = 1700000000
)

func testClock() time.Time { return time.Unix(testNow, 0) }

// wechat builds pushes the way WeChat's servers send them.
type wechat struct {
	t       testing.TB
	token   string
	crypter *Crypter
}

func newWeChat(t testing.TB) *wechat {
	c, err := NewCrypter(testToken, testAESKey, testAppID)
	require.NoError(t, err)
	return &wechat{t: t, token: testToken, crypter: c}
}

func (wc *wechat) plain(body string, ts int64) *http.Request {
	q := PlainQuery(wc.token, strconv.FormatInt(ts, 10), "n"+strconv.FormatInt(ts, 10))
	r := httptest.NewRequest(http.MethodPost, "/wechat?"+q.Encode(), strings.NewReader(body))
	r.Header.Set("Content-Type", "text/xml")
	return r
}

func (wc *wechat) safe(body string, ts int64) *http.Request {
	stamp := strconv.FormatInt(ts, 10)
	sealed, err := wc.crypter.Seal([]byte(body), "gh_test", stamp, "nonce"+stamp)
	require.NoError(wc.t, err)
	return httptest.NewRequest(http.MethodPost, "/wechat?"+sealed.Query.Encode(), strings.NewReader(string(sealed.Body)))
}

// compatible is safe mode's body with the plaintext fields alongside.
func (wc *wechat) compatible(body string, ts int64) *http.Request {
	stamp := strconv.FormatInt(ts, 10)
	enc, err := wc.crypter.Encrypt([]byte(body))
	require.NoError(wc.t, err)
	q := PlainQuery(wc.token, stamp, "n")
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", wc.crypter.MsgSignature(stamp, "n", enc))
	both := strings.Replace(body, "</xml>", "<Encrypt><![CDATA["+enc+"]]></Encrypt></xml>", 1)
	return httptest.NewRequest(http.MethodPost, "/wechat?"+q.Encode(), strings.NewReader(both))
}

func userGetCard(code string) string {
	return `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>` +
		`<CreateTime>` + strconv.Itoa(testNow) + `</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
		`<Event><![CDATA[user_get_card]]></Event><CardId><![CDATA[pCard1]]></CardId><UserCardCode><![CDATA[` + code + `]]></UserCardCode>` +
		`<OuterStr><![CDATA[campaign-7]]></OuterStr><IsGiveByFriend>0</IsGiveByFriend></xml>`
}

// recorder collects the messages a handler's callback saw.
type recorder struct {
	mu   sync.Mutex
	msgs []*Message
	err  error
}

func (rec *recorder) handle(_ context.Context, msg *Message) error {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.msgs = append(rec.msgs, msg)
	return rec.err
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.msgs)
}

func newTestHandler(t testing.TB, handle HandleFunc, opts ...Option) *Handler {
	t.Helper()
	h, err := NewHandler(testToken, handle, append([]Option{WithClock(testClock)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Wait(context.Background())) })
	return h
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func errorCode(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body errorbody.Body
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	return body.Error.Code
}

func TestURLCheckEchoes(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, (&recorder{}).handle)
	q := PlainQuery(testToken, strconv.Itoa(testNow), "42")
	q.Set("echostr", "7531086420")
	w := serve(h, httptest.NewRequest(http.MethodGet, "/wechat?"+q.Encode(), nil))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "7531086420", w.Body.String())

	q.Set("signature", Signature("other token", strconv.Itoa(testNow), "42"))
	w = serve(h, httptest.NewRequest(http.MethodGet, "/wechat?"+q.Encode(), nil))
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, CodeBadSignature, errorCode(t, w))
	assert.NotContains(t, w.Body.String(), "7531086420")
}

func TestPushModesReachTheCallback(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	tests := []struct {
		name string
		opts []Option
		req  func(body string, ts int64) *http.Request
	}{
		{"plaintext", nil, wc.plain},
		{"safe", []Option{WithSafeMode(testAESKey, testAppID)}, wc.safe},
		{"compatible", []Option{WithSafeMode(testAESKey, testAppID)}, wc.compatible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			h := newTestHandler(t, rec.handle, tt.opts...)
			w := serve(h, tt.req(userGetCard("111"), testNow))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, "success", w.Body.String())
			require.Equal(t, 1, rec.count())
			msg := rec.msgs[0]
			assert.Equal(t, userGetCard("111"), string(msg.Raw))
			ev, err := msg.CardEvent()
			require.NoError(t, err)
			got, ok := ev.(*UserGetCard)
			require.True(t, ok)
			assert.Equal(t, "111", got.UserCardCode)
			assert.Equal(t, "campaign-7", got.OuterStr)
			assert.Equal(t, "oUser1", got.FromUserName)
		})
	}
}

func TestRetriesRunTheCallbackOnce(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	rec := &recorder{}
	h := newTestHandler(t, rec.handle, WithSafeMode(testAESKey, testAppID))
	for range 4 { // the push and WeChat's three retries, each sealed afresh
		w := serve(h, wc.safe(userGetCard("111"), testNow))
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "success", w.Body.String())
	}
	w := serve(h, wc.safe(userGetCard("222"), testNow))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, 2, rec.count(), "the second card of the same second is a push of its own")
}

func TestAFailedCallbackRunsAgainOnRetry(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	var calls atomic.Int32
	h := newTestHandler(t, func(ctx context.Context, msg *Message) error {
		if calls.Add(1) == 1 {
			return errors.New("database down")
		}
		return nil
	})
	w := serve(h, wc.plain(userGetCard("111"), testNow))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, CodeCallbackFailed, errorCode(t, w))
	assert.NotContains(t, w.Body.String(), "database", "the callback's error stays in the server")

	w = serve(h, wc.plain(userGetCard("111"), testNow))
	assert.Equal(t, "success", w.Body.String())
	w = serve(h, wc.plain(userGetCard("111"), testNow))
	assert.Equal(t, "success", w.Body.String())
	assert.Equal(t, int32(2), calls.Load())
}

func TestAPanickingCallbackIsAFailure(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	h := newTestHandler(t, func(context.Context, *Message) error { panic("boom") })
	w := serve(h, wc.plain(userGetCard("111"), testNow))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, CodeCallbackFailed, errorCode(t, w))
}

func TestASlowCallbackIsAnsweredForAtTheDeadline(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	release := make(chan error)
	finished := make(chan struct{})
	var calls atomic.Int32
	h := newTestHandler(t, func(ctx context.Context, msg *Message) error {
		if calls.Add(1) > 1 {
			return nil
		}
		defer close(finished)
		select {
		case err := <-release:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}, WithReplyDeadline(20*time.Millisecond))

	w := serve(h, wc.plain(userGetCard("111"), testNow))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "success", w.Body.String(), "answered while the callback still runs")

	// A retry while it runs is a duplicate.
	w = serve(h, wc.plain(userGetCard("111"), testNow))
	assert.Equal(t, "success", w.Body.String())
	assert.Equal(t, int32(1), calls.Load())

	// It then fails: the mark is released, so a later retry runs it again.
	release <- errors.New("failed late")
	<-finished
	require.NoError(t, h.Wait(t.Context()))
	w = serve(h, wc.plain(userGetCard("111"), testNow))
	assert.Equal(t, "success", w.Body.String())
	assert.Equal(t, int32(2), calls.Load())
}

func TestCallbackContextOutlivesTheRequest(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	var ctxErr error
	h := newTestHandler(t, func(ctx context.Context, msg *Message) error {
		ctxErr = ctx.Err()
		_, hasDeadline := ctx.Deadline()
		assert.True(t, hasDeadline)
		return nil
	})
	ctx, cancel := context.WithCancel(t.Context())
	r := wc.plain(userGetCard("111"), testNow).WithContext(ctx)
	cancel()
	serve(h, r)
	require.NoError(t, h.Wait(t.Context()))
	assert.NoError(t, ctxErr)
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	other := &wechat{t: t, token: "not the token", crypter: wc.crypter}
	otherApp, err := NewCrypter(testToken, testAESKey, "wx_other_app")
	require.NoError(t, err)
	otherKey, err := NewCrypter(testToken, "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg", testAppID)
	require.NoError(t, err)
	safeOpts := []Option{WithSafeMode(testAESKey, testAppID)}

	get := func(q string) *http.Request { return httptest.NewRequest(http.MethodGet, "/wechat?"+q, nil) }
	tests := []struct {
		name   string
		opts   []Option
		req    *http.Request
		status int
		code   string
	}{
		{"PUT", nil, httptest.NewRequest(http.MethodPut, "/wechat", nil), http.StatusMethodNotAllowed, CodeMethodNotAllowed},
		{"check without echostr", nil, get(PlainQuery(testToken, strconv.Itoa(testNow), "1").Encode()), http.StatusBadRequest, CodeMissingParameter},
		{"check without signature", nil, get("timestamp=1&nonce=2&echostr=3"), http.StatusBadRequest, CodeMissingParameter},
		{"push without query", nil, httptest.NewRequest(http.MethodPost, "/wechat", strings.NewReader(userGetCard("1"))), http.StatusBadRequest, CodeMissingParameter},
		{"bad signature", nil, other.plain(userGetCard("1"), testNow), http.StatusForbidden, CodeBadSignature},
		{"timestamp not a number", nil, httptest.NewRequest(http.MethodPost, "/wechat?signature=a&timestamp=x&nonce=n", nil), http.StatusBadRequest, CodeMissingParameter},
		{"replay of an old push", nil, wc.plain(userGetCard("1"), testNow-int64(DefaultTimestampWindow/time.Second)-1), http.StatusForbidden, CodeStaleTimestamp},
		{"push from the future", nil, wc.plain(userGetCard("1"), testNow+3600), http.StatusForbidden, CodeStaleTimestamp},
		{"bad xml", nil, wc.plain("<xml><FromUserName>", testNow), http.StatusBadRequest, CodeBadXML},
		{"oversize", []Option{WithMaxBodyBytes(100)}, wc.plain(userGetCard("1"), testNow), http.StatusRequestEntityTooLarge, CodeBodyTooLarge},
		{"plaintext in safe mode", safeOpts, wc.plain(userGetCard("1"), testNow), http.StatusForbidden, CodeEncryptionRequired},
		{"encrypted without a key", nil, wc.safe(userGetCard("1"), testNow), http.StatusBadRequest, CodeEncryptionDisabled},
		{"safe, stale", safeOpts, wc.safe(userGetCard("1"), testNow-3600), http.StatusForbidden, CodeStaleTimestamp},
		{"safe, bad msg_signature", safeOpts, (&wechat{t: t, token: "x", crypter: mustCrypter(t, "x")}).safe(userGetCard("1"), testNow), http.StatusForbidden, CodeBadSignature},
		{"safe, other app", safeOpts, (&wechat{t: t, token: testToken, crypter: otherApp}).safe(userGetCard("1"), testNow), http.StatusForbidden, CodeWrongAppID},
		{"safe, other key", safeOpts, (&wechat{t: t, token: testToken, crypter: otherKey}).safe(userGetCard("1"), testNow), http.StatusBadRequest, CodeBadEncryption},
		{"safe, no Encrypt", safeOpts, withBody(wc.safe(userGetCard("1"), testNow), "<xml><ToUserName>gh</ToUserName></xml>"), http.StatusBadRequest, CodeBadXML},
		{"safe, envelope not xml", safeOpts, withBody(wc.safe(userGetCard("1"), testNow), "Encrypt=abc"), http.StatusBadRequest, CodeBadXML},
		{"safe, sealed junk", safeOpts, wc.safe("not xml at all", testNow), http.StatusBadRequest, CodeBadXML},
		{"safe, oversize", append([]Option{WithMaxBodyBytes(200)}, safeOpts...), wc.safe(userGetCard("1"), testNow), http.StatusRequestEntityTooLarge, CodeBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			h := newTestHandler(t, rec.handle, tt.opts...)
			w := serve(h, tt.req)
			assert.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Equal(t, tt.code, errorCode(t, w))
			assert.Zero(t, rec.count(), "no callback for a refused push")
			for _, secret := range []string{testToken, testAESKey} {
				assert.NotContains(t, w.Body.String(), secret)
			}
		})
	}
}

func mustCrypter(t testing.TB, token string) *Crypter {
	c, err := NewCrypter(token, testAESKey, testAppID)
	require.NoError(t, err)
	return c
}

// withBody keeps a sealed push's query and swaps its body.
func withBody(r *http.Request, body string) *http.Request {
	return httptest.NewRequest(r.Method, r.URL.String(), strings.NewReader(body))
}

// plainStore is a kv.Store without kv.Locker.
type plainStore struct{ kv.Store }

// failingLocker is a store whose lock calls fail, like Redis when it is down.
type failingLocker struct{ *kv.Memory }

func (failingLocker) TryLock(context.Context, string, string, time.Duration) (bool, error) {
	return false, errors.New("connection refused")
}

func TestDedupStoreDownRefusesSoWeChatRetries(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	rec := &recorder{}
	h := newTestHandler(t, rec.handle, WithStore(failingLocker{kv.NewMemory()}))
	w := serve(h, wc.plain(userGetCard("1"), testNow))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, CodeDedupUnavailable, errorCode(t, w))
	assert.Zero(t, rec.count())
}

func TestNewHandlerValidates(t *testing.T) {
	t.Parallel()
	handle := (&recorder{}).handle
	tests := map[string]func() (*Handler, error){
		"empty token":        func() (*Handler, error) { return NewHandler("", handle) },
		"nil callback":       func() (*Handler, error) { return NewHandler("t", nil) },
		"nil option":         func() (*Handler, error) { return NewHandler("t", handle, nil) },
		"store not a locker": func() (*Handler, error) { return NewHandler("t", handle, WithStore(plainStore{kv.NewMemory()})) },
		"nil store":          func() (*Handler, error) { return NewHandler("t", handle, WithStore(nil)) },
		"bad aes key":        func() (*Handler, error) { return NewHandler("t", handle, WithSafeMode("short", "wx1")) },
		"zero window":        func() (*Handler, error) { return NewHandler("t", handle, WithTimestampWindow(0)) },
		"negative deadline":  func() (*Handler, error) { return NewHandler("t", handle, WithReplyDeadline(-1)) },
		"zero timeout":       func() (*Handler, error) { return NewHandler("t", handle, WithCallbackTimeout(0)) },
		"zero dedup ttl":     func() (*Handler, error) { return NewHandler("t", handle, WithDedupTTL(0)) },
		"dedup shorter than replays": func() (*Handler, error) {
			return NewHandler("t", handle, WithTimestampWindow(time.Hour), WithDedupTTL(time.Hour))
		},
		"zero body":  func() (*Handler, error) { return NewHandler("t", handle, WithMaxBodyBytes(0)) },
		"nil clock":  func() (*Handler, error) { return NewHandler("t", handle, WithClock(nil)) },
		"nil logger": func() (*Handler, error) { return NewHandler("t", handle, WithLogger(nil)) },
	}
	for name, newHandler := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, err := newHandler()
			assert.Nil(t, h)
			assert.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
}

func TestLogsCarryNoSecretsOrContent(t *testing.T) {
	t.Parallel()
	wc := newWeChat(t)
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fail := true
	h := newTestHandler(t, func(context.Context, *Message) error {
		if fail {
			fail = false
			return errors.New("callback says no")
		}
		return nil
	}, WithSafeMode(testAESKey, testAppID), WithLogger(logger))
	serve(h, wc.safe(userGetCard("111"), testNow))                  // fails
	serve(h, wc.safe(userGetCard("111"), testNow))                  // runs
	serve(h, wc.safe(userGetCard("111"), testNow))                  // duplicate
	serve(h, wc.safe(userGetCard("111"), testNow-3600))             // stale
	serve(h, withBody(wc.safe(userGetCard("1"), testNow), "<xml>")) // bad xml
	serve(h, (&wechat{t: t, token: "x", crypter: mustCrypter(t, "x")}).safe(userGetCard("1"), testNow))
	require.NoError(t, h.Wait(t.Context()))
	out := logs.String()
	assert.Contains(t, out, "callback failed")
	assert.Contains(t, out, "duplicate push")
	assert.Contains(t, out, CodeStaleTimestamp)
	for _, secret := range []string{testToken, testAESKey, testAppID, "oUser1", "pCard1", "campaign-7"} {
		assert.NotContains(t, out, secret)
	}
}

// WeChat's published safe-mode sample, posted as WeChat would, reaches the
// callback as the sample's text message.
func TestHandlerOpensWeChatSample(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)[0]
	ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
	require.NoError(t, err)
	rec := &recorder{}
	h, err := NewHandler(v.Token, rec.handle, WithSafeMode(v.EncodingAESKey, v.AppID),
		WithClock(func() time.Time { return time.Unix(ts, 0) }))
	require.NoError(t, err)
	q := PlainQuery(v.Token, v.Timestamp, v.Nonce)
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", v.MsgSignature)
	body := "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[" + v.Encrypt + "]]></Encrypt></xml>"
	w := serve(h, httptest.NewRequest(http.MethodPost, "/wechat?"+q.Encode(), strings.NewReader(body)))
	require.NoError(t, h.Wait(t.Context()))
	require.Equal(t, "success", w.Body.String())
	require.Equal(t, 1, rec.count())
	msg := rec.msgs[0]
	assert.Equal(t, "text", msg.MsgType)
	assert.Equal(t, "6054768590064713728", msg.MsgID)
	assert.Equal(t, "abcdteT", msg.Field("Content"))
	assert.Equal(t, v.Msg, string(msg.Raw))
}
