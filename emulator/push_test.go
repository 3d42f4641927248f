package emulator_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/events"
	"github.com/wxcard/wxcard/internal/testbalancer"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
	"github.com/wxcard/wxcard/signer"
)

const pushToken = "pushToken123"

func newAESKey(t *testing.T) string {
	t.Helper()
	var k [32]byte
	_, err := rand.Read(k[:])
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(k[:])[:43]
}

// receiver is a merchant's server URL: the real events.Handler, recording
// every callback run.
type receiver struct {
	mu   sync.Mutex
	msgs []*events.Message
	srv  *httptest.Server
}

func (r *receiver) handle(_ context.Context, m *events.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

// events returns the callbacks run so far, decoded.
func (r *receiver) events(t *testing.T) []events.CardEvent {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]events.CardEvent, 0, len(r.msgs))
	for _, m := range r.msgs {
		ev, err := m.CardEvent()
		require.NoError(t, err, string(m.Raw))
		out = append(out, ev)
	}
	return out
}

func newReceiver(t *testing.T, opts ...events.Option) *receiver {
	t.Helper()
	r := &receiver{}
	h, err := events.NewHandler(pushToken, r.handle, opts...)
	require.NoError(t, err)
	r.srv = httptest.NewServer(h)
	t.Cleanup(r.srv.Close)
	return r
}

// pushHarness is an emulator pushing to a receiver in mode.
func pushHarness(t *testing.T, mode emulator.PushMode, opts ...emulator.Option) (*harness, *receiver) {
	t.Helper()
	h := newHarness(t, opts...)
	key := newAESKey(t)
	var ropts []events.Option
	if mode != emulator.PushPlaintext {
		ropts = append(ropts, events.WithSafeMode(key, testAppID))
	}
	r := newReceiver(t, ropts...)
	require.NoError(t, h.emu.SetPushConfig(t.Context(), testAppID, emulator.PushConfig{
		URL: r.srv.URL + "/wechat/events", Token: pushToken, EncodingAESKey: key, Mode: mode, OriginalID: "gh_0123456789ab",
	}))
	return h, r
}

func (h *harness) waitPushes() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(h.t, h.emu.WaitPushes(ctx))
}

func TestCardLifecyclePushesEachEventOnce(t *testing.T) {
	t.Parallel()
	for _, mode := range []emulator.PushMode{emulator.PushPlaintext, emulator.PushSafe, emulator.PushCompatible} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			h, r := pushHarness(t, mode)
			cardID := h.createCard(couponBody(nil))
			res := h.do("POST", "/emulator/v1/cards/"+cardID+"/approve", map[string]any{"reject": true, "reason": "logo unclear"}, nil)
			require.Equal(t, http.StatusOK, res.status, string(res.raw))
			h.approve(cardID)
			got := h.addOne("o-alice", signer.Card{CardID: cardID, OuterStr: "menu"})
			require.True(t, got.IsSuccess, got.Reason)
			second := h.claim("o-alice", cardID)
			require.True(t, second.IsSuccess, second.Reason)
			h.wxOK("card/code/consume", map[string]any{"code": got.Code, "card_id": cardID})
			require.NoError(t, h.emu.RemoveFromWallet(t.Context(), testAppID, cardID, second.Code))
			h.waitPushes()

			evs := r.events(t)
			require.Len(t, evs, 6)
			assert.Equal(t, &events.CardNotPassCheck{Header: header(evs[0]), CardID: cardID, RefuseReason: "logo unclear"}, evs[0])
			assert.Equal(t, &events.CardPassCheck{Header: header(evs[1]), CardID: cardID}, evs[1])
			get := evs[2].(*events.UserGetCard)
			assert.Equal(t, "o-alice", get.FromUserName)
			assert.Equal(t, "gh_0123456789ab", get.ToUserName)
			assert.Equal(t, testEpoch.Unix(), get.CreateTime, "CreateTime is the emulated clock")
			assert.Equal(t, got.Code, get.UserCardCode)
			assert.Equal(t, "menu", get.OuterStr)
			assert.Equal(t, 0, get.IsGiveByFriend)
			assert.Equal(t, second.Code, evs[3].(*events.UserGetCard).UserCardCode)
			consume := evs[4].(*events.UserConsumeCard)
			assert.Equal(t, got.Code, consume.UserCardCode)
			assert.Equal(t, "FROM_API", consume.ConsumeSource)
			assert.Equal(t, "o-alice", consume.FromUserName)
			del := evs[5].(*events.UserDelCard)
			assert.Equal(t, second.Code, del.UserCardCode)

			for _, p := range h.emu.Pushes(testAppID) {
				assert.Equal(t, emulator.PushDelivered, p.Status, p.Event)
				require.Len(t, p.Attempts, 1, p.Event)
				assert.Equal(t, mode, p.Mode)
			}
		})
	}
}

