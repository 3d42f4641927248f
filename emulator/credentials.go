package emulator

import "time"

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

type ticketResponse struct {
	envelope
	Ticket    string `json:"ticket"`
	ExpiresIn int64  `json:"expires_in"`
}

// credentials checks grant_type, appid and secret in WeChat's order.
func (c *call) credentials(grantType, appID, secret string) (*appState, error) {
	if grantType != "client_credential" {
		return nil, wxErr(ErrcodeInvalidGrantType, "grant_type must be client_credential")
	}
	if appID == "" {
		return nil, wxErr(ErrcodeMissingAppID, "")
	}
	if secret == "" {
		return nil, wxErr(ErrcodeMissingSecret, "")
	}
	app := c.e.st.Apps[appID]
	if app == nil {
		return nil, wxErr(ErrcodeInvalidAppID, "")
	}
	if secret != app.Secret {
		return nil, wxErr(ErrcodeInvalidAppSecret, "")
	}
	return app, nil
}

// issueToken mints an access token of kind for app.
func (e *Emulator) issueToken(app *appState, kind string, now time.Time) string {
	e.pruneTokens(now)
	v := e.randString(urlSafe, 136)
	e.st.Tokens[v] = &tokenRecord{AppID: app.AppID, Kind: kind, Expires: now.Add(TokenLifetime)}
	e.touchToken(v)
	return v
}

// supersede ends a token 5 minutes from now (or at its own expiry, if that
// comes first), as WeChat does when a newer one is issued.
func (e *Emulator) supersede(value string, now time.Time) {
	t := e.st.Tokens[value]
	if t == nil || !t.Revoked.IsZero() {
		return
	}
	t.Revoked = now.Add(TokenOverlap)
	if t.Revoked.After(t.Expires) {
		t.Revoked = t.Expires
	}
	e.touchToken(value)
}

// GET cgi-bin/token?grant_type=client_credential&appid=…&secret=…
func (c *call) token() (any, error) {
	q := c.r.URL.Query()
	app, err := c.credentials(q.Get("grant_type"), q.Get("appid"), q.Get("secret"))
	if err != nil {
		return nil, err
	}
	if app.TokenQuota.used(c.now) >= c.e.cfg.tokenDailyQuota {
		return nil, wxErr(ErrcodeDailyQuota, "cgi-bin/token daily quota used up")
	}
	app.TokenQuota.add(c.now)
	if app.CurrentToken != "" {
		c.e.supersede(app.CurrentToken, c.now)
	}
	app.CurrentToken = c.e.issueToken(app, "token", c.now)
	return tokenResponse{app.CurrentToken, int64(TokenLifetime / time.Second)}, nil
}

type stableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

// POST cgi-bin/stable_token {grant_type, appid, secret, force_refresh}
func (c *call) stableToken() (any, error) {
	var req stableTokenRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	app, err := c.credentials(req.GrantType, req.AppID, req.Secret)
	if err != nil {
		return nil, err
	}
	e := c.e
	cur := e.st.Tokens[app.StableToken]
	valid := cur != nil && c.now.Before(cur.Expires) && (cur.Revoked.IsZero() || c.now.Before(cur.Revoked))
	switch {
	case req.ForceRefresh:
		if app.StableForce.used(c.now) >= c.e.cfg.stableForceQuota {
			return nil, wxErr(ErrcodeDailyQuota, "force_refresh is limited to 20 calls a day")
		}
		// "连续使用该模式时，请保证调用时间隔至少为30s，否则不会刷新": a forced
		// refresh inside 30 s of the previous one returns the current token.
		if valid && !app.StableForceLast.IsZero() && c.now.Sub(app.StableForceLast) < StableForceRefreshInterval {
			break
		}
		app.StableForce.add(c.now)
		app.StableForceLast = c.now
		if cur != nil {
			e.supersede(app.StableToken, c.now)
		}
		app.StableToken = e.issueToken(app, "stable", c.now)
	case !valid || cur.Expires.Sub(c.now) < TokenOverlap:
		// The platform renews the stable token 5 minutes before it expires;
		// the old one keeps working until its own expiry.
		app.StableToken = e.issueToken(app, "stable", c.now)
	}
	t := e.st.Tokens[app.StableToken]
	return tokenResponse{app.StableToken, int64(t.Expires.Sub(c.now) / time.Second)}, nil
}

// authenticate maps an access_token to its app, with WeChat's errcodes:
// 41001 missing, 40014 unknown, 42001 expired, 40001 superseded.
func (e *Emulator) authenticate(value string, now time.Time) (*appState, *wxError) {
	if value == "" {
		return nil, wxErr(ErrcodeMissingAccessToken, "")
	}
	t := e.st.Tokens[value]
	if t == nil {
		return nil, wxErr(ErrcodeInvalidAccessToken, "")
	}
	if !t.Revoked.IsZero() && !now.Before(t.Revoked) && t.Revoked.Before(t.Expires) {
		return nil, wxErr(ErrcodeInvalidCredential, "")
	}
	if !now.Before(t.Expires) {
		return nil, wxErr(ErrcodeAccessTokenExpired, "")
	}
	app := e.st.Apps[t.AppID]
	if app == nil {
		return nil, wxErr(ErrcodeInvalidAccessToken, "")
	}
	return app, nil
}

// GET cgi-bin/ticket/getticket?access_token=…&type=wx_card|jsapi
func (c *call) getTicket() (any, error) {
	typ := c.r.URL.Query().Get("type")
	if typ != "wx_card" && typ != "jsapi" {
		return nil, wxErr(ErrcodeInvalidArgs, "type must be wx_card or jsapi")
	}
	t := c.app.Tickets[typ]
	if t == nil {
		t = &ticket{}
		c.app.Tickets[typ] = t
	}
	// Same ticket while it is valid; in its last 5 minutes a new one is
	// issued and the replaced one keeps verifying until it expires.
	// WithTicketPerCall drops the reuse, the harsher model a cache must
	// survive.
	if c.e.ticketPerCall || t.Expires.Sub(c.now) < TokenOverlap {
		if t.Value != "" {
			t.Previous, t.PreviousExp, t.PreviousRepl = t.Value, t.Expires, c.now
		}
		t.Value = c.e.randString(urlSafe, 86)
		t.Expires = c.now.Add(c.e.ticketLifetime)
	}
	return ticketResponse{success(), t.Value, int64(t.Expires.Sub(c.now) / time.Second)}, nil
}

// cardTickets lists the wx_card tickets a WeChat client accepts right now.
func (a *appState) cardTickets(now time.Time) []string {
	t := a.Tickets["wx_card"]
	if t == nil {
		return nil
	}
	var out []string
	if now.Before(t.Expires) {
		out = append(out, t.Value)
	}
	if t.Previous != "" && now.Before(t.PreviousExp) {
		out = append(out, t.Previous)
	}
	return out
}
