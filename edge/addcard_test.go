package edge_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/signer"
)

type addCardResponse struct {
	CardList []struct {
		CardID  string `json:"cardId"`
		CardExt string `json:"cardExt"`
	} `json:"cardList"`
}

func TestAddCardSignsEveryCard(t *testing.T) {
	t.Parallel()
	tickets := newFakeTickets()
	h := newTestHandler(t, tickets, nil)
	body := `{"cards":[
		{"card_id":"pFS7Fjg8kV1IdDz01r4SQwMkuCKc"},
		{"card_id":"pFS7Fjg8kV1IdDz01r4SQwMkuCKd","code":"1234567890","openid":"oFS7Fjl0WsZ9AMZqrI80nbIq8xrA","outer_str":"campaign-7","fixed_begintimestamp":1750000100,"balance":500}
	]}`
	res := do(t, h, http.MethodPost, "/v1/addcard", body, "Content-Type", "application/json")
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.Equal(t, "application/json; charset=utf-8", res.header.Get("Content-Type"))
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))

	var out addCardResponse
	require.NoError(t, json.Unmarshal([]byte(res.body), &out))
	require.Len(t, out.CardList, 2)
	nonces := map[string]bool{}
	for i, item := range out.CardList {
		v, err := signer.VerifyCardExt(testCardTicket, item.CardID, item.CardExt)
		require.NoError(t, err)
		assert.True(t, v.Valid, "card %d: %+v", i, v.Problems)
		assert.Equal(t, strconv.Itoa(testNow), v.CardExt.Timestamp, "cardExt carries the signed timestamp")
		assert.NotEmpty(t, v.CardExt.NonceStr)
		nonces[v.CardExt.NonceStr] = true
		// Independently recomputed from the fields cardExt carries.
		assert.Equal(t, signer.CardExtSignature(testCardTicket, testNow, item.CardID, v.CardExt.Code, v.CardExt.OpenID, v.CardExt.NonceStr), v.CardExt.Signature)
	}
	assert.Len(t, nonces, 2, "each card gets its own nonce")
	assert.Equal(t, "pFS7Fjg8kV1IdDz01r4SQwMkuCKd", out.CardList[1].CardID)
	ext, err := signer.ParseCardExt(out.CardList[1].CardExt)
	require.NoError(t, err)
	assert.Equal(t, "1234567890", ext.Code)
	assert.Equal(t, "campaign-7", ext.OuterStr)
	assert.EqualValues(t, 1750000100, ext.FixedBeginTimestamp)
	require.NotNil(t, ext.Balance)
	assert.EqualValues(t, 500, *ext.Balance)
	assert.EqualValues(t, 1, tickets.cardCalls.Load())
	assert.Zero(t, tickets.jsapiCalls.Load(), "addcard must never use the jsapi ticket")
}

func TestAddCardRejectsBadInput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", signer.MaxCardIDLen+1)
	tooMany := `{"cards":[` + strings.TrimSuffix(strings.Repeat(`{"card_id":"c1"},`, 4), ",") + `]}`
	tests := []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"empty body", "application/json", "", http.StatusBadRequest, edge.CodeInvalidJSON},
		{"not json", "application/json", "cards=1", http.StatusBadRequest, edge.CodeInvalidJSON},
		{"truncated", "application/json", `{"cards":[{"card_id":"c1"}`, http.StatusBadRequest, edge.CodeInvalidJSON},
		{"trailing data", "application/json", `{"cards":[{"card_id":"c1"}]} {}`, http.StatusBadRequest, edge.CodeInvalidJSON},
		{"array body", "application/json", `[{"card_id":"c1"}]`, http.StatusBadRequest, edge.CodeInvalidJSON},
		{"wrong type", "application/json", `{"cards":[{"card_id":7}]}`, http.StatusBadRequest, edge.CodeInvalidJSON},
		{"unknown top field", "application/json", `{"cards":[{"card_id":"c1"}],"ticket":"x"}`, http.StatusBadRequest, edge.CodeUnknownField},
		{"unknown card field", "application/json", `{"cards":[{"card_id":"c1","cardId":"c1"}]}`, http.StatusBadRequest, edge.CodeUnknownField},
		{"no cards field", "application/json", `{}`, http.StatusBadRequest, edge.CodeMissingCards},
		{"null", "application/json", `null`, http.StatusBadRequest, edge.CodeMissingCards},
		{"empty cards", "application/json", `{"cards":[]}`, http.StatusBadRequest, edge.CodeMissingCards},
		{"missing card_id", "application/json", `{"cards":[{"card_id":"c1"},{"code":"1"}]}`, http.StatusBadRequest, edge.CodeMissingCardID},
		{"too many cards", "application/json", tooMany, http.StatusBadRequest, edge.CodeTooManyCards},
		{"card_id too long", "application/json", `{"cards":[{"card_id":"` + long + `"}]}`, http.StatusBadRequest, edge.CodeInvalidField},
		{"control character", "application/json", `{"cards":[{"card_id":"c1","code":"a\u0001"}]}`, http.StatusBadRequest, edge.CodeInvalidField},
		{"negative balance", "application/json", `{"cards":[{"card_id":"c1","balance":-1}]}`, http.StatusBadRequest, edge.CodeInvalidField},
		{"millisecond begin time", "application/json", `{"cards":[{"card_id":"c1","fixed_begintimestamp":1750000000000}]}`, http.StatusBadRequest, edge.CodeInvalidField},
		{"card not allowed", "application/json", `{"cards":[{"card_id":"c1"},{"card_id":"evil"}]}`, http.StatusForbidden, edge.CodeCardNotAllowed},
		{"form body", "application/x-www-form-urlencoded", `{"cards":[{"card_id":"c1"}]}`, http.StatusUnsupportedMediaType, edge.CodeUnsupportedMediaType},
		{"body too large", "application/json", `{"cards":[{"card_id":"c1","outer_str":"` + strings.Repeat("x", 300) + `"}]}`, http.StatusRequestEntityTooLarge, edge.CodeBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tickets := newFakeTickets()
			h := newTestHandler(t, tickets, func(c *edge.Config) {
				c.MaxCards = 3
				c.MaxBodyBytes = 256
				c.AllowedCardIDs = []string{"c1", "c2"}
			})
			res := do(t, h, http.MethodPost, "/v1/addcard", tt.body, "Content-Type", tt.contentType)
			assert.Equal(t, tt.status, res.status, res.body)
			e := decodeError(t, res)
			assert.Equal(t, tt.code, e.Error.Code, e.Error.Message)
			assert.Zero(t, tickets.cardCalls.Load(), "a bad request must not cost a ticket lookup")
		})
	}
}

func TestAddCardBodyTooLargeWithoutContentLength(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, newFakeTickets(), func(c *edge.Config) { c.MaxBodyBytes = 64 })
	req := strings.NewReader(`{"cards":[{"card_id":"` + strings.Repeat("c", 200) + `"}]}`)
	rec := httptestRecorder(h, http.MethodPost, "/v1/addcard", struct{ *strings.Reader }{req})
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.status)
	assert.Equal(t, edge.CodeBodyTooLarge, decodeError(t, rec).Error.Code)
}

func TestAddCardAcceptsTextPlainAndNoContentType(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, newFakeTickets(), nil)
	for _, ct := range []string{"", "text/plain;charset=UTF-8", "application/json; charset=utf-8"} {
		res := do(t, h, http.MethodPost, "/v1/addcard", `{"cards":[{"card_id":"c1"}]}`, "Content-Type", ct)
		assert.Equal(t, http.StatusOK, res.status, "content type %q: %s", ct, res.body)
	}
}