func header(ev events.CardEvent) events.Header {
	switch e := ev.(type) {
	case *events.CardNotPassCheck:
		return e.Header
	case *events.CardPassCheck:
		return e.Header
	}
	return events.Header{}
}

func TestGiftAndMemberUpdatePush(t *testing.T) {
	t.Parallel()
	h, r := pushHarness(t, emulator.PushSafe, emulator.WithAutoApprove(true))
	cardID := h.createCard(couponBody(nil))
	got := h.claim("o-alice", cardID)
	require.True(t, got.IsSuccess, got.Reason)
	res := h.do("POST", "/emulator/v1/wallet/gift", map[string]any{"card_id": cardID, "code": got.Code, "friend_openid": "o-bob"}, nil)
	require.Equal(t, http.StatusOK, res.status, string(res.raw))
	h.waitPushes()

	evs := r.events(t)
	require.Len(t, evs, 4) // pass check (auto-approve), get, gifting, friend's get
	assert.IsType(t, &events.CardPassCheck{}, evs[0])
	gift := evs[2].(*events.UserGiftingCard)
	assert.Equal(t, "o-alice", gift.FromUserName)
	assert.Equal(t, "o-bob", gift.FriendUserName)
	friend := evs[3].(*events.UserGetCard)
	assert.Equal(t, "o-bob", friend.FromUserName)
	assert.Equal(t, 1, friend.IsGiveByFriend)
	assert.Equal(t, "o-alice", friend.FriendUserName)
	assert.Equal(t, got.Code, friend.OldUserCardCode)

	code := h.wxOK("card/code/get", map[string]any{"code": got.Code, "card_id": cardID})
	assert.Equal(t, "o-bob", code.str("openid"), "the card changed hands")
	res = h.do("POST", "/emulator/v1/wallet/gift", map[string]any{"card_id": cardID, "code": got.Code, "friend_openid": "o-bob"}, nil)
	assert.Equal(t, http.StatusBadRequest, res.status, "the friend holds it already")
}

func TestLostAnswerIsRetriedAndRunsOnce(t *testing.T) {
	t.Parallel()
	h, r := pushHarness(t, emulator.PushPlaintext, emulator.WithAutoApprove(true))
	require.NoError(t, h.emu.SetPushFaults(emulator.PushFaults{LoseAnswers: 1}))
	h.createCard(couponBody(nil))
	h.waitPushes()

	assert.Len(t, r.events(t), 1, "the retry found the first delivery's mark")
	pushes := h.emu.Pushes(testAppID)
	require.Len(t, pushes, 1)
	assert.Equal(t, emulator.PushDelivered, pushes[0].Status)
	require.Len(t, pushes[0].Attempts, 2)
	assert.Equal(t, emulator.AttemptLostAnswer, pushes[0].Attempts[0].Outcome)
	assert.Equal(t, emulator.AttemptSuccess, pushes[0].Attempts[1].Outcome)
}

// A server that does not answer in time: the emulator gives up on the
// attempt at the push timeout and sends again, as WeChat does after 5 s.
func TestSlowServerTimesOutAndIsRetried(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if calls.Add(1) == 1 {
			<-r.Context().Done() // answers only when the emulator hangs up
			return
		}
		io.WriteString(w, "success")
	}))
	t.Cleanup(srv.Close)
	// The first attempt always times out; the timeout is long enough that
	// a loaded machine answers a retry within it.
	h := newHarness(t, emulator.WithPushTimeout(300*time.Millisecond), emulator.WithAutoApprove(true))
	require.NoError(t, h.emu.SetPushConfig(t.Context(), testAppID, emulator.PushConfig{URL: srv.URL, Token: pushToken, Mode: emulator.PushPlaintext}))
	h.createCard(couponBody(nil))
	h.waitPushes()

	p := h.emu.Pushes(testAppID)[0]
	require.GreaterOrEqual(t, len(p.Attempts), 2)
	assert.Equal(t, emulator.AttemptTimeout, p.Attempts[0].Outcome)
	assert.GreaterOrEqual(t, p.Attempts[0].DurationMS, int64(300))
	assert.Equal(t, emulator.AttemptSuccess, p.Attempts[len(p.Attempts)-1].Outcome)
	assert.Equal(t, emulator.PushDelivered, p.Status)
}

