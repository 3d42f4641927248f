package emulator

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Option configures an Emulator. Every option checks its input; New
// returns the first error.
type Option func(*config) error

type appConfig struct {
	appID, secret string
}

type config struct {
	apps             []appConfig
	clock            func() time.Time
	autoApprove      bool
	snapshotFile     string
	publicURL        string
	controlRoutes    bool
	tokenDailyQuota  int
	cardExtMaxAge    time.Duration
	cardExtMaxSkew   time.Duration
	faults           Faults
	seed             *uint64
	maxBodyBytes     int64
	stableForceQuota int
	ticketLifetime   time.Duration
	ticketPerCall    bool
	push             pushSettings
}

// Defaults, as WeChat documents them where it does.
const (
	// DefaultTokenDailyQuota is cgi-bin/token's daily quota for a new account.
	DefaultTokenDailyQuota = 2000
	// StableForceRefreshDailyQuota is how many force_refresh calls
	// cgi-bin/stable_token allows a day.
	StableForceRefreshDailyQuota = 20
	// StableForceRefreshInterval is the minimum gap between two forced
	// refreshes; a call inside it returns the current token unchanged.
	StableForceRefreshInterval = 30 * time.Second
	// TokenLifetime is the expires_in of access tokens and tickets.
	TokenLifetime = 7200 * time.Second
	// TokenOverlap is how long a superseded token keeps working, and how
	// early stable tokens and tickets are renewed before they expire.
	TokenOverlap = 5 * time.Minute
	// DefaultCardExtMaxAge is how old a cardExt timestamp may be when the
	// simulated client adds the card. WeChat does not publish its window.
	DefaultCardExtMaxAge = 30 * time.Minute
	// DefaultCardExtMaxSkew is how far in the future a cardExt timestamp
	// may be (clock skew between the merchant's server and the phone).
	DefaultCardExtMaxSkew = 5 * time.Minute
	// DefaultPublicURL is the base of the URLs the emulator hands out when
	// WithPublicURL is not given and a request carries no Host.
	DefaultPublicURL = "http://127.0.0.1:8080"
	// maxRequestBody bounds every request body.
	maxRequestBody = 1 << 20
)

func defaultConfig() config {
	return config{
		clock:            time.Now,
		controlRoutes:    true,
		tokenDailyQuota:  DefaultTokenDailyQuota,
		cardExtMaxAge:    DefaultCardExtMaxAge,
		cardExtMaxSkew:   DefaultCardExtMaxSkew,
		maxBodyBytes:     maxRequestBody,
		stableForceQuota: StableForceRefreshDailyQuota,
		ticketLifetime:   TokenLifetime,
		push:             pushSettings{timeout: DefaultPushTimeout, retries: DefaultPushRetries},
	}
}

// WithApp registers an app (official account) by appid and AppSecret. It
// may be given more than once; the first app registered is the dev app
// (see Emulator.DevApp). Without it a dev app with a random appid
// ("wx" + 16 hex digits) and secret is created, or taken from the snapshot.
func WithApp(appID, secret string) Option {
	return func(c *config) error {
		if err := checkToken("appid", appID, 64); err != nil {
			return fmt.Errorf("emulator: WithApp: %w", err)
		}
		if err := checkToken("secret", secret, 128); err != nil {
			return fmt.Errorf("emulator: WithApp: %w", err)
		}
		for _, a := range c.apps {
			if a.appID == appID {
				return fmt.Errorf("emulator: WithApp: appid %q registered twice", appID)
			}
		}
		c.apps = append(c.apps, appConfig{appID, secret})
		return nil
	}
}

// WithClock replaces the wall clock. POST /emulator/v1/clock and
// Emulator.Advance move time forward on top of it.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("emulator: WithClock: nil clock")
		}
		c.clock = now
		return nil
	}
}

// WithAutoApprove makes new and re-reviewed cards CARD_STATUS_VERIFY_OK at
// once, and new sub-merchants APPROVED, instead of waiting for
// POST /emulator/v1/cards/{id}/approve.
func WithAutoApprove(on bool) Option {
	return func(c *config) error {
		c.autoApprove = on
		return nil
	}
}

// WithSnapshotFile keeps the state in a bbolt file (mode 0600): New loads
// it when it exists, and every request that changes state commits what it
// changed before it answers. A path ending in .json names the JSON snapshot
// of earlier versions, imported once into the .db file beside it. The file
// is locked until Emulator.Close. It holds secrets and tokens: keep it out
// of version control.
func WithSnapshotFile(path string) Option {
	return func(c *config) error {
		if strings.TrimSpace(path) == "" {
			return errors.New("emulator: WithSnapshotFile: empty path")
		}
		c.snapshotFile = path
		return nil
	}
}

// WithPublicURL sets the externally visible base URL of the emulator's
// WeChat paths, used in show_qrcode_url, QR code and landing-page URLs. It
// may carry a path prefix (http://127.0.0.1:8080/wechat) when the emulator
// is mounted under http.StripPrefix. Without it the URLs are built from the
// request's Host (http, or https behind TLS), which is right whenever the
// emulator is served at the root of its host.
func WithPublicURL(base string) Option {
	return func(c *config) error {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(base, "#") {
			return errors.New("emulator: WithPublicURL: want an absolute http(s) URL without user, query or fragment")
		}
		c.publicURL = strings.TrimRight(base, "/")
		return nil
	}
}

