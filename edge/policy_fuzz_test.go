package edge_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/grant"
)

// FuzzPolicyRequests sends arbitrary grants, and arbitrary bodies, to a
// handler with a grant policy: it never panics, never answers 5xx for client
// input, and signs only cards whose grant verifies or that are public.
func FuzzPolicyRequests(f *testing.F) {
	// A fixed id: every fuzz worker process must mint the same token.
	tok := mint(f, keyA, grant.Claims{CardID: cardA, OpenID: "oUserX", Balance: new(int64(1)), ID: "fuzz-seed"})
	for _, seed := range []string{tok, tok[:len(tok)-1], tok + "A", "", ".", "x.y", `{"grant":1}`, `{"cards":[{"grant":"` + tok + `"}]}`} {
		f.Add(seed)
	}
	h := newPolicyHandler(f, nil, nil, keyA)
	f.Fuzz(func(t *testing.T, input string) {
		quoted := string(appendQuoted(nil, input))
		for _, req := range []struct{ target, body string }{
			{"/v1/addcard", `{"cards":[{"grant":` + quoted + `}]}`},
			{"/v1/choosecard", `{"grant":` + quoted + `}`},
			{"/v1/addcard", input},
			{"/v1/choosecard", input},
		} {
			res := do(t, h, http.MethodPost, req.target, req.body)
			require.Less(t, res.status, 500, "%s %q: %s", req.target, input, res.body)
			// An empty grant is no grant: choosecard without a card_id is open.
			if res.status == http.StatusOK && input != tok && input != "" && req.body != input {
				t.Fatalf("%s signed for a grant that is not the minted one: %q", req.target, input)
			}
		}
	})
}

// appendQuoted writes s as a JSON string (escaping everything outside
// printable ASCII) so any fuzz input can be placed in a body.
func appendQuoted(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c >= 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
