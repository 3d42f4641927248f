package edge_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/grant"
	"github.com/wxcard/wxcard/signer"
)

const (
	cardA = "pCardA000000000000000000000A"
	cardB = "pCardB000000000000000000000B"
	cardP = "pCardPublic00000000000000000" // public
)

var (
	keyA = grant.Key{ID: "k2025a", Secret: []byte("grant-key-a-0123456789abcdef0123456789")}
	keyB = grant.Key{ID: "k2025b", Secret: []byte("grant-key-b-0123456789abcdef0123456789")}
)

func testClock() time.Time { return time.Unix(testNow, 0) }

// newPolicyHandler serves with grants under keys, cardP public, and a log
// the test can read.
func newPolicyHandler(t testing.TB, log *bytes.Buffer, mod func(*edge.Policy), keys ...grant.Key) http.Handler {
	t.Helper()
	p := edge.Policy{GrantKeys: keys, PublicCardIDs: []string{cardP}, Now: testClock,
		JSConfigURLPrefixes: []string{"https://shop.example.com/cards/", "http://127.0.0.1:8080/"}}
	if mod != nil {
		mod(&p)
	}
	var logger *slog.Logger
	if log != nil {
		logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return newTestHandler(t, newFakeTickets(), func(c *edge.Config) {
		c.Policy = p
		c.Logger = logger
	})
}

func mint(t testing.TB, k grant.Key, c grant.Claims) string {
	t.Helper()
	if c.AppID == "" {
		c.AppID = testAppID
	}
	tok, err := grant.Mint(k, c, testClock())
	require.NoError(t, err)
	return tok
}

func addCardBody(cards ...string) string { return `{"cards":[` + strings.Join(cards, ",") + `]}` }

func grantCard(tok string) string { return `{"grant":"` + tok + `"}` }

// signedCards decodes a successful addcard answer and checks every
// signature against the test ticket.
func signedCards(t *testing.T, res response) ([]string, []signer.ParsedCardExt) {
	t.Helper()
	require.Equal(t, http.StatusOK, res.status, res.body)
	var out struct {
		CardList []struct {
			CardID  string `json:"cardId"`
			CardExt string `json:"cardExt"`
		} `json:"cardList"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.body), &out))
	var ids []string
	var exts []signer.ParsedCardExt
	for _, item := range out.CardList {
		v, err := signer.VerifyCardExt(testCardTicket, item.CardID, item.CardExt)
		require.NoError(t, err)
		require.True(t, v.Valid)
		ext, err := signer.ParseCardExt(item.CardExt)
		require.NoError(t, err)
		ids = append(ids, item.CardID)
		exts = append(exts, ext)
	}
	return ids, exts
}

func TestGrantSignsExactlyItsCard(t *testing.T) {
	t.Parallel()
	h := newPolicyHandler(t, nil, nil, keyA)
	tokA := mint(t, keyA, grant.Claims{CardID: cardA, OpenID: "oUserX", Code: "1234567890", OuterStr: "mail",
		FixedBeginTimestamp: testNow + 3600, Balance: new(int64(500))})

	ids, exts := signedCards(t, do(t, h, http.MethodPost, "/v1/addcard", addCardBody(grantCard(tokA))))
	assert.Equal(t, []string{cardA}, ids)
	assert.Equal(t, "oUserX", exts[0].OpenID)
	assert.Equal(t, "1234567890", exts[0].Code)
	assert.Equal(t, "mail", exts[0].OuterStr)
	assert.Equal(t, int64(testNow+3600), exts[0].FixedBeginTimestamp)
	require.NotNil(t, exts[0].Balance)
	assert.Equal(t, int64(500), *exts[0].Balance)

	tests := []struct {
		name, body, code string
	}{
		{"grant for A cannot sign B", addCardBody(`{"grant":"` + tokA + `","card_id":"` + cardB + `"}`), edge.CodeFieldNotAllowed},
		{"grant for openid X cannot sign openid Y", addCardBody(`{"grant":"` + tokA + `","openid":"oUserY"}`), edge.CodeFieldNotAllowed},
		{"grant for A leaves another code out", addCardBody(`{"grant":"` + tokA + `","code":"999"}`), edge.CodeFieldNotAllowed},
		{"grant for A leaves another balance out", addCardBody(`{"grant":"` + tokA + `","balance":1}`), edge.CodeFieldNotAllowed},
		{"B without a grant", addCardBody(grantCard(tokA), `{"card_id":"`+cardB+`"}`), edge.CodeGrantRequired},
		{"A without a grant", addCardBody(`{"card_id":"` + cardA + `","openid":"oUserX"}`), edge.CodeGrantRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, h, http.MethodPost, "/v1/addcard", tt.body)
			assert.Equal(t, http.StatusForbidden, res.status, res.body)
			assert.Equal(t, tt.code, decodeError(t, res).Error.Code)
		})
	}

	// A grant for openid X signs X; one for Y signs Y; nothing mixes them.
	tokY := mint(t, keyA, grant.Claims{CardID: cardA, OpenID: "oUserY"})
	ids, exts = signedCards(t, do(t, h, http.MethodPost, "/v1/addcard", addCardBody(grantCard(tokA), grantCard(tokY), `{"card_id":"`+cardP+`"}`)))
	assert.Equal(t, []string{cardA, cardA, cardP}, ids)
	assert.Equal(t, []string{"oUserX", "oUserY", ""}, []string{exts[0].OpenID, exts[1].OpenID, exts[2].OpenID})
}

func TestGrantRefusals(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	h := newPolicyHandler(t, &log, nil, keyA)
	good := mint(t, keyA, grant.Claims{CardID: cardA})
	payload, mac, _ := strings.Cut(good, ".")
	otherPayload, _, _ := strings.Cut(mint(t, keyA, grant.Claims{CardID: cardB}), ".")
	strangerA := grant.Key{ID: keyA.ID, Secret: []byte("not-the-merchants-secret-0123456789ab")}
	expiring := mint(t, keyA, grant.Claims{CardID: cardA, ExpiresAt: testNow + 1})
	expired := newPolicyHandler(t, &log, func(p *edge.Policy) {
		p.Now = func() time.Time { return time.Unix(testNow+1+31, 0) }
	}, keyA)
	future := mint(t, keyA, grant.Claims{CardID: cardA, NotBefore: testNow + 300})

	tests := []struct {
		name  string
		h     http.Handler
		token string
		code  string
	}{
		{"expired", expired, expiring, edge.CodeGrantExpired},
		{"not yet valid", h, future, edge.CodeGrantNotYetValid},
		{"tampered payload", h, otherPayload + "." + mac, edge.CodeGrantInvalid},
		{"tampered MAC", h, payload + "." + strings.Repeat("A", len(mac)), edge.CodeGrantInvalid},
		{"wrong app", h, mint(t, keyA, grant.Claims{AppID: "wxffffffffffffffff", CardID: cardA}), edge.CodeGrantWrongApp},
		{"wrong key, unknown id", h, mint(t, keyB, grant.Claims{CardID: cardA}), edge.CodeGrantUnknownKey},
		{"wrong key, known id", h, mint(t, strangerA, grant.Claims{CardID: cardA}), edge.CodeGrantInvalid},
		{"garbage", h, "not-a-grant", edge.CodeGrantInvalid},
		{"too long", h, strings.Repeat("A", grant.MaxTokenLen+1), edge.CodeGrantInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, route := range []struct{ path, body string }{
				{"/v1/addcard", addCardBody(grantCard(tt.token))},
				{"/v1/choosecard", grantCard(tt.token)},
			} {
				res := do(t, tt.h, http.MethodPost, route.path, route.body)
				assert.Equal(t, http.StatusForbidden, res.status, res.body)
				e := decodeError(t, res)
				assert.Equal(t, tt.code, e.Error.Code, route.path)
				if _, mac, ok := strings.Cut(tt.token, "."); ok {
					assert.NotContains(t, res.body, mac, "the answer repeats the MAC")
				}
			}
		})
	}
	// Refusals are logged by code, never with the grant or the key.
	require.Contains(t, log.String(), edge.CodeGrantExpired)
	assert.NotContains(t, log.String(), mac)
	assert.NotContains(t, log.String(), string(keyA.Secret))
	assert.NotContains(t, log.String(), string(strangerA.Secret))
}

func TestPublicCardTakesNoCallerFields(t *testing.T) {
	t.Parallel()
	h := newPolicyHandler(t, nil, nil, keyA)
	ids, exts := signedCards(t, do(t, h, http.MethodPost, "/v1/addcard", addCardBody(`{"card_id":"`+cardP+`"}`)))
	assert.Equal(t, []string{cardP}, ids)
	ext := exts[0].CardExt
	assert.Equal(t, signer.CardExt{Timestamp: ext.Timestamp, NonceStr: ext.NonceStr, Signature: ext.Signature}, ext,
		"nothing but timestamp, nonce and signature")

	for field, value := range map[string]string{
		"code": `"123"`, "openid": `"oUserY"`, "outer_str": `"x"`, "fixed_begintimestamp": `1750003600`, "balance": `0`,
	} {
		t.Run(field, func(t *testing.T) {
			res := do(t, h, http.MethodPost, "/v1/addcard", addCardBody(`{"card_id":"`+cardP+`","`+field+`":`+value+`}`))
			assert.Equal(t, http.StatusForbidden, res.status, res.body)
			e := decodeError(t, res)
			assert.Equal(t, edge.CodeFieldNotAllowed, e.Error.Code)
			assert.Contains(t, e.Error.Message, field)
		})
	}
	// The same holds when no grants are configured at all.
	publicOnly := newPolicyHandler(t, nil, nil)
	res := do(t, publicOnly, http.MethodPost, "/v1/addcard", addCardBody(`{"card_id":"`+cardP+`","openid":"oUserY"}`))
	assert.Equal(t, edge.CodeFieldNotAllowed, decodeError(t, res).Error.Code)
	res = do(t, publicOnly, http.MethodPost, "/v1/addcard", addCardBody(`{"card_id":"`+cardA+`"}`))
	assert.Equal(t, http.StatusForbidden, res.status)
	assert.Equal(t, edge.CodeCardNotAllowed, decodeError(t, res).Error.Code)
	res = do(t, publicOnly, http.MethodPost, "/v1/addcard", addCardBody(grantCard(mint(t, keyA, grant.Claims{CardID: cardA}))))
	assert.Equal(t, edge.CodeGrantInvalid, decodeError(t, res).Error.Code, "grants are refused where no key is configured")
}

func TestGrantKeyRotation(t *testing.T) {
	t.Parallel()
	byA := mint(t, keyA, grant.Claims{CardID: cardA})
	byB := mint(t, keyB, grant.Claims{CardID: cardA})
	during := newPolicyHandler(t, nil, nil, keyA, keyB)
	after := newPolicyHandler(t, nil, nil, keyB)
	for _, tok := range []string{byA, byB} {
		ids, _ := signedCards(t, do(t, during, http.MethodPost, "/v1/addcard", addCardBody(grantCard(tok))))
		assert.Equal(t, []string{cardA}, ids)
	}
	signedCards(t, do(t, after, http.MethodPost, "/v1/addcard", addCardBody(grantCard(byB))))
	res := do(t, after, http.MethodPost, "/v1/addcard", addCardBody(grantCard(byA)))
	assert.Equal(t, edge.CodeGrantUnknownKey, decodeError(t, res).Error.Code)
}

func TestChooseCardPolicy(t *testing.T) {
	t.Parallel()
	h := newPolicyHandler(t, nil, nil, keyA)
	choose := func(body string) response { return do(t, h, http.MethodPost, "/v1/choosecard", body) }
	decode := func(res response) signer.ChooseCardParams {
		require.Equal(t, http.StatusOK, res.status, res.body)
		var p signer.ChooseCardParams
		require.NoError(t, json.Unmarshal([]byte(res.body), &p))
		assert.Equal(t, signer.ChooseCardSignature(testCardTicket, testAppID, p.ShopID, p.Timestamp, p.NonceStr, p.CardID, p.CardType), p.CardSign)
		return p
	}
	p := decode(choose(grantCard(mint(t, keyA, grant.Claims{CardID: cardA, ShopID: "88", CardType: "GROUPON"}))))
	assert.Equal(t, [3]string{cardA, "88", "GROUPON"}, [3]string{p.CardID, p.ShopID, p.CardType})
	p = decode(choose(`{"card_id":"` + cardP + `","shop_id":"7"}`))
	assert.Equal(t, cardP, p.CardID)
	p = decode(choose(`{"card_type":"GROUPON"}`))
	assert.Empty(t, p.CardID, "without a card_id the user picks among cards already held")

	for _, tt := range []struct{ body, code string }{
		{`{"card_id":"` + cardA + `"}`, edge.CodeGrantRequired},
		{`{"grant":"` + mint(t, keyA, grant.Claims{CardID: cardA}) + `","card_id":"` + cardB + `"}`, edge.CodeFieldNotAllowed},
		{`{"grant":"` + mint(t, keyA, grant.Claims{CardID: cardA}) + `","shop_id":"1"}`, edge.CodeFieldNotAllowed},
	} {
		res := choose(tt.body)
		assert.Equal(t, http.StatusForbidden, res.status, res.body)
		assert.Equal(t, tt.code, decodeError(t, res).Error.Code, tt.body)
	}
}

func TestJSConfigURLPrefixes(t *testing.T) {
	t.Parallel()
	h := newPolicyHandler(t, nil, nil, keyA)
	for page, status := range map[string]int{
		"https://shop.example.com/cards/":              http.StatusOK,
		"https://shop.example.com/cards/7?from=x#frag": http.StatusOK,
		"http://127.0.0.1:8080/demo":                   http.StatusOK,
		"https://shop.example.com/other":               http.StatusForbidden,
		"https://shop.example.com.evil.example/cards/": http.StatusForbidden,
		"http://shop.example.com/cards/":               http.StatusForbidden,
		"http://127.0.0.1:80800/":                      http.StatusForbidden,
	} {
		res := do(t, h, http.MethodGet, "/v1/jsconfig?url="+url.QueryEscape(page), "")
		assert.Equal(t, status, res.status, "%s: %s", page, res.body)
		if status == http.StatusForbidden {
			assert.Equal(t, edge.CodeURLNotAllowed, decodeError(t, res).Error.Code)
		}
	}
}

func TestPolicyConfig(t *testing.T) {
	t.Parallel()
	base := edge.Config{AppID: testAppID, Tickets: newFakeTickets()}
	tests := []struct {
		name   string
		policy edge.Policy
	}{
		{"nothing chosen", edge.Policy{}},
		{"short key", edge.Policy{GrantKeys: []grant.Key{{ID: "k", Secret: []byte("short")}}}},
		{"duplicate key id", edge.Policy{GrantKeys: []grant.Key{keyA, {ID: keyA.ID, Secret: keyB.Secret}}}},
		{"empty public card", edge.Policy{PublicCardIDs: []string{""}}},
		{"prefix without slash", edge.Policy{Open: true, JSConfigURLPrefixes: []string{"https://shop.example.com"}}},
		{"relative prefix", edge.Policy{Open: true, JSConfigURLPrefixes: []string{"/cards/"}}},
		{"prefix upper case host", edge.Policy{Open: true, JSConfigURLPrefixes: []string{"https://Shop.example.com/"}}},
		{"prefix with fragment", edge.Policy{Open: true, JSConfigURLPrefixes: []string{"https://shop.example.com/#x"}}},
		{"prefix with user", edge.Policy{Open: true, JSConfigURLPrefixes: []string{"https://u@shop.example.com/"}}},
	}
	for _, tt := range tests {
		cfg := base
		cfg.Policy = tt.policy
		_, err := edge.NewHandler(cfg)
		require.ErrorIs(t, err, edge.ErrInvalidConfig, tt.name)
		assert.NotContains(t, err.Error(), string(keyB.Secret), tt.name)
	}
	for _, p := range []edge.Policy{{Open: true}, {GrantKeys: []grant.Key{keyA}}, {PublicCardIDs: []string{cardP}}} {
		cfg := base
		cfg.Policy = p
		_, err := edge.NewHandler(cfg)
		assert.NoError(t, err)
	}
}
