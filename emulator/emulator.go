package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Emulator is an offline, stateful stand-in for WeChat's card backend. It
// is an http.Handler serving WeChat's own paths at its root and the
// emulator's control routes under /emulator/v1/. It is safe for concurrent
// use; every request runs under one lock, which is what makes "exactly one
// of 50 concurrent consumes succeeds" hold.
type Emulator struct {
	cfg    config
	routes map[string]route
	page   *template.Template

	mu     sync.Mutex // guards everything below
	st     state
	rng    *mrand.ChaCha8
	faults Faults
	// ticketLifetime and ticketPerCall shape getticket's answers; see
	// WithTicketLifetime and WithTicketPerCall.
	ticketLifetime time.Duration
	ticketPerCall  bool
	// snap is the open snapshot file (nil without WithSnapshotFile);
	// imported names a JSON snapshot New imported into it.
	snap     *snapshotDB
	imported string
	closed   bool
	// auth is web authorization's codes and user tokens (webauth.go).
	auth webAuth
	// push sends event pushes to the apps' server URLs (push.go); it has
	// its own lock and never takes mu while a push is on the wire.
	push *pusher
}

// route is one WeChat endpoint.
type route struct {
	// methods lists the HTTP methods accepted; the first one names the
	// errcode for the others (43001 require GET / 43002 require POST).
	methods []string
	// auth: the call needs a valid access_token in the query.
	auth bool
	// writes: the call may change state, so the snapshot is saved after it.
	writes bool
	handle func(c *call) (any, error)
}

// call is one WeChat-path request being served, under Emulator.mu.
type call struct {
	e    *Emulator
	r    *http.Request
	app  *appState
	now  time.Time
	body []byte
	path string
}

// New returns an Emulator configured by opts. It starts no goroutines (one
// runs while event pushes are being sent, and ends when they are). With
// WithSnapshotFile it opens (or creates) the snapshot, loads and validates
// it, and holds the file's lock until Close. Errors include
// ErrInvalidSnapshot and ErrSnapshotInUse.
func New(opts ...Option) (*Emulator, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("emulator: nil Option")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	e := &Emulator{cfg: cfg, faults: cfg.faults.clone(), ticketLifetime: cfg.ticketLifetime, ticketPerCall: cfg.ticketPerCall, auth: newWebAuth()}
	e.push = newPusher(e, cfg.push)
	var seed [32]byte
	if cfg.seed != nil {
		binary.LittleEndian.PutUint64(seed[:], *cfg.seed)
	} else if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("emulator: seed: %w", err)
	}
	e.rng = mrand.NewChaCha8(seed)
	e.st = state{Version: snapshotVersion, Apps: map[string]*appState{}, Tokens: map[string]*tokenRecord{}}
	if cfg.snapshotFile != "" {
		if err := e.openSnapshot(cfg.snapshotFile); err != nil {
			return nil, err
		}
	}
	if err := e.finishNew(); err != nil {
		if e.snap != nil {
			e.snap.close()
		}
		return nil, err
	}
	return e, nil
}

// finishNew registers the configured apps over the loaded state and commits
// the result, so a generated dev app survives a kill.
func (e *Emulator) finishNew() error {
	cfg := e.cfg
	for i, a := range cfg.apps {
		if existing := e.st.Apps[a.appID]; existing != nil {
			existing.Secret = a.secret
		} else {
			e.st.Apps[a.appID] = newAppState(a.appID, a.secret)
		}
		if i == 0 {
			e.st.DevApp = a.appID
		}
	}
	if e.st.Apps[e.st.DevApp] == nil {
		appID := "wx" + e.hex(16)
		e.st.Apps[appID] = newAppState(appID, e.hex(32))
		e.st.DevApp = appID
	}
	e.routes = e.wechatRoutes()
	page, err := parsePage()
	if err != nil {
		return fmt.Errorf("emulator: page template: %w", err)
	}
	e.page = page
	if err := e.saveLocked(); err != nil {
		return err
	}
	if e.snap != nil {
		dev := e.st.Apps[e.st.DevApp]
		return writeDevApp(e.snap.path, dev.AppID, dev.Secret)
	}
	return nil
}