// WithControlRoutes turns the /emulator/v1/ routes on (the default) or off;
// when off they answer 404.
func WithControlRoutes(on bool) Option {
	return func(c *config) error {
		c.controlRoutes = on
		return nil
	}
}

// WithTokenDailyQuota sets cgi-bin/token's daily quota per app (default
// 2000). Past it the endpoint answers 45009 until midnight, Beijing time.
func WithTokenDailyQuota(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("emulator: WithTokenDailyQuota: %d is not positive", n)
		}
		c.tokenDailyQuota = n
		return nil
	}
}

// WithCardExtWindow sets how old (maxAge) and how far in the future
// (maxSkew) a cardExt timestamp may be when wallet/add runs.
func WithCardExtWindow(maxAge, maxSkew time.Duration) Option {
	return func(c *config) error {
		if maxAge < time.Second || maxSkew < 0 {
			return errors.New("emulator: WithCardExtWindow: maxAge must be at least 1s and maxSkew not negative")
		}
		c.cardExtMaxAge, c.cardExtMaxSkew = maxAge, maxSkew
		return nil
	}
}

// WithRandSeed makes every generated value (tokens, tickets, card ids,
// codes, fault decisions) come from a ChaCha8 stream seeded with seed, so
// a test run is reproducible. Without it the stream is seeded from
// crypto/rand.
func WithRandSeed(seed uint64) Option {
	return func(c *config) error {
		c.seed = &seed
		return nil
	}
}

// WithFaults installs a fault configuration, as POST /emulator/v1/faults does.
func WithFaults(f Faults) Option {
	return func(c *config) error {
		if err := f.validate(); err != nil {
			return fmt.Errorf("emulator: WithFaults: %w", err)
		}
		c.faults = f.clone()
		return nil
	}
}

// WithLatency delays every WeChat-path response by d.
func WithLatency(d time.Duration) Option {
	return func(c *config) error {
		f := c.faults.clone()
		f.LatencyMS = d.Milliseconds()
		return WithFaults(f)(c)
	}
}

// WithHTTP5xxRate answers that fraction (0..1) of WeChat-path calls with
// HTTP 503 before they reach the handler.
func WithHTTP5xxRate(rate float64) Option {
	return func(c *config) error {
		f := c.faults.clone()
		f.HTTP5xxRate = rate
		return WithFaults(f)(c)
	}
}

// WithBusyRate answers that fraction (0..1) of WeChat-path calls with
// errcode -1 (system busy) before they reach the handler.
func WithBusyRate(rate float64) Option {
	return func(c *config) error {
		f := c.faults.clone()
		f.BusyRate = rate
		return WithFaults(f)(c)
	}
}

// WithDisconnectRate closes the connection half-way through the response
// for that fraction (0..1) of WeChat-path calls. The call has run: its
// state change stays, only the answer is lost.
func WithDisconnectRate(rate float64) Option {
	return func(c *config) error {
		f := c.faults.clone()
		f.DisconnectRate = rate
		return WithFaults(f)(c)
	}
}

// WithFailNext makes the next count calls of path (a WeChat path such as
// "card/code/consume") answer errcode without running.
func WithFailNext(path string, count, errcode int) Option {
	return func(c *config) error {
		f := c.faults.clone()
		f.Rules = append(f.Rules, FaultRule{Path: path, Count: count, Errcode: errcode})
		return WithFaults(f)(c)
	}
}

// WithTicketLifetime sets the expires_in of api_tickets issued from now on
// (default TokenLifetime). Emulator.SetTicketLifetime changes it later.
func WithTicketLifetime(d time.Duration) Option {
	return func(c *config) error {
		if err := checkTicketLifetime(d); err != nil {
			return fmt.Errorf("emulator: WithTicketLifetime: %w", err)
		}
		c.ticketLifetime = d
		return nil
	}
}

// WithTicketPerCall makes every getticket call issue a new ticket instead
// of returning the current one while it is valid: the harsher model, under
// which a cache that fetches twice signs with a ticket that is no longer
// the current one. The replaced ticket keeps verifying until it expires,
// as in WeChat's overlap window.
func WithTicketPerCall(on bool) Option {
	return func(c *config) error {
		c.ticketPerCall = on
		return nil
	}
}

func checkTicketLifetime(d time.Duration) error {
	if d < time.Second || d > TokenLifetime {
		return fmt.Errorf("ticket lifetime %v is outside 1s..%v", d, TokenLifetime)
	}
	return nil
}

func checkToken(field, v string, maxLen int) error {
	if v == "" {
		return fmt.Errorf("%s is empty", field)
	}
	if len(v) > maxLen {
		return fmt.Errorf("%s is longer than %d bytes", field, maxLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return fmt.Errorf("%s must be printable ASCII without spaces", field)
		}
	}
	return nil
}
