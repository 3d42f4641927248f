package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/wxcard/wxcard/grant"
)

// Modes the server runs in.
const (
	modeEmulator = "emulator" // WeChat is the in-process emulator under /wechat/
	modeWeChat   = "wechat"   // WeChat is the real API (or WXCARD_BASE_URL)
)

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
	loopback         bool // addr binds a loopback interface only
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
	c := &config{}
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
	fs.StringVar(&c.logFormat, "log-format", env("WXCARD_LOG_FORMAT", "text"), "request log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", env("WXCARD_LOG_LEVEL", "info"), "info, or debug to also log the server's own start-up calls")
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
	if c.secret == "" {
		c.secret = getenv("WXCARD_SECRET")
	}
	c.allowedOrigins = splitList(*origins)
	c.allowedCardIDs = splitList(*cardIDs)
	c.publicCardIDs = splitList(*publicCards)
	c.jsconfigPrefixes = splitList(*prefixes)
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
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			return usagef("-allowed-origins: %q is not an origin (scheme://host[:port], no path)", o)
		}
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
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
