package edge_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/grant"
)

// The pair behind the bench/pairs.tsv row "addcard with a grant vs
// without": the same card with the same openid and code, signed from a
// grant (decode the longer body, verify, sign) and as the open policy
// signs what the request names (decode, sign), through the whole handler.
// Both report req/s.
func BenchmarkEdgeAddCardGrant(b *testing.B) {
	h := newPolicyHandler(b, nil, nil, keyA, keyB)
	tok := mint(b, keyB, grant.Claims{CardID: cardA, OpenID: benchOpenID, Code: benchCode})
	benchAddCard(b, h, addCardBody(grantCard(tok)))
}

func BenchmarkEdgeAddCardNoGrant(b *testing.B) {
	h := newPolicyHandler(b, nil, func(p *edge.Policy) { p.Open = true }, keyA, keyB)
	benchAddCard(b, h, addCardBody(`{"card_id":"`+cardA+`","openid":"`+benchOpenID+`","code":"`+benchCode+`"}`))
}

const (
	benchOpenID = "oUser-0123456789abcdef0123"
	benchCode   = "0123456789"
)

func benchAddCard(b *testing.B, h http.Handler, body string) {
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/addcard", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
