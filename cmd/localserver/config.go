package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wxcard/wxcard/edge"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/grant"
	"github.com/wxcard/wxcard/internal/devhttp"
)

// Modes the server runs in.
const (
	modeEmulator = "emulator" // WeChat is the in-process emulator under /wechat/
	modeWeChat   = "wechat"   // WeChat is the real API (or WXCARD_BASE_URL)
)

// maxLogSample bounds -log-sample: past it, log every request with
// -log-level debug.
const maxLogSample = 1_000_000

// errUsage marks configuration mistakes: the process exits with status 2.
var errUsage = errors.New("usage")

// usageError is a configuration mistake with a message meant for the user.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return errUsage }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// config is everything the flags and environment decide.
type config struct {
	addr           string
	mode           string
	store          string // "memory", "file:PATH" or a redis:// URL; already defaulted
	dataDir        string
	appID          string
	secret         string
	baseURL        string // upstream in WeChat mode; empty means api.weixin.qq.com
	allowedOrigins []string
	allowedCardIDs []string
	// The signing policy (edge.Policy). Emulator mode also signs open, for
	// the demo; wechat mode needs grant keys or public cards.
	grantKeys        []grant.Key
	publicCardIDs    []string
	jsconfigPrefixes []string
	jsDir            string
	control          bool // emulator control routes (/wechat/emulator/v1/…)
	controlSet       bool // -emulator-control was given explicitly
	autoApprove      bool
	seed             bool
	logFormat        string
	logLevel         string
	logSample        float64       // request lines a second at info level
	storeTimeout     time.Duration // deadline of one shared-store call; 0: the admin client's default
	loopback         bool          // addr binds a loopback interface only
	// publicHosts are the Host names, besides loopback ones, that the
	// emulator and demo routes answer to.
	publicHosts []string
	rateLimit   float64 // /v1/ requests a second per client; 0 is off
	rateBurst   int
	timeouts    devhttp.Timeouts
	// The server URL (/events): in emulator mode the emulator pushes there
	// (token and key made up when not given); in wechat mode it is served
	// when a token is given.
	eventsMode   string // plaintext, safe or compatible
	eventsToken  string
	eventsAESKey string
	pushTimeout  time.Duration // the emulator's wait for an answer to a push
}

// emulatorSnapshot is where the emulator keeps its state; empty when the
// store is "memory" (nothing of this run is written to disk then).
func (c *config) emulatorSnapshot() string {
	if c.store == "memory" || c.dataDir == "" {
		return ""
	}
	return filepath.Join(c.dataDir, "emulator.db")
}

// legacyEmulatorSnapshot is the JSON file earlier versions kept the
// emulator's state in; it is imported once when emulator.db is missing.
func (c *config) legacyEmulatorSnapshot() string {
	if snap := c.emulatorSnapshot(); snap != "" {
		return filepath.Join(c.dataDir, "emulator.json")
	}
	return ""
}

// usesDataDir reports whether this run keeps anything in the data
// directory, which it then locks for its lifetime.
func (c *config) usesDataDir() bool {
	if c.dataDir == "" {
		return false
	}
	if c.mode == modeEmulator && c.emulatorSnapshot() != "" {
		return true
	}
	return c.store == "file:"+filepath.Join(c.dataDir, "store.db")
}

