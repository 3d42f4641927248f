package admin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/signer"
)

// upstream stands in for api.weixin.qq.com in these examples.
func upstream(fetches *atomic.Int64) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cgi-bin/stable_token", func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		fmt.Fprint(w, `{"access_token":"ACCESS_TOKEN","expires_in":7200}`)
	})
	mux.HandleFunc("GET /cgi-bin/ticket/getticket", func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		fmt.Fprintf(w, `{"errcode":0,"errmsg":"ok","ticket":"TICKET_%s","expires_in":7200}`, r.URL.Query().Get("type"))
	})
	return httptest.NewServer(mux)
}

func ExampleNewClient() {
	var fetches atomic.Int64
	srv := upstream(&fetches)
	defer srv.Close()

	client, err := admin.NewClient("wx1234567890", "app-secret",
		admin.WithBaseURL(srv.URL), // leave out to talk to WeChat itself
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	card, _ := client.CardTicket(ctx)
	jsapi, _ := client.JSAPITicket(ctx)
	card, _ = client.CardTicket(ctx) // cached
	fmt.Println(card, jsapi, "upstream calls:", fetches.Load())
	// Output: TICKET_wx_card TICKET_jsapi upstream calls: 3
}

// When WeChat says a cardExt signed with the cached ticket is invalid,
// replace the ticket; the next signatures use the new one.
func ExampleClient_RefreshCardTicket() {
	var fetches atomic.Int64
	srv := upstream(&fetches)
	defer srv.Close()

	client, _ := admin.NewClient("wx1234567890", "app-secret", admin.WithBaseURL(srv.URL))
	ctx := context.Background()
	_, _ = client.CardTicket(ctx) // access token, then the ticket
	fresh, err := client.RefreshCardTicket(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fresh, "upstream calls:", fetches.Load())
	// Output: TICKET_wx_card upstream calls: 3
}

// Several servers share one store: the first to need a ticket fetches it,
// the others read it. With Redis (kv.NewRedis) this holds across processes.
func ExampleWithStore() {
	var fetches atomic.Int64
	srv := upstream(&fetches)
	defer srv.Close()

	shared := kv.NewMemory()
	a, _ := admin.NewClient("wx1234567890", "app-secret", admin.WithBaseURL(srv.URL), admin.WithStore(shared))
	b, _ := admin.NewClient("wx1234567890", "app-secret", admin.WithBaseURL(srv.URL), admin.WithStore(shared))

	ctx := context.Background()
	t1, _ := a.CardTicket(ctx)
	t2, _ := b.CardTicket(ctx)
	fmt.Println(t1 == t2, "upstream calls:", fetches.Load())
	// Output: true upstream calls: 2
}

func ExampleJSSDKService_Config() {
	var fetches atomic.Int64
	srv := upstream(&fetches)
	defer srv.Close()

	// A pinned clock and nonce make the output reproducible; production code
	// leaves WithSigner out.
	s, _ := signer.New(
		signer.WithClock(func() time.Time { return time.Unix(1414587457, 0) }),
		signer.WithNonceSource(func() (string, error) { return "Wm3WZYTPz0wzccnW", nil }),
	)
	client, _ := admin.NewClient("wx1234567890", "app-secret", admin.WithBaseURL(srv.URL), admin.WithSigner(s))

	cfg, err := client.JSSDK.Config(context.Background(), signer.JSConfigRequest{
		URL:       "https://shop.example.com/cards?id=1#top",
		JSAPIList: []string{"addCard", "chooseCard"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := cfg.MarshalJSON()
	fmt.Println(string(out))
	// Output: {"appId":"wx1234567890","timestamp":1414587457,"nonceStr":"Wm3WZYTPz0wzccnW","signature":"1d9badfdab54975542a8e9da914e33450c7e99f2","jsApiList":["addCard","chooseCard"]}
}

func ExampleJSSDKService_AddCard() {
	var fetches atomic.Int64
	srv := upstream(&fetches)
	defer srv.Close()

	s, _ := signer.New(
		signer.WithClock(func() time.Time { return time.Unix(1414587457, 0) }),
		signer.WithNonceSource(func() (string, error) { return "Wm3WZYTPz0wzccnW", nil }),
	)
	client, _ := admin.NewClient("wx1234567890", "app-secret", admin.WithBaseURL(srv.URL), admin.WithSigner(s))

	list, err := client.JSSDK.AddCard(context.Background(), []signer.Card{{CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKc", Code: "1234567890"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := list.MarshalJSON()
	fmt.Println(string(out))
	// Output: [{"cardId":"pFS7Fjg8kV1IdDz01r4SQwMkuCKc","cardExt":"{\"code\":\"1234567890\",\"timestamp\":\"1414587457\",\"nonce_str\":\"Wm3WZYTPz0wzccnW\",\"signature\":\"05814a8d46378068c7096c745e44def4952d0d07\"}"}]
}

func ExampleAPIError() {
	err := error(&admin.APIError{Op: "card/code/consume", Code: 45009, Msg: "reach max api daily quota limit"})

	if errors.Is(err, admin.ErrQuotaExceeded) {
		fmt.Println("quota exhausted; not retrying")
	}
	var apiErr *admin.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Code, apiErr.Op)
	}
	// Output:
	// quota exhausted; not retrying
	// 45009 card/code/consume
}

// A store that needs more than the default 50 ms, such as a Redis in
// another region, gets its own deadline; the client skips it while it
// fails and serves the tickets it holds in memory meanwhile.
func ExampleWithStoreTimeout() {
	var fetches atomic.Int64
	srv := upstream(&fetches)
	defer srv.Close()
	store, err := kv.NewRedis("redis://127.0.0.1:1/0") // nothing listens there
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	client, err := admin.NewClient("wx1234567890", "app-secret", admin.WithBaseURL(srv.URL),
		admin.WithStore(store), admin.WithStoreTimeout(200*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < 3; i++ {
		ticket, err := client.CardTicket(context.Background())
		fmt.Println(ticket, err)
	}
	fmt.Println("upstream fetches:", fetches.Load())
	// Output:
	// TICKET_wx_card <nil>
	// TICKET_wx_card <nil>
	// TICKET_wx_card <nil>
	// upstream fetches: 2
}
