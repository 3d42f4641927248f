package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/oauth"
)

// Web authorization offline: the emulator serves WeChat's consent page and
// the sns/ endpoints, so the client only needs its two URLs pointed there.
func ExampleClient_Exchange_emulator() {
	emu, err := emulator.New(emulator.WithApp("wx520c15f417810387", "app-secret"))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	client, err := oauth.NewClient("wx520c15f417810387", "app-secret",
		oauth.WithBaseURL(srv.URL+"/"),
		oauth.WithAuthorizeURL(srv.URL+"/connect/oauth2/authorize"))
	if err != nil {
		log.Fatal(err)
	}

	// The user's browser: snsapi_base sends them straight back with a code.
	consent, err := client.AuthCodeURL("https://shop.example.com/wx/callback", oauth.ScopeBase, "s1")
	if err != nil {
		log.Fatal(err)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(consent)
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		log.Fatal(err)
	}
	code := back.Query().Get("code")

	// The merchant's backend.
	tok, err := client.Exchange(context.Background(), code)
	if err != nil {
		log.Fatal(err)
	}
	want, _ := emu.OAuthOpenID("wx520c15f417810387", emulator.DefaultOAuthUser)
	fmt.Println(back.Host, tok.OpenID == want, tok.Scope)
	_, err = client.Exchange(context.Background(), code)
	fmt.Println(errors.Is(err, oauth.ErrCodeUsed))
	// Output:
	// shop.example.com true snsapi_base
	// true
}
