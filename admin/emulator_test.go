package admin

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/kv/kvtest"
	"github.com/wxcard/wxcard/signer"
)

// emulated is the offline WeChat emulator behind a counting middleware.
type emulated struct {
	emu *emulator.Emulator
	srv *httptest.Server

	mu    sync.Mutex
	calls map[string]int // by path, plus "?type=" for getticket
}

func newEmulated(t *testing.T) *emulated {
	t.Helper()
	emu, err := emulator.New(emulator.WithApp(testAppID, testSecret), emulator.WithAutoApprove(true), emulator.WithRandSeed(7))
	require.NoError(t, err)
	e := &emulated{emu: emu, calls: map[string]int{}}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path
		if typ := r.URL.Query().Get("type"); typ != "" {
			key += "?type=" + typ
		}
		e.mu.Lock()
		e.calls[key]++
		e.mu.Unlock()
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *emulated) count(key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[key]
}

func (e *emulated) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(testAppID, testSecret, append([]Option{WithBaseURL(e.srv.URL), WithClock(e.emu.Now)}, opts...)...)
	require.NoError(t, err)
	return c
}

// createCoupon makes an (auto-approved) coupon through the request core.
func (e *emulated) createCoupon(t *testing.T, c *Client) string {
	t.Helper()
	var created struct {
		CardID string `json:"card_id"`
	}
	body := map[string]any{"card": map[string]any{"card_type": "GENERAL_COUPON", "general_coupon": map[string]any{
		"default_detail": "满100减10 <b>&</b>",
		"base_info": map[string]any{
			"logo_url": "http://mmbiz.qpic.cn/logo.png", "brand_name": "咖啡店", "code_type": "CODE_TYPE_QRCODE",
			"title": "十元券", "color": "Color010", "notice": "出示二维码", "description": "每人限领一张",
			"sku":       map[string]any{"quantity": 100},
			"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30},
		},
	}}}
	require.NoError(t, c.post(t.Context(), "card/create", body, &created, writeCall))
	require.NotEmpty(t, created.CardID)
	return created.CardID
}

// addToWallet plays the phone: wx.addCard with the given cardList.
func (e *emulated) addToWallet(t *testing.T, list signer.CardList) emulator.WalletResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"openid": "oUser1", "cardList": list})
	require.NoError(t, err)
	resp, err := http.Post(e.srv.URL+"/emulator/v1/wallet/add", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out emulator.WalletResponse
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// TestEmulatorStampedeThenWallet: the stampede against the emulator and a
// real Redis, then the phone accepts the cards signed with the ticket every
// caller got.
func TestEmulatorStampedeThenWallet(t *testing.T) {
	e := newEmulated(t)
	srv := kvtest.StartRedis(t)
	var clients []*Client
	for i := 0; i < 3; i++ {
		clients = append(clients, e.client(t, WithStore(redisStore(t, srv))))
	}
	seen := stampede(t, clients, 500)
	require.Len(t, seen, 1)
	assert.Equal(t, 1, e.count("/cgi-bin/stable_token"))
	assert.Equal(t, 1, e.count("/cgi-bin/ticket/getticket?type=wx_card"))
	want, ok := e.emu.Ticket(testAppID, "wx_card")
	require.True(t, ok)
	for got := range seen {
		assert.Equal(t, want, got)
	}

	cardID := e.createCoupon(t, clients[1])
	list, err := clients[2].JSSDK.AddCard(t.Context(), []signer.Card{{CardID: cardID}})
	require.NoError(t, err)
	added := e.addToWallet(t, list)
	assert.Equal(t, "addCard:ok", added.ErrMsg, "%+v", added.CardList)
}

// TestEmulatorTicketExpiry: two hours later the client replaces the ticket
// on its own, and the phone accepts what it signs.
func TestEmulatorTicketExpiry(t *testing.T) {
	e := newEmulated(t)
	c := e.client(t)
	cardID := e.createCoupon(t, c)
	first, err := c.CardTicket(t.Context())
	require.NoError(t, err)

	require.NoError(t, e.emu.Advance(t.Context(), 2*time.Hour+time.Minute))
	list, err := c.JSSDK.AddCard(t.Context(), []signer.Card{{CardID: cardID}})
	require.NoError(t, err)
	second, err := c.CardTicket(t.Context())
	require.NoError(t, err)
	assert.NotEqual(t, first, second)
	added := e.addToWallet(t, list)
	assert.Equal(t, "addCard:ok", added.ErrMsg, "%+v", added.CardList)
}

// TestEmulatorClassicTokensKnockEachOtherOut reproduces the classic
// production failure: two servers with separate caches in classic mode. The
// second fetch supersedes the first token; 5 minutes later the first server
// gets 40001. The client refreshes once, retries, and the call succeeds.
func TestEmulatorClassicTokensKnockEachOtherOut(t *testing.T) {
	e := newEmulated(t)
	a := e.client(t, WithTokenMode(TokenModeClassic), WithStore(kv.NewMemory()))
	b := e.client(t, WithTokenMode(TokenModeClassic), WithStore(kv.NewMemory()))
	ctx := t.Context()
	ta, err := a.AccessToken(ctx)
	require.NoError(t, err)
	tb, err := b.AccessToken(ctx)
	require.NoError(t, err)
	require.NotEqual(t, ta, tb)
	require.NoError(t, e.emu.Advance(t.Context(), 6*time.Minute))

	var colors struct {
		Colors []struct {
			Name string `json:"name"`
		} `json:"colors"`
	}
	require.NoError(t, a.get(ctx, "card/getcolors", nil, &colors))
	assert.NotEmpty(t, colors.Colors)
	assert.Equal(t, 3, e.count("/cgi-bin/token"), "A's first, B's, and A's one refresh")
	assert.Equal(t, 2, e.count("/card/getcolors"), "one rejected call, one retry")
}

// TestEmulatorStableTokensDoNot: the same two servers in the default
// stable_token mode share a token and never see 40001.
func TestEmulatorStableTokensDoNot(t *testing.T) {
	e := newEmulated(t)
	a := e.client(t, WithStore(kv.NewMemory()))
	b := e.client(t, WithStore(kv.NewMemory()))
	ctx := t.Context()
	ta, err := a.AccessToken(ctx)
	require.NoError(t, err)
	tb, err := b.AccessToken(ctx)
	require.NoError(t, err)
	assert.Equal(t, ta, tb)
	require.NoError(t, e.emu.Advance(t.Context(), 6*time.Minute))
	require.NoError(t, a.get(ctx, "card/getcolors", nil, nil))
	assert.Equal(t, 1, e.count("/card/getcolors"))
}

// TestEmulatorHTMLEscapingOff: card text with <, > and & reaches WeChat as
// written and comes back the same.
func TestEmulatorHTMLEscapingOff(t *testing.T) {
	e := newEmulated(t)
	c := e.client(t)
	cardID := e.createCoupon(t, c)
	var got struct {
		Card struct {
			GeneralCoupon struct {
				DefaultDetail string `json:"default_detail"`
			} `json:"general_coupon"`
		} `json:"card"`
	}
	require.NoError(t, c.post(t.Context(), "card/get", map[string]string{"card_id": cardID}, &got, readCall))
	assert.Equal(t, "满100减10 <b>&</b>", got.Card.GeneralCoupon.DefaultDetail)
}
