package edge_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzRequests feeds arbitrary bodies and query strings to every route: the
// handler must never panic, never answer 5xx for client input, and always
// answer JSON.
func FuzzRequests(f *testing.F) {
	for _, seed := range []string{
		`{"cards":[{"card_id":"c1"}]}`, `{"cards":[{"card_id":"c1","balance":-1}]}`, `{"cards":null}`,
		`{"shop_id":"1","card_type":"GROUPON","card_id":"c1"}`, `[]`, `"x"`, `{"cards":[{"card_id":"\ud800"}]}`,
		"https://a.example/#x", "%zz", "",
	} {
		f.Add(seed)
	}
	handler := newTestHandler(f, newFakeTickets(), nil)
	f.Fuzz(func(t *testing.T, input string) {
		for _, req := range []struct{ method, target, body string }{
			{http.MethodPost, "/v1/addcard", input},
			{http.MethodPost, "/v1/choosecard", input},
			{http.MethodGet, "/v1/jsconfig?url=" + url.QueryEscape(input), ""},
		} {
			res := do(t, handler, req.method, req.target, req.body)
			require.Less(t, res.status, 500, "%s %q: %s", req.target, input, res.body)
			require.Equal(t, "application/json; charset=utf-8", res.header.Get("Content-Type"))
		}
	})
}
