package admin

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

func pinnedSigner(t *testing.T) *signer.Signer {
	t.Helper()
	s, err := signer.New(
		signer.WithClock(func() time.Time { return time.Unix(1_750_000_000, 0) }),
		signer.WithNonceSource(func() (string, error) { return "Wm3WZYTPz0wzccnW", nil }),
	)
	require.NoError(t, err)
	return s
}

func TestAddCardSignsWithTheCardTicket(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	c := newTestClient(t, f)
	ctx := t.Context()
	list, err := c.JSSDK.AddCard(ctx, []signer.Card{{CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKc", Code: "1234"}, {CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKd"}})
	require.NoError(t, err)
	require.Len(t, list, 2)
	ticket, err := c.CardTicket(ctx)
	require.NoError(t, err)
	for _, item := range list {
		v, err := signer.VerifyCardExt(ticket, item.CardID, item.CardExt)
		require.NoError(t, err)
		assert.True(t, v.Valid, "cardExt verifies with the wx_card ticket")
	}
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"))
	assert.EqualValues(t, 0, f.ticketFetches("jsapi"), "the jsapi ticket is never used for cards")
}

func TestAddCardRejectsBadInputBeforeFetching(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	c := newTestClient(t, f)
	tooMany := make([]signer.Card, signer.MaxCardsPerAddCard+1)
	for i := range tooMany {
		tooMany[i].CardID = "p1"
	}
	for _, tt := range []struct {
		cards []signer.Card
		field string
	}{
		{nil, "cards"},
		{tooMany, "cards"},
		{[]signer.Card{{CardID: "p1"}, {CardID: ""}}, "cards[1].card_id"},
		{[]signer.Card{{CardID: "p1", Code: "bad\ncode"}}, "cards[0].code"},
	} {
		_, err := c.JSSDK.AddCard(t.Context(), tt.cards)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, tt.field, ve.Field)
		assert.ErrorIs(t, err, ErrInvalidInput)
		assert.ErrorIs(t, err, signer.ErrInvalidInput)
	}
	assert.EqualValues(t, 0, f.tokenFetches(), "bad input costs no upstream call")
}

func TestConfigSignsWithTheJSAPITicket(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	c := newTestClient(t, f, WithSigner(pinnedSigner(t)))
	ctx := t.Context()
	cfg, err := c.JSSDK.Config(ctx, signer.JSConfigRequest{URL: "https://shop.example.com/card?x=1#frag", JSAPIList: []string{"addCard"}})
	require.NoError(t, err)
	jsapi, err := c.JSAPITicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, testAppID, cfg.AppID)
	assert.Equal(t, signer.JSSDKSignature(jsapi, cfg.NonceStr, cfg.Timestamp, "https://shop.example.com/card?x=1"), cfg.Signature)
	assert.Equal(t, []string{"addCard"}, cfg.JSAPIList)
	assert.EqualValues(t, 0, f.ticketFetches("wx_card"), "wx.config never uses the card ticket")

	_, err = c.JSSDK.Config(ctx, signer.JSConfigRequest{AppID: "wxSOMEONEELSE", URL: "https://a.example/"})
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = c.JSSDK.Config(ctx, signer.JSConfigRequest{URL: "not a url"})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "url", ve.Field)
	assert.ErrorIs(t, err, signer.ErrInvalidInput)
}

func TestChooseCardSignsWithTheCardTicket(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	c := newTestClient(t, f, WithSigner(pinnedSigner(t)))
	ctx := t.Context()
	p, err := c.JSSDK.ChooseCard(ctx, signer.ChooseCardRequest{ShopID: "1001", CardType: "GROUPON"})
	require.NoError(t, err)
	ticket, err := c.CardTicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, "SHA1", p.SignType)
	assert.Equal(t, signer.ChooseCardSignature(ticket, testAppID, "1001", p.Timestamp, p.NonceStr, "", "GROUPON"), p.CardSign)
	_, err = c.JSSDK.ChooseCard(ctx, signer.ChooseCardRequest{AppID: "wxOTHER"})
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestTicketsUseSeparateKeysAndValues(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	c := newTestClient(t, f)
	ctx := t.Context()
	card, err := c.CardTicket(ctx)
	require.NoError(t, err)
	jsapi, err := c.JSAPITicket(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, card, jsapi)
	// Reading one never replaces the other.
	for i := 0; i < 3; i++ {
		got, err := c.CardTicket(ctx)
		require.NoError(t, err)
		assert.Equal(t, card, got)
		got, err = c.JSAPITicket(ctx)
		require.NoError(t, err)
		assert.Equal(t, jsapi, got)
	}
	forced, err := c.RefreshJSAPITicket(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, jsapi, forced)
	got, err := c.CardTicket(ctx)
	require.NoError(t, err)
	assert.Equal(t, card, got, "refreshing jsapi leaves wx_card alone")
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"))
	assert.EqualValues(t, 2, f.ticketFetches("jsapi"))
}

func TestTicketFetchRefreshesARejectedToken(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	c := newTestClient(t, f)
	tok, err := c.AccessToken(t.Context())
	require.NoError(t, err)
	f.revoke(tok)
	_, err = c.CardTicket(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 2, f.tokenFetches())
	assert.EqualValues(t, 2, f.ticketFetches("wx_card"), "one rejected, one retried")
}

func TestGetRaw(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	f.handle("GET showqrcode", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("ticket") {
		case "good":
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write([]byte{0xff, 0xd8, 0xff, 0xe0})
		case "big":
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(make([]byte, 8<<10))
		default:
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(`{"errcode":40007,"errmsg":"invalid media_id"}`))
		}
	})
	c := newTestClient(t, f, WithMaxResponseBytes(4<<10, 4<<10))
	ctx := t.Context()
	body, ct, err := c.getRaw(ctx, "showqrcode", f.baseURL()+"showqrcode?ticket=good")
	require.NoError(t, err)
	assert.Equal(t, "image/jpeg", ct)
	assert.Equal(t, []byte{0xff, 0xd8, 0xff, 0xe0}, body)
	_, _, err = c.getRaw(ctx, "showqrcode", f.baseURL()+"showqrcode?ticket=big")
	assert.ErrorIs(t, err, ErrResponseTooLarge)
	_, _, err = c.getRaw(ctx, "showqrcode", f.baseURL()+"showqrcode?ticket=bad")
	assert.ErrorIs(t, err, &APIError{Code: 40007})
	_, _, err = c.getRaw(ctx, "showqrcode", "/relative")
	assert.ErrorIs(t, err, ErrInvalidInput)
	assert.EqualValues(t, 0, f.tokenFetches(), "raw fetches need no token")
}
