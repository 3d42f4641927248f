package edge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/grant"
	"github.com/wxcard/wxcard/signer"
)

// staticTickets stands in for an *admin.Client in this example.
type staticTickets struct{}

func (staticTickets) CardTicket(context.Context) (string, error)  { return "example-card-ticket", nil }
func (staticTickets) JSAPITicket(context.Context) (string, error) { return "example-jsapi-ticket", nil }

func ExampleNewHandler() {
	// A pinned clock and nonce make the output reproducible; production code
	// leaves Signer nil.
	s, _ := signer.New(
		signer.WithClock(func() time.Time { return time.Unix(1750000000, 0) }),
		signer.WithNonceSource(func() (string, error) { return "Wm3WZYTPz0wzccnW", nil }),
	)
	h, err := edge.NewHandler(edge.Config{
		AppID:          "wx1234567890abcdef",
		Tickets:        staticTickets{},
		Signer:         s,
		AllowedOrigins: []string{"https://shop.example.com"},
		// Anyone may add this card, by card_id alone.
		Policy: edge.Policy{PublicCardIDs: []string{"pFS7Fjg8kV1IdDz01r4SQwMkuCKc"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	res, err := http.Post(srv.URL+"/v1/addcard", "application/json",
		strings.NewReader(`{"cards":[{"card_id":"pFS7Fjg8kV1IdDz01r4SQwMkuCKc"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode)
	fmt.Print(string(body))
	// Output:
	// 200
	// {"cardList":[{"cardId":"pFS7Fjg8kV1IdDz01r4SQwMkuCKc","cardExt":"{\"timestamp\":\"1750000000\",\"nonce_str\":\"Wm3WZYTPz0wzccnW\",\"signature\":\"402e05dd712f40d4d4e33f7e5af8c7a89c3b011e\"}"}]}
}

func ExampleNewHandler_invalidConfig() {
	_, err := edge.NewHandler(edge.Config{AppID: "wx1234567890abcdef"})
	fmt.Println(err)
	// Output:
	// edge: invalid config: Tickets is nil
}

// A deployment where the merchant's backend mints grants and one card is
// public. The page sends {"cards":[{"grant":"…"}]}; asking for a grant-only
// card without one is refused with grant_required.
func ExampleNewHandler_grants() {
	key := grant.Key{ID: "k2025a", Secret: []byte("0123456789abcdef0123456789abcdef")}
	h, err := edge.NewHandler(edge.Config{
		AppID:   "wx1234567890abcdef",
		Tickets: staticTickets{},
		Policy: edge.Policy{
			GrantKeys:     []grant.Key{key},
			PublicCardIDs: []string{"pPublicCard"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, _ := grant.Mint(key, grant.Claims{AppID: "wx1234567890abcdef", CardID: "pMemberCard", OpenID: "oUser-1"}, time.Now())
	for _, body := range []string{
		`{"cards":[{"grant":"` + tok + `"}]}`,
		`{"cards":[{"card_id":"pPublicCard"}]}`,
		`{"cards":[{"card_id":"pMemberCard","openid":"oUser-1"}]}`,
		`{"cards":[{"card_id":"pPublicCard","openid":"oUser-2"}]}`,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/addcard", strings.NewReader(body)))
		var e struct{ Error struct{ Code string } }
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%d %s", rec.Code, e.Error.Code)))
	}
	// Output:
	// 200
	// 200
	// 403 grant_required
	// 403 field_not_allowed
}

func ExampleRateLimit() {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "signed\n") })
	// Two requests at once per client address, then one a second.
	limited, err := edge.RateLimit(api, edge.RateLimitConfig{Rate: 1, Burst: 2})
	if err != nil {
		panic(err)
	}
	for range 3 {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/v1/jsconfig", nil)
		req.RemoteAddr = "192.0.2.1:50000"
		limited.ServeHTTP(rec, req)
		fmt.Printf("%d Retry-After:%q\n", rec.Code, rec.Header().Get("Retry-After"))
	}
	// Output:
	// 200 Retry-After:""
	// 200 Retry-After:""
	// 429 Retry-After:"1"
}

func ExampleNewServer() {
	// The same API without a transport: what the Cloudflare Worker calls
	// with the parts of each request it receives.
	srv, err := edge.NewServer(edge.Config{
		AppID:   "wx1234567890abcdef",
		Tickets: staticTickets{},
		Policy:  edge.Policy{PublicCardIDs: []string{"pFS7Fjg8kV1IdDz01r4SQwMkuCKc"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := srv.Serve(context.Background(), &edge.Request{
		Method:        http.MethodPost,
		Path:          "/v1/addcard",
		ContentType:   "application/json",
		ContentLength: -1,
		Body:          strings.NewReader(`{"cards":[{"card_id":"not-public"}]}`),
	})
	fmt.Println(res.Status, res.Get("Content-Type"))
	fmt.Print(string(res.Body))
	// Output:
	// 403 application/json; charset=utf-8
	// {"error":{"code":"card_not_allowed","message":"cards[0].card_id \"not-public\" is not one this service signs"}}
}