func TestFailingServerGetsThreeRetries(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	h := newHarness(t, emulator.WithAutoApprove(true))
	require.NoError(t, h.emu.SetPushConfig(t.Context(), testAppID, emulator.PushConfig{URL: srv.URL, Token: pushToken, Mode: emulator.PushPlaintext}))
	h.createCard(couponBody(nil))
	h.waitPushes()

	assert.Equal(t, int32(1+emulator.DefaultPushRetries), calls.Load())
	p := h.emu.Pushes(testAppID)[0]
	assert.Equal(t, emulator.PushFailed, p.Status)
	for _, a := range p.Attempts {
		assert.Equal(t, emulator.AttemptHTTPStatus, a.Outcome)
		assert.Equal(t, http.StatusInternalServerError, a.HTTPStatus)
	}
}

// Two servers behind a round-robin balancer share one real redis-server:
// the first delivery lands on one, its retry on the other, and the
// callback runs once in all.
func TestRetriedPushRunsOnceAcrossTwoServersSharingRedis(t *testing.T) {
	t.Parallel()
	redis := kvtest.StartRedis(t)
	var calls atomic.Int32
	key := newAESKey(t)
	backends := make([]string, 2)
	for i := range backends {
		store, err := kv.NewRedis(redis.URL())
		require.NoError(t, err)
		t.Cleanup(func() { _ = store.Close() })
		h, err := events.NewHandler(pushToken, func(context.Context, *events.Message) error {
			calls.Add(1)
			return nil
		}, events.WithStore(store), events.WithSafeMode(key, testAppID))
		require.NoError(t, err)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		backends[i] = srv.URL
	}
	balancer := testbalancer.Start(t, backends...)

	h := newHarness(t, emulator.WithAutoApprove(true))
	require.NoError(t, h.emu.SetPushConfig(t.Context(), testAppID, emulator.PushConfig{URL: balancer.URL, Token: pushToken, EncodingAESKey: key, Mode: emulator.PushSafe}))
	require.NoError(t, h.emu.SetPushFaults(emulator.PushFaults{LoseAnswers: 2}))
	h.createCard(couponBody(nil))
	h.waitPushes()

	assert.Equal(t, int32(1), calls.Load(), "one callback for three deliveries")
	assert.Equal(t, int32(2), balancer.Hits(0))
	assert.Equal(t, int32(1), balancer.Hits(1))
	p := h.emu.Pushes(testAppID)[0]
	require.Len(t, p.Attempts, 3)
	assert.Equal(t, emulator.PushDelivered, p.Status)
}

