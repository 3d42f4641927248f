package oauth_test

import (
	"crypto/rand"
	"fmt"
	"log"
	"net/http"

	"github.com/wxcard/wxcard/oauth"
)

// The consent URL for a page that needs the user's profile.
func ExampleClient_AuthCodeURL() {
	client, err := oauth.NewClient("wx520c15f417810387", "app secret")
	if err != nil {
		log.Fatal(err)
	}
	u, err := client.AuthCodeURL("https://shop.example.com/wx/callback", oauth.ScopeUserInfo, "a1b2c3")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u)
	// Output: https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx520c15f417810387&redirect_uri=https%3A%2F%2Fshop.example.com%2Fwx%2Fcallback&response_type=code&scope=snsapi_userinfo&state=a1b2c3#wechat_redirect
}

// A merchant's backend gets the openid of whoever opens /wx/login inside
// WeChat, then sends them on to the page they came from.
func ExampleNewLoginHandler() {
	client, err := oauth.NewClient("wx520c15f417810387", "app secret")
	if err != nil {
		log.Fatal(err)
	}
	key := make([]byte, 32) // in production: the same secret on every server
	if _, err := rand.Read(key); err != nil {
		log.Fatal(err)
	}
	login, err := oauth.NewLoginHandler(client, oauth.LoginConfig{
		Scope:       oauth.ScopeBase,
		CallbackURL: "https://shop.example.com/wx/callback",
		StateKey:    key,
		OnLogin: func(w http.ResponseWriter, r *http.Request, l *oauth.Login) {
			// Start your own session for l.Token.OpenID here; the card
			// APIs take that openid.
			http.Redirect(w, r, l.Next, http.StatusFound)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/wx/", login) // /wx/login?next=/cards starts, /wx/callback finishes
	fmt.Println("mounted")
	// Output: mounted
}
