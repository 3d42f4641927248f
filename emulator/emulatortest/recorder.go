package emulatortest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
)

// Credential paths whose answers carry an access_token or a ticket.
const (
	pathStableToken = "/cgi-bin/stable_token"
	pathToken       = "/cgi-bin/token"
	pathGetTicket   = "/cgi-bin/ticket/getticket"
)

// Recorder is an http.Handler in front of the emulator (or any WeChat
// stand-in) that counts calls, remembers every credential it handed out and
// can hold getticket calls. It is safe for concurrent use.
type Recorder struct {
	next http.Handler

	mu      sync.Mutex
	calls   map[string]int // by path, plus "?type=" for getticket
	secrets []string
	hold    chan struct{} // while non-nil, getticket waits for it to close
}

// NewRecorder wraps next. secrets are reported by Secrets from the start
// (the AppSecret).
func NewRecorder(next http.Handler, secrets ...string) *Recorder {
	return &Recorder{next: next, calls: map[string]int{}, secrets: append([]string(nil), secrets...)}
}

// Calls counts requests to path ("/card/getcolors"); for getticket the key
// carries the type: "/cgi-bin/ticket/getticket?type=wx_card".
func (rec *Recorder) Calls(key string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.calls[key]
}

// TicketFetches counts getticket calls of typ ("wx_card", "jsapi"),
// answered or failed.
func (rec *Recorder) TicketFetches(typ string) int {
	return rec.Calls(pathGetTicket + "?type=" + typ)
}

// TokenFetches counts access token calls, stable_token and token together.
func (rec *Recorder) TokenFetches() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.calls[pathStableToken] + rec.calls[pathToken]
}

// Secrets returns the secrets given to NewRecorder and every access token
// and ticket handed out so far: none may ever show in what a caller of the
// code under test sees.
func (rec *Recorder) Secrets() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.secrets...)
}

// HoldTickets makes getticket calls wait, as a stalled upstream does, until
// the returned function is called (or the caller gives up).
func (rec *Recorder) HoldTickets() (release func()) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	hold := make(chan struct{})
	rec.hold = hold
	var once sync.Once
	return func() {
		once.Do(func() {
			rec.mu.Lock()
			if rec.hold == hold {
				rec.hold = nil
			}
			rec.mu.Unlock()
			close(hold)
		})
	}
}

func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Path
	if key == pathGetTicket {
		key += "?type=" + r.URL.Query().Get("type")
		rec.mu.Lock()
		hold := rec.hold
		rec.mu.Unlock()
		// A held call the caller gave up on never reached WeChat: it is
		// not counted.
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
	}
	rec.mu.Lock()
	rec.calls[key]++
	rec.mu.Unlock()
	switch r.URL.Path {
	case pathGetTicket, pathStableToken, pathToken:
		// Only these answers are copied; the others go straight through,
		// so the emulator's connection faults still reach the client.
		tee := &teeWriter{ResponseWriter: w}
		rec.next.ServeHTTP(tee, r)
		rec.remember(tee.body.Bytes())
	default:
		rec.next.ServeHTTP(w, r)
	}
}

func (rec *Recorder) remember(body []byte) {
	var v struct {
		AccessToken string `json:"access_token"`
		Ticket      string `json:"ticket"`
	}
	if json.Unmarshal(body, &v) != nil {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, s := range []string{v.AccessToken, v.Ticket} {
		if strings.TrimSpace(s) != "" {
			rec.secrets = append(rec.secrets, s)
		}
	}
}

// teeWriter keeps a copy of the body written through it.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (t *teeWriter) Write(p []byte) (int, error) {
	t.body.Write(p)
	return t.ResponseWriter.Write(p)
}

// Hijack hands the connection to the emulator's disconnect fault.
func (t *teeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(t.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the connection.
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