// DevApp returns the default app: the first WithApp, else the one kept in
// the snapshot, else a generated one (appid "wx" + 16 hex digits). Control
// routes act on it when no appid is given.
func (e *Emulator) DevApp() (appID, secret string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.st.Apps[e.st.DevApp]
	return a.AppID, a.Secret
}

// now is the emulated time: the configured clock plus every advance.
func (e *Emulator) now() time.Time {
	return e.cfg.clock().Add(e.st.ClockOffset)
}

// Now returns the emulated time.
func (e *Emulator) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now()
}

// MaxClockOffset bounds how far the emulated clock may be moved ahead in
// all. time.Duration holds about 292 years; without a bound, repeated
// advances wrapped the clock into the past (30 advances of 10 years landed
// in 1742).
const MaxClockOffset = 100 * 365 * 24 * time.Hour

// ErrClockBound is returned by Advance when the clock would move past
// MaxClockOffset, or by a negative or zero duration.
var ErrClockBound = errors.New("emulator: the clock moves forward only, by at most " + MaxClockOffset.String() + " in all")

// Advance moves the emulated clock forward by d, as POST /emulator/v1/clock
// does, and saves the snapshot. It fails with ErrClockBound for a d that is
// not positive or that would take the offset past MaxClockOffset.
func (e *Emulator) Advance(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.advanceLocked(d); err != nil {
		return err
	}
	return e.saveLocked()
}

func (e *Emulator) advanceLocked(d time.Duration) error {
	if d <= 0 || d > MaxClockOffset-e.st.ClockOffset {
		return ErrClockBound
	}
	e.st.ClockOffset += d
	return nil
}

// lockApp is how the Go-side helpers start: it checks ctx, takes mu and
// returns appID's state with the function that releases mu.
func (e *Emulator) lockApp(ctx context.Context, appID string) (*appState, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	e.mu.Lock()
	a := e.st.Apps[appID]
	if a == nil {
		e.mu.Unlock()
		return nil, nil, ErrUnknownApp
	}
	return a, e.mu.Unlock, nil
}

// lockUserCard is lockApp for the helpers about one user card: it also
// returns the card and the user card (ErrNotFound when either is missing).
func (e *Emulator) lockUserCard(ctx context.Context, appID, cardID, code string) (*appState, *card, *userCard, func(), error) {
	a, unlock, err := e.lockApp(ctx, appID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cd := a.Cards[cardID]
	if cd == nil || cd.UserCards[code] == nil {
		unlock()
		return nil, nil, nil, nil, ErrNotFound
	}
	return a, cd, cd.UserCards[code], unlock, nil
}

// locked runs f under mu and releases it however f ends: a panic in a
// handler (recovered by net/http) must not leave every later request, and
// shutdown, waiting for the lock.
func (e *Emulator) locked(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f()
}

// Ticket returns the current api_ticket of typ ("wx_card" or "jsapi") for
// appID, if one has been issued and has not expired. It is meant for tests
// (the HTTP surface never shows a ticket except to its token holder).
func (e *Emulator) Ticket(appID, typ string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.st.Apps[appID]
	if a == nil {
		return "", false
	}
	t := a.Tickets[typ]
	if t == nil || !e.now().Before(t.Expires) {
		return "", false
	}
	return t.Value, true
}

const (
	alnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	urlSafe = alnum + "-_"
	hexChar = "0123456789abcdef"
	digits  = "0123456789"
)

// randString draws n characters of alphabet from the emulator's stream;
// callers hold mu (New runs before anyone else can).
func (e *Emulator) randString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[e.rng.Uint64()%uint64(len(alphabet))]
	}
	return string(b)
}

func (e *Emulator) hex(n int) string { return e.randString(hexChar, n) }

func (e *Emulator) chance(rate float64) bool {
	if rate <= 0 {
		return false
	}
	return float64(e.rng.Uint64()>>11)/(1<<53) < rate
}

// ServeHTTP serves WeChat's paths (cgi-bin/token, card/…, …) and the
// control routes under /emulator/v1/.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if path == "emulator" || strings.HasPrefix(path, "emulator/") {
		e.serveControl(w, r, strings.TrimPrefix(path, "emulator"))
		return
	}
	e.serveWeChat(w, r, path)
}