// parseConfig reads flags (which win) and WXCARD_* environment variables.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (*config, error) {
	fs := flag.NewFlagSet("localserver", flag.ContinueOnError)
	fs.SetOutput(out)
	c := &config{timeouts: devhttp.DefaultTimeouts()}
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.addr, "addr", env("WXCARD_ADDR", "127.0.0.1:8080"), "listen address (`host:port`); env WXCARD_ADDR")
	fs.StringVar(&c.mode, "mode", env("WXCARD_MODE", ""), "`emulator` (offline WeChat under /wechat/) or wechat (the real API); default: wechat when an appid is given, else emulator; env WXCARD_MODE")
	fs.StringVar(&c.store, "store", env("WXCARD_STORE", ""), "ticket store: memory, file:PATH or redis://[:password@]host:port[/db]; default file:<data-dir>/store.db; env WXCARD_STORE")
	fs.StringVar(&c.dataDir, "data-dir", env("WXCARD_DATA_DIR", ".wxcard"), "`directory` for the default store and the emulator's state; env WXCARD_DATA_DIR")
	fs.StringVar(&c.appID, "appid", getenv("WXCARD_APPID"), "official account appid; env WXCARD_APPID")
	fs.StringVar(&c.secret, "secret", "", "AppSecret of -appid (prefer env WXCARD_SECRET: flags show up in ps)")
	fs.StringVar(&c.baseURL, "base-url", getenv("WXCARD_BASE_URL"), "WeChat API base `URL` in wechat mode (default https://api.weixin.qq.com/); env WXCARD_BASE_URL")
	origins := fs.String("allowed-origins", getenv("WXCARD_ALLOWED_ORIGINS"), "comma-separated origins that may call /v1/ from other sites (exact match); env WXCARD_ALLOWED_ORIGINS")
	cardIDs := fs.String("allowed-card-ids", getenv("WXCARD_ALLOWED_CARD_IDS"), "comma-separated card ids /v1/ may sign (default any); env WXCARD_ALLOWED_CARD_IDS")
	grantKeys := fs.String("grant-keys", "", "grant keys `id:secret,…` (secret: 32+ bytes, base64url) shared with the merchant's backend, which mints grants (prefer env WXCARD_GRANT_KEYS: flags show up in ps)")
	publicCards := fs.String("public-card-ids", getenv("WXCARD_PUBLIC_CARD_IDS"), "comma-separated card ids anyone may add without a grant, by card_id alone; env WXCARD_PUBLIC_CARD_IDS")
	prefixes := fs.String("jsconfig-url-prefixes", getenv("WXCARD_JSCONFIG_URL_PREFIXES"), "comma-separated page URL prefixes /v1/jsconfig signs for, e.g. https://shop.example.com/ (default any); env WXCARD_JSCONFIG_URL_PREFIXES")
	fs.StringVar(&c.jsDir, "js-dir", env("WXCARD_JS_DIR", ""), "`directory` of the js package served at /js/ (default: ./js, or the repository's js/ above the working directory)")
	fs.BoolVar(&c.control, "emulator-control", true, "serve the emulator's control routes (/wechat/emulator/v1/…, used by the demo); on by default only for a loopback -addr")
	fs.BoolVar(&c.autoApprove, "auto-approve", false, "approve new cards at once in the emulator (WeChat reviews them)")
	fs.BoolVar(&c.seed, "seed", true, "create a few demo cards in an empty emulator")
	fs.StringVar(&c.eventsMode, "events-mode", env("WXCARD_EVENTS_MODE", "safe"), "how events reach /events: safe (encrypted with the EncodingAESKey), compatible (both) or plaintext; env WXCARD_EVENTS_MODE")
	fs.StringVar(&c.eventsToken, "events-token", "", "the Token of the server URL (/events), 3..32 letters and digits; made up in emulator mode (prefer env WXCARD_EVENTS_TOKEN)")
	fs.StringVar(&c.eventsAESKey, "events-aes-key", "", "the EncodingAESKey (43 characters) for safe mode; made up in emulator mode (prefer env WXCARD_EVENTS_AES_KEY: flags show up in ps)")
	fs.DurationVar(&c.pushTimeout, "push-timeout", emulator.DefaultPushTimeout, "how long the emulator waits for /events to answer a push before it retries (WeChat: 5s)")
	fs.StringVar(&c.logFormat, "log-format", env("WXCARD_LOG_FORMAT", "text"), "request log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", env("WXCARD_LOG_LEVEL", "info"), "info: failed requests (5xx), warnings and a sample of the other requests; debug: every request, the server's own start-up calls too")
	storeTimeout := fs.String("store-timeout", env("WXCARD_STORE_TIMEOUT", "0"), "deadline of one call to the shared store (Redis, the file) before signing goes on without it; 0 keeps the default (50ms); env WXCARD_STORE_TIMEOUT")
	logSample := fs.String("log-sample", env("WXCARD_LOG_SAMPLE", "10"), "at -log-level info, log at most `n` request lines a second (a burst of ten times that); 5xx answers are always logged, 0 logs only them; env WXCARD_LOG_SAMPLE")
	publicHosts := fs.String("public-hosts", getenv("WXCARD_PUBLIC_HOSTS"), "comma-separated host names or addresses, besides localhost and loopback addresses, that the emulator, demo and stand-in routes answer to (the Host header; others get 403 host_not_allowed, against DNS rebinding); for a reverse proxy's name or this machine's LAN address; env WXCARD_PUBLIC_HOSTS")
	fs.Float64Var(&c.rateLimit, "rate-limit", 20, "`n` /v1/ requests a second each client address may make, sustained; past it 429 rate_limited with Retry-After; 0 turns the limit off")
	fs.IntVar(&c.rateBurst, "rate-burst", 40, "/v1/ requests a client address may make at once before -rate-limit applies")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{msg: err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "emulator-control" {
			c.controlSet = true
		}
	})
	var err error
	if c.secret == "" {
		c.secret = getenv("WXCARD_SECRET")
	}
	if c.eventsToken == "" {
		c.eventsToken = getenv("WXCARD_EVENTS_TOKEN")
	}
	if c.eventsAESKey == "" {
		c.eventsAESKey = getenv("WXCARD_EVENTS_AES_KEY")
	}
	c.allowedOrigins = splitList(*origins)
	c.allowedCardIDs = splitList(*cardIDs)
	c.publicCardIDs = splitList(*publicCards)
	c.jsconfigPrefixes = splitList(*prefixes)
	c.publicHosts = splitList(*publicHosts)
	if c.storeTimeout, err = time.ParseDuration(*storeTimeout); err != nil || c.storeTimeout < 0 || c.storeTimeout > time.Minute {
		if *storeTimeout != "0" {
			return nil, usagef("-store-timeout %q: want a duration from 1ms to 1m, such as 50ms (0: the default)", *storeTimeout)
		}
		c.storeTimeout = 0
	}
	if c.logSample, err = strconv.ParseFloat(*logSample, 64); err != nil {
		return nil, usagef("-log-sample %q: want request lines a second, such as 10", *logSample)
	}
	if *grantKeys == "" {
		*grantKeys = getenv("WXCARD_GRANT_KEYS")
	}
	keys, err := grant.ParseKeys(*grantKeys)
	if err != nil {
		// ParseKeys names the key, never its secret.
		return nil, usagef("-grant-keys: %v", err)
	}
	c.grantKeys = keys
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *config) validate() error {
	host, port, err := net.SplitHostPort(c.addr)
	if err != nil {
		return usagef("-addr %q: want host:port, as in 127.0.0.1:8080", c.addr)
	}
	if port == "" {
		return usagef("-addr %q: the port is missing", c.addr)
	}
	c.loopback = isLoopbackHost(host)
	if !c.controlSet {
		c.control = c.loopback
	}

	switch c.mode {
	case "":
		c.mode = modeEmulator
		if c.appID != "" {
			c.mode = modeWeChat
		}
	case modeEmulator, modeWeChat:
	default:
		return usagef("-mode %q: want emulator or wechat", c.mode)
	}
	if c.mode == modeWeChat {
		if c.appID == "" {
			return usagef("wechat mode needs the official account's appid: set WXCARD_APPID (or -appid)")
		}
		if c.secret == "" {
			return usagef("wechat mode needs the AppSecret of %s: set WXCARD_SECRET", c.appID)
		}
		if len(c.grantKeys) == 0 && len(c.publicCardIDs) == 0 {
			return usagef("wechat mode signs only what the merchant allows: set WXCARD_GRANT_KEYS (id:secret, shared with your backend, which mints grants) and/or -public-card-ids (cards anyone may add by card_id alone)")
		}
		if c.baseURL != "" {
			u, err := url.Parse(c.baseURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return usagef("-base-url: want an http(s) URL such as https://api.weixin.qq.com/")
			}
		}
	} else {
		if (c.appID == "") != (c.secret == "") {
			return usagef("in emulator mode -appid and WXCARD_SECRET choose the emulated app together; give both or neither")
		}
		if c.baseURL != "" {
			return usagef("-base-url points wechat mode at another API; in emulator mode WeChat is served under /wechat/")
		}
	}

	if c.store == "" {
		if c.dataDir == "" {
			return usagef("-data-dir is empty: give -store memory, file:PATH or redis://…")
		}
		c.store = "file:" + filepath.Join(c.dataDir, "store.db")
	}
	if _, err := parseStoreSpec(c.store); err != nil {
		return err
	}
	for _, o := range c.allowedOrigins {
		if !isOrigin(o) {
			return usagef("-allowed-origins: %q is not an origin: want scheme://host[:port] in lower case, as browsers send it, with nothing after it (no path, ?, # or user@)", o)
		}
	}
	if err := c.checkEdgeConfig(); err != nil {
		return err
	}
	if _, err := devhttp.NewHostGuard(c.publicHosts); err != nil {
		return usagef("-public-hosts %v", err)
	}
	if math.IsNaN(c.rateLimit) || math.IsInf(c.rateLimit, 0) || c.rateLimit < 0 {
		return usagef("-rate-limit %v: want requests a second, 0 or more (0: no limit)", c.rateLimit)
	}
	if c.rateLimit > 0 && c.rateBurst < 1 {
		return usagef("-rate-burst %d: want at least 1", c.rateBurst)
	}
	if math.IsNaN(c.logSample) || c.logSample < 0 || c.logSample > maxLogSample {
		return usagef("-log-sample %v: want request lines a second, 0 to %d", c.logSample, maxLogSample)
	}
	switch c.eventsMode {
	case "plaintext", "safe", "compatible":
	default:
		return usagef("-events-mode %q: want safe, compatible or plaintext", c.eventsMode)
	}
	if c.eventsMode != "plaintext" && c.mode == modeWeChat && c.eventsToken != "" && c.eventsAESKey == "" {
		return usagef("-events-mode %s needs the EncodingAESKey: set WXCARD_EVENTS_AES_KEY (or -events-mode plaintext)", c.eventsMode)
	}
	if c.eventsToken != "" && !validEventsToken(c.eventsToken) {
		return usagef("-events-token: want 3..32 letters and digits, as WeChat's console does")
	}
	if c.pushTimeout < time.Millisecond || c.pushTimeout > time.Minute {
		return usagef("-push-timeout %v: want 1ms..1m", c.pushTimeout)
	}
	switch c.logFormat {
	case "text", "json":
	default:
		return usagef("-log-format %q: want text or json", c.logFormat)
	}
	switch c.logLevel {
	case "info", "debug":
	default:
		return usagef("-log-level %q: want info or debug", c.logLevel)
	}
	return nil
}

