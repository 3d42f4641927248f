// Package fakewechat is a small WeChat token/ticket upstream for the worker's
// tests: it speaks cgi-bin/stable_token, cgi-bin/token and
// cgi-bin/ticket/getticket as WeChat documents them, counts every fetch, and
// injects the failures the edge must survive (HTTP 500, errcode -1, 40001).
// Tokens and tickets are random per issue so a test can tell which one signed
// a payload.
package fakewechat

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Fault is an injected failure: an HTTP status other than 200, or a WeChat
// errcode inside an HTTP 200.
type Fault struct {
	Status  int
	Errcode int
	Errmsg  string
}

// Common faults.
var (
	FaultHTTP500           = Fault{Status: http.StatusInternalServerError}
	FaultBusy              = Fault{Errcode: -1, Errmsg: "system error"}
	FaultInvalidCredential = Fault{Errcode: 40001, Errmsg: "invalid credential, access_token is invalid or not latest"}
)

// Upstream is the fake. It is safe for concurrent use.
type Upstream struct {
	appID, secret string

	mu             sync.Mutex
	token          string
	tokenExpiry    time.Time
	tickets        map[string]string // type → current ticket
	ticketLifetime time.Duration
	ticketFaults   []Fault // consumed one per getticket call
	stickyFault    *Fault
	hold           chan struct{} // while non-nil, getticket waits for it to close
	tokenFetches   int
	ticketFetches  map[string]int // successful and failed getticket calls by type
	issued         []string
}

// New returns an upstream for one app.
func New(appID, secret string) *Upstream {
	return &Upstream{
		appID: appID, secret: secret,
		tickets:        map[string]string{},
		ticketFetches:  map[string]int{},
		ticketLifetime: 7200 * time.Second,
	}
}

// SetTicketLifetime sets expires_in for tickets issued from now on.
func (u *Upstream) SetTicketLifetime(d time.Duration) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.ticketLifetime = d
}

// FailNextTickets makes the next getticket calls fail with faults, one each.
func (u *Upstream) FailNextTickets(faults ...Fault) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.ticketFaults = append(u.ticketFaults, faults...)
}

// FailTicketsAlways makes every getticket call fail with f until cleared with nil.
func (u *Upstream) FailTicketsAlways(f *Fault) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.stickyFault = f
}

// HoldTickets makes getticket calls wait, as a stalled upstream does,
// until the returned function is called (or the caller gives up).
func (u *Upstream) HoldTickets() (release func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	hold := make(chan struct{})
	u.hold = hold
	var once sync.Once
	return func() {
		once.Do(func() {
			u.mu.Lock()
			if u.hold == hold {
				u.hold = nil
			}
			u.mu.Unlock()
			close(hold)
		})
	}
}

// TicketFetches counts getticket calls for type t ("wx_card", "jsapi").
func (u *Upstream) TicketFetches(t string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.ticketFetches[t]
}

// TokenFetches counts access token calls.
func (u *Upstream) TokenFetches() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.tokenFetches
}

// Ticket returns the current ticket of type t, "" if none was issued.
func (u *Upstream) Ticket(t string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.tickets[t]
}

// Secrets returns the app secret and every token and ticket issued so far:
// none of them may ever appear in an edge response.
func (u *Upstream) Secrets() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string{u.secret}, u.issued...)
}

func (u *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/cgi-bin/stable_token":
		var req struct {
			GrantType    string `json:"grant_type"`
			AppID        string `json:"appid"`
			Secret       string `json:"secret"`
			ForceRefresh bool   `json:"force_refresh"`
		}
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil || req.GrantType != "client_credential" {
			writeJSON(w, map[string]any{"errcode": 40002, "errmsg": "invalid grant_type"})
			return
		}
		u.serveToken(w, req.AppID, req.Secret, req.ForceRefresh)
	case "/cgi-bin/token":
		q := r.URL.Query()
		if r.Method != http.MethodGet || q.Get("grant_type") != "client_credential" {
			writeJSON(w, map[string]any{"errcode": 40002, "errmsg": "invalid grant_type"})
			return
		}
		u.serveToken(w, q.Get("appid"), q.Get("secret"), true)
	case "/cgi-bin/ticket/getticket":
		u.serveTicket(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (u *Upstream) serveToken(w http.ResponseWriter, appID, secret string, force bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.tokenFetches++
	switch {
	case appID != u.appID:
		writeJSON(w, map[string]any{"errcode": 40013, "errmsg": "invalid appid"})
		return
	case secret != u.secret:
		writeJSON(w, map[string]any{"errcode": 40125, "errmsg": "invalid appsecret"})
		return
	}
	now := time.Now()
	if force || u.token == "" || now.After(u.tokenExpiry) {
		u.token = "ACCESS-TOKEN-" + randomText()
		u.tokenExpiry = now.Add(7200 * time.Second)
		u.issued = append(u.issued, u.token)
	}
	writeJSON(w, map[string]any{"access_token": u.token, "expires_in": int(time.Until(u.tokenExpiry).Seconds())})
}

func (u *Upstream) serveTicket(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	typ := q.Get("type")
	u.mu.Lock()
	hold := u.hold
	u.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.ticketFetches[typ]++
	var fault *Fault
	if len(u.ticketFaults) > 0 {
		fault = &u.ticketFaults[0]
		u.ticketFaults = u.ticketFaults[1:]
	} else if u.stickyFault != nil {
		fault = u.stickyFault
	}
	if fault != nil {
		if fault.Status != 0 {
			http.Error(w, "upstream exploded", fault.Status)
			return
		}
		writeJSON(w, map[string]any{"errcode": fault.Errcode, "errmsg": fault.Errmsg})
		return
	}
	if tok := q.Get("access_token"); tok == "" || tok != u.token || time.Now().After(u.tokenExpiry) {
		writeJSON(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
		return
	}
	if typ != "wx_card" && typ != "jsapi" {
		writeJSON(w, map[string]any{"errcode": 40097, "errmsg": "invalid args"})
		return
	}
	ticket := "TICKET-" + typ + "-" + randomText()
	u.tickets[typ] = ticket
	u.issued = append(u.issued, ticket)
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": int(u.ticketLifetime / time.Second)})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func randomText() string {
	return rand.Text()
}