func (e *Emulator) serveWeChat(w http.ResponseWriter, r *http.Request, path string) {
	switch {
	case path == "cgi-bin/showqrcode":
		e.serveShowQRCode(w, r)
		return
	case path == "connect/oauth2/authorize":
		e.serveAuthorize(w, r)
		return
	case path == "bizmall/cardlandingpage":
		e.serveLandingPage(w, r)
		return
	case strings.HasPrefix(path, "q/"):
		e.serveQRTarget(w, r, strings.TrimPrefix(path, "q/"))
		return
	}
	rt, ok := e.routes[path]
	if !ok {
		writeWeChat(w, http.StatusNotFound, nil, wxErr(ErrcodeInvalidURL, "no such API: "+path))
		return
	}
	fault := e.pickFault(path)
	if !fault.sleep(r) {
		return // the client went away while we waited
	}
	switch {
	case fault.status != 0:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(fault.status)
		io.WriteString(w, "<html><body><h1>"+http.StatusText(fault.status)+"</h1></body></html>\n")
		return
	case fault.errcode != 0:
		writeWeChat(w, http.StatusOK, nil, wxErr(fault.errcode, "injected fault"))
		return
	}
	body, werr := e.handleWeChat(r, path, rt)
	var buf bytes.Buffer
	status := encodeWeChat(&buf, body, werr)
	if fault.disconnect {
		disconnect(w, status, buf.Bytes())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (e *Emulator) handleWeChat(r *http.Request, path string, rt route) (any, error) {
	if !methodAllowed(r.Method, rt.methods) {
		if rt.methods[0] == http.MethodGet {
			return nil, wxErr(ErrcodeRequireGET, "")
		}
		return nil, wxErr(ErrcodeRequirePOST, "")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, e.cfg.maxBodyBytes))
	if err != nil {
		return nil, wxErr(ErrcodeDataFormat, "request body unreadable or larger than 1 MiB")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := &call{e: e, r: r, now: e.now(), body: body, path: path}
	if rt.auth {
		app, werr := e.authenticate(r.URL.Query().Get("access_token"), c.now)
		if werr != nil {
			return nil, werr
		}
		c.app = app
	}
	out, herr := rt.handle(c)
	if rt.writes {
		if err := e.saveLocked(); err != nil {
			// The change is made in memory; WeChat would answer "system
			// error" when its storage failed, and so do we.
			return nil, wxErr(ErrcodeSystemBusy, "snapshot could not be written")
		}
	}
	return out, herr
}

func methodAllowed(m string, allowed []string) bool {
	for _, a := range allowed {
		if m == a {
			return true
		}
	}
	return false
}

// base is the public base URL for links in answers to this request.
func (c *call) base() string {
	if c.e.cfg.publicURL != "" {
		return c.e.cfg.publicURL
	}
	if c.r.Host == "" {
		return DefaultPublicURL
	}
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

// decode reads the JSON body into v the way WeChat does: an empty body is
// 44002, malformed JSON or a wrong field type is 47001.
func (c *call) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return wxErr(ErrcodeEmptyPostData, "")
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return wxErr(ErrcodeDataFormat, te.Field+" has the wrong type")
		}
		return wxErr(ErrcodeDataFormat, "body is not valid JSON")
	}
	if dec.More() {
		return wxErr(ErrcodeDataFormat, "data after the JSON object")
	}
	return nil
}

// envelope is the success envelope every card endpoint shares.
type envelope struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
}

func success() envelope { return envelope{Errmsg: "ok"} }

// encodeWeChat writes the answer into buf and returns the HTTP status.
// WeChat answers API errors with HTTP 200 and an errcode in the body.
func encodeWeChat(buf *bytes.Buffer, body any, err error) int {
	status := http.StatusOK
	if err != nil {
		var we *wxError
		if !errors.As(err, &we) {
			we = wxErr(ErrcodeSystemBusy, "")
		}
		body = struct {
			Errcode int    `json:"errcode"`
			Errmsg  string `json:"errmsg"`
		}{we.Code, we.Error()}
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if encErr := enc.Encode(body); encErr != nil {
		buf.Reset()
		buf.WriteString(`{"errcode":-1,"errmsg":"system error"}` + "\n")
	}
	return status
}

func writeWeChat(w http.ResponseWriter, status int, body any, err error) {
	var buf bytes.Buffer
	encodeWeChat(&buf, body, err)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