// isLoopbackHost reports whether binding host reaches this machine only.
// An empty host or 0.0.0.0 binds every interface.
func isLoopbackHost(host string) bool { return devhttp.IsLoopbackHost(host) }

// isOrigin accepts what a browser sends in the Origin header.
func isOrigin(o string) bool {
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil &&
		u.Path == "" && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" && !strings.ContainsAny(o, "?#") &&
		o == strings.ToLower(o)
}

// edgeFlagNames turns the edge.Config fields its errors name into the flags
// that set them.
var edgeFlagNames = strings.NewReplacer(
	"Policy.PublicCardIDs", "-public-card-ids",
	"Policy.JSConfigURLPrefixes", "-jsconfig-url-prefixes",
	"Policy.GrantKeys", "-grant-keys",
	"AllowedCardIDs", "-allowed-card-ids",
	"AllowedOrigins", "-allowed-origins",
	"AppID", "-appid",
)

// placeholderAppID stands in for the emulator's dev appid, generated later,
// while the edge config is checked.
const placeholderAppID = "wx0000000000000000"

// checkEdgeConfig runs the flags that end up in edge.Config through its
// own validation now, so a value it would refuse is a usage error (exit 2)
// before anything is opened, never a failure at start-up.
func (c *config) checkEdgeConfig() error {
	appID := c.appID
	if appID == "" {
		appID = placeholderAppID
	}
	_, err := edge.NewHandler(c.edgeConfig(appID, noTickets{}, nil))
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), edge.ErrInvalidConfig.Error()+": ")
		return usagef("%s", edgeFlagNames.Replace(msg))
	}
	return nil
}

// edgeConfig is the config API's configuration.
func (c *config) edgeConfig(appID string, tickets edge.TicketProvider, log *slog.Logger) edge.Config {
	return edge.Config{
		AppID:          appID,
		Tickets:        tickets,
		AllowedCardIDs: c.allowedCardIDs,
		AllowedOrigins: c.allowedOrigins,
		Logger:         log,
		Policy: edge.Policy{
			GrantKeys:           c.grantKeys,
			PublicCardIDs:       c.publicCardIDs,
			JSConfigURLPrefixes: c.jsconfigPrefixes,
			// The emulator's demo signs whatever the page asks; the
			// banner says so.
			Open: c.mode == modeEmulator,
		},
	}
}

// noTickets satisfies edge.TicketProvider for checkEdgeConfig, which
// never serves a request.
type noTickets struct{}

func (noTickets) CardTicket(context.Context) (string, error)  { return "", errors.New("no tickets") }
func (noTickets) JSAPITicket(context.Context) (string, error) { return "", errors.New("no tickets") }

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// validEventsToken is WeChat's rule for a server URL's Token.
func validEventsToken(t string) bool {
	if len(t) < 3 || len(t) > 32 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