func TestPushControlRoutes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := newAESKey(t)
	r := h.do("POST", "/emulator/v1/push", map[string]any{"url": "http://127.0.0.1:1/events", "token": "bad token!", "mode": "plaintext"}, nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "invalid_request", r.body["error"].(map[string]any)["code"])
	r = h.do("POST", "/emulator/v1/push", map[string]any{"url": "http://127.0.0.1:1/events", "token": pushToken, "mode": "safe"}, nil)
	assert.Equal(t, http.StatusBadRequest, r.status, "safe mode needs a key")
	r = h.do("POST", "/emulator/v1/push", map[string]any{"url": "ftp://x/", "token": pushToken, "mode": "plaintext"}, nil)
	assert.Equal(t, http.StatusBadRequest, r.status)

	r = h.do("POST", "/emulator/v1/push", map[string]any{
		"url": "http://127.0.0.1:1/events?key=secret1", "token": pushToken, "encoding_aes_key": key, "mode": "safe",
	}, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	target := r.body["target"].(map[string]any)
	assert.Equal(t, "http://127.0.0.1:1/events", target["url"])
	assert.True(t, strings.HasPrefix(target["original_id"].(string), "gh_"))
	for _, secret := range []string{pushToken, key, "secret1"} {
		assert.NotContains(t, string(r.raw), secret, "the control routes never show the token, the key or the URL's query")
	}
	r = h.do("GET", "/emulator/v1/push", nil, nil)
	assert.NotContains(t, string(r.raw), key)

	r = h.do("POST", "/emulator/v1/push/faults", map[string]any{"lose_answers": -1}, nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	r = h.do("POST", "/emulator/v1/push", map[string]any{"url": ""}, nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Nil(t, r.body["target"])
	r = h.do("POST", "/emulator/v1/wallet/delete", map[string]any{"card_id": "nope", "code": "1"}, nil)
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestPushLogIsBounded(t *testing.T) {
	t.Parallel()
	r := newReceiver(t)
	h := newHarness(t, emulator.WithAutoApprove(true))
	require.NoError(t, h.emu.SetPushConfig(t.Context(), testAppID, emulator.PushConfig{URL: r.srv.URL, Token: pushToken, Mode: emulator.PushPlaintext}))
	for range emulator.MaxPushLog + 5 {
		h.createCard(couponBody(nil))
	}
	h.waitPushes()
	pushes := h.emu.Pushes(testAppID)
	assert.Len(t, pushes, emulator.MaxPushLog)
	assert.Equal(t, int64(6), pushes[0].ID, "the oldest went first")
}

func TestMemberUpdatePushesTheChange(t *testing.T) {
	t.Parallel()
	h, r := pushHarness(t, emulator.PushPlaintext)
	id := h.memberCard()
	code := h.claim("oM", id).Code
	h.wxOK("card/membercard/activate", map[string]any{"membership_number": "M1", "code": code, "card_id": id, "init_bonus": 100, "init_balance": 2000})
	h.wxOK("card/membercard/updateuser", map[string]any{"code": code, "card_id": id, "add_bonus": 50, "balance": 500})
	h.wxOK("card/membercard/updateuser", map[string]any{"code": code, "card_id": id, "custom_field_value1": "黄金"})
	h.waitPushes()

	var updates []*events.UpdateMemberCard
	for _, ev := range r.events(t) {
		if u, ok := ev.(*events.UpdateMemberCard); ok {
			updates = append(updates, u)
		}
	}
	require.Len(t, updates, 1, "an update that changes neither points nor balance pushes nothing")
	assert.Equal(t, int64(50), updates[0].ModifyBonus)
	assert.Equal(t, int64(-1500), updates[0].ModifyBalance)
	assert.Equal(t, code, updates[0].UserCardCode)
}

func TestStockReminderOnceEveryTwelveHours(t *testing.T) {
	t.Parallel()
	h, r := pushHarness(t, emulator.PushPlaintext)
	id := h.approvedCoupon(func(bi map[string]any) {
		bi["sku"] = map[string]any{"quantity": 202}
	})
	reminders := func() int {
		h.waitPushes()
		n := 0
		for _, ev := range r.events(t) {
			if _, ok := ev.(*events.CardSkuRemind); ok {
				n++
			}
		}
		return n
	}
	ticket := h.ticket("wx_card")
	for i := range 101 { // 202 → 101 left: above the line
		res := h.walletAdd(fmt.Sprintf("o-%d", i), h.signCards(ticket, signer.Card{CardID: id}))
		require.Equal(t, "addCard:ok", res.ErrMsg)
	}
	assert.Equal(t, 0, reminders())
	require.True(t, h.claim("o-1", id).IsSuccess) // 100 left
	assert.Equal(t, 1, reminders())
	require.True(t, h.claim("o-2", id).IsSuccess)
	assert.Equal(t, 1, reminders(), "not again within 12 hours")
	h.advance(12 * time.Hour)
	require.True(t, h.claim("o-3", id).IsSuccess)
	assert.Equal(t, 2, reminders())
}

// Compatible mode carries the plaintext elements and the encrypted message
// side by side, signed as in safe mode.
func TestCompatibleModeSendsBoth(t *testing.T) {
	t.Parallel()
	bodies := make(chan string, 1)
	var query url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		query = r.URL.Query()
		bodies <- string(raw)
		io.WriteString(w, "success")
	}))
	t.Cleanup(srv.Close)
	h := newHarness(t, emulator.WithAutoApprove(true))
	key := newAESKey(t)
	require.NoError(t, h.emu.SetPushConfig(t.Context(), testAppID, emulator.PushConfig{URL: srv.URL, Token: pushToken, EncodingAESKey: key, Mode: emulator.PushCompatible}))
	h.createCard(couponBody(nil))
	h.waitPushes()
	body := <-bodies
	assert.Contains(t, body, "<Event><![CDATA[card_pass_check]]></Event>")
	assert.Contains(t, body, "<Encrypt><![CDATA[")
	assert.Equal(t, "aes", query.Get("encrypt_type"))
	crypter, err := events.NewCrypter(pushToken, key, testAppID)
	require.NoError(t, err)
	msg, err := events.Parse([]byte(body))
	require.NoError(t, err)
	plain, err := crypter.Open(query.Get("msg_signature"), query.Get("timestamp"), query.Get("nonce"), msg.Field("Encrypt"))
	require.NoError(t, err)
	assert.Contains(t, string(plain), "<Event><![CDATA[card_pass_check]]></Event>")
}
