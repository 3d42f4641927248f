// Package oauth gets a WeChat user's openid for a merchant's H5 pages
// through WeChat's web authorization (网页授权, OAuth 2.0): the consent page
// sends the user back with a code, and the code is exchanged for the openid
// and a user access token. Cards bound to a user need that openid.
//
//	client, err := oauth.NewClient(appID, appSecret)
//	login, err := oauth.NewLoginHandler(client, oauth.LoginConfig{
//		Scope:       oauth.ScopeBase, // silent; ScopeUserInfo asks for consent
//		CallbackURL: "https://shop.example.com/wx/callback",
//		StateKey:    key,
//		OnLogin:     func(w http.ResponseWriter, r *http.Request, l *oauth.Login) { … l.Token.OpenID … },
//	})
//	mux.Handle("/wx/", login)
//
// [Client] makes the calls: [Client.AuthCodeURL] (the consent page, with
// parameters in the order WeChat reads them and #wechat_redirect),
// [Client.Exchange] (sns/oauth2/access_token), [Client.Refresh]
// (sns/oauth2/refresh_token), [Client.UserInfo] (sns/userinfo, for
// snsapi_userinfo tokens) and [Client.Check] (sns/auth). WeChat's errcodes
// are [*APIError] values matched with errors.Is against the sentinels:
// [ErrCodeUsed] (40163, a code works once), [ErrInvalidCode] (40029),
// [ErrScopeUnauthorized] (48001), [ErrRefreshTokenExpired] (42002), …
//
// The AppSecret travels in the query string of sns/oauth2/access_token, as
// WeChat requires, but never in an error or a log line: errors name the
// endpoint instead of the URL, transport errors are rebuilt without it, and
// any errmsg echoing the secret or the code is redacted. [Token] prints only
// its openid and scope.
//
// [LoginHandler] protects against login CSRF (an attacker planting their
// own code so that the victim is logged in as the attacker): the state sent
// to WeChat is an HMAC of a signed, expiring, HttpOnly cookie set on the
// same browser, so a callback is accepted only in the browser that started
// it, only once, and only within StateTTL. Its ?next= accepts local paths
// only. Refusals are JSON bodies {"error":{"code":"…","message":"…"}} with
// the Code* constants.
//
// The package uses only the standard library and builds for js/wasm and
// wasip1.
package oauth
