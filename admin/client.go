package admin

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/signer"
)

// DefaultBaseURL is WeChat's API root.
const DefaultBaseURL = "https://api.weixin.qq.com/"

// Defaults for the options.
const (
	// DefaultMaxResponseBytes bounds a JSON response body. The largest
	// documented card responses (card/get with rich text) are a few tens of KB.
	DefaultMaxResponseBytes = 1 << 20
	// DefaultMaxRawBytes bounds a binary response such as a QR code image.
	DefaultMaxRawBytes = 4 << 20
	// DefaultTimeout applies when WithHTTPClient is not used.
	DefaultTimeout = 15 * time.Second
	// DefaultRefreshMargin is how long before its expiry a token or ticket is
	// replaced: WeChat keeps the old token valid for 5 minutes after a new
	// one is issued, and stable_token never hands out one with less left.
	DefaultRefreshMargin = 5 * time.Minute
	// DefaultLockTTL is how long a cross-process refresh lock lives if its
	// owner dies; an upstream fetch under the lock is cut off at this age.
	DefaultLockTTL = 10 * time.Second
	// DefaultLockWait bounds how long a process waits for another one's
	// refresh before it gives up with ErrRefreshTimeout.
	DefaultLockWait = 15 * time.Second
	// DefaultBusyRetries is how many times an idempotent read is repeated
	// after errcode -1 (system busy).
	DefaultBusyRetries = 2
	// DefaultBusyBackoff is the first delay before such a retry; it doubles,
	// with full jitter, up to 2 seconds.
	DefaultBusyBackoff = 200 * time.Millisecond
)

// TokenMode selects the WeChat endpoint access tokens come from.
type TokenMode int

const (
	// TokenModeStable uses POST cgi-bin/stable_token, which returns the same
	// token to every caller while it is valid. It is the default because it
	// is what lets several servers, or several SDKs, share one app id
	// without invalidating each other's tokens.
	TokenModeStable TokenMode = iota
	// TokenModeClassic uses GET cgi-bin/token. Every fetch invalidates the
	// previous token after 5 minutes, and there are 2000 a day: use it only
	// when every process of the app shares one store with a Locker.
	TokenModeClassic
)

func (m TokenMode) String() string {
	switch m {
	case TokenModeStable:
		return "stable"
	case TokenModeClassic:
		return "classic"
	}
	return "TokenMode(" + fmt.Sprint(int(m)) + ")"
}

// Client talks to the WeChat Official Account API for cards and coupons.
//
// A Client is immutable after NewClient and safe for concurrent use. Its
// access token and api tickets live in the kv.Store given with WithStore
// (in memory by default); clients in several processes that share one store
// implementing kv.Locker (Redis) fetch each credential once for the whole
// cluster.
type Client struct {
	appID     string
	appSecret string
	baseURL   *url.URL
	// mpBaseURL is the root for showqrcode (WithMPBaseURL); nil derives it
	// from baseURL, see Client.mpBase in qrcode.go.
	mpBaseURL *url.URL
	transport transport
	store     kv.Store
	locker    kv.Locker
	tokenMode TokenMode
	log       logger
	now       func() time.Time
	signer    *signer.Signer

	maxBody       int64
	maxRaw        int64
	refreshMargin time.Duration
	// storeTimeout is the per-call deadline of the store's kv.Guard; 0
	// leaves the store unguarded. storeTimeoutSet says WithStoreTimeout
	// chose it, rather than the default for the store's type.
	storeTimeout    time.Duration
	storeTimeoutSet bool
	lockTTL         time.Duration
	lockWait        time.Duration
	busyRetries     int
	busyBackoff     time.Duration

	token       *source
	cardTicket  *source
	jsapiTicket *source

	common service

	// Services, one per area of WeChat's card documentation.
	Card          *CardService
	Code          *CodeService
	GeneralCard   *GeneralCardService
	MemberCard    *MemberCardService
	SubMerchant   *SubMerchantService
	BoardingPass  *BoardingPassService
	MeetingTicket *MeetingTicketService
	MovieTicket   *MovieTicketService
	JSSDK         *JSSDKService
}

type service struct{ client *Client }

// CardService creates, reads and manages card definitions (card/*).
type CardService service

// CodeService handles individual card codes: check, consume, decrypt,
// deposit (card/code/*).
type CodeService service

// GeneralCardService covers general coupons (GENERAL_COUPON and friends).
type GeneralCardService service

// MemberCardService covers member cards (card/membercard/*).
type MemberCardService service

// SubMerchantService manages sub-merchants (card/submerchant/*).
type SubMerchantService service

// BoardingPassService covers boarding passes (card/boardingpass/*).
type BoardingPassService service

// MeetingTicketService covers meeting tickets (card/meetingticket/*).
type MeetingTicketService service

// MovieTicketService covers movie tickets (card/movieticket/*).
type MovieTicketService service

// JSSDKService builds the signed payloads web pages need for wx.config,
// wx.addCard and wx.chooseCard. The tickets they are signed with are
// Client.CardTicket and Client.JSAPITicket.
type JSSDKService service

// Option configures a Client. Options are checked by NewClient, which
// returns the first error.
type Option func(*Client) error

// NewClient returns a Client for one Official Account. It does no I/O and
// starts no goroutine: the first token is fetched when a call needs it.
func NewClient(appID, appSecret string, opts ...Option) (*Client, error) {
	if err := checkCredential("app_id", appID); err != nil {
		return nil, err
	}
	if err := checkCredential("app_secret", appSecret); err != nil {
		return nil, err
	}
	base, _ := url.Parse(DefaultBaseURL)
	c := &Client{
		appID:         appID,
		appSecret:     appSecret,
		baseURL:       base,
		transport:     defaultTransport(),
		store:         kv.NewMemory(),
		log:           discardLogger(),
		now:           time.Now,
		maxBody:       DefaultMaxResponseBytes,
		maxRaw:        DefaultMaxRawBytes,
		refreshMargin: DefaultRefreshMargin,
		lockTTL:       DefaultLockTTL,
		lockWait:      DefaultLockWait,
		busyRetries:   DefaultBusyRetries,
		busyBackoff:   DefaultBusyBackoff,
	}
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("wxcard: NewClient: option %d is nil", i)
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.signer == nil {
		s, err := signer.New(signer.WithClock(c.now))
		if err != nil {
			return nil, fmt.Errorf("wxcard: NewClient: %w", err)
		}
		c.signer = s
	}
	if err := c.guardStore(); err != nil {
		return nil, fmt.Errorf("wxcard: NewClient: %w", err)
	}
	if l, ok := c.store.(kv.Locker); ok {
		c.locker = l
	}
	c.token = newTokenSource(c)
	c.cardTicket = newTicketSource(c, TicketWXCard)
	c.jsapiTicket = newTicketSource(c, TicketJSAPI)

	c.common.client = c
	c.Card = (*CardService)(&c.common)
	c.Code = (*CodeService)(&c.common)
	c.GeneralCard = (*GeneralCardService)(&c.common)
	c.MemberCard = (*MemberCardService)(&c.common)
	c.SubMerchant = (*SubMerchantService)(&c.common)
	c.BoardingPass = (*BoardingPassService)(&c.common)
	c.MeetingTicket = (*MeetingTicketService)(&c.common)
	c.MovieTicket = (*MovieTicketService)(&c.common)
	c.JSSDK = (*JSSDKService)(&c.common)
	return c, nil
}

// AppID returns the app id the client was made for.
func (c *Client) AppID() string { return c.appID }

// checkCredential rejects app ids and secrets that cannot be real: WeChat's
// are short ASCII tokens, and anything with whitespace or control
// characters would otherwise travel into a URL or a JSON body.
func checkCredential(field, v string) error {
	switch {
	case v == "":
		return invalidArg(field, "is required")
	case len(v) > 128:
		return invalidArg(field, "is longer than 128 bytes")
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f {
			return invalidArg(field, "must be printable ASCII without spaces")
		}
	}
	return nil
}

// WithBaseURL points the client at another API root, such as the emulator or
// a proxy. It must be an absolute http(s) URL; a missing trailing slash is
// added so relative API paths resolve under it.
func WithBaseURL(raw string) Option {
	return func(c *Client) error {
		u, err := url.Parse(raw)
		if err != nil {
			return invalidArg("base_url", "is not a URL")
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalidArg("base_url", "must be an absolute http or https URL")
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return invalidArg("base_url", "must not have a query, fragment or user info")
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
			if u.RawPath != "" {
				u.RawPath += "/"
			}
		}
		c.baseURL = u
		return nil
	}
}

// WithStore sets where the access token and tickets are cached. Share one
// store between every process of an app; if it implements kv.Locker they
// refresh each credential once for all of them.
func WithStore(s kv.Store) Option {
	return func(c *Client) error {
		if s == nil {
			return invalidArg("store", "is nil")
		}
		c.store = s
		return nil
	}
}

// WithStoreTimeout sets the deadline of each store call (a read, a write,
// a lock), after which the client goes on without the store; repeated
// failures make it skip the store for a while (see kv.Guard). By default
// the stores of package kv that live outside the process, kv.Redis and
// kv.File, get kv.DefaultCallTimeout (50 ms); other stores are used as
// given, since only their author knows how slow they may normally be.
// d > 0 guards any store with d; 0 turns guarding off. A store already
// wrapped with kv.Guard, and kv.Memory, are never wrapped.
func WithStoreTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 || d > time.Minute {
			return invalidArg("store_timeout", "must be between 0 and 1m")
		}
		c.storeTimeout, c.storeTimeoutSet = d, true
		return nil
	}
}

// guardStore wraps the store in a kv.Guard as WithStoreTimeout describes.
func (c *Client) guardStore() error {
	timeout := c.storeTimeout
	if !c.storeTimeoutSet {
		timeout = defaultStoreTimeout(c.store)
	}
	if _, mem := c.store.(*kv.Memory); timeout == 0 || mem || kv.IsGuarded(c.store) {
		return nil
	}
	g, err := kv.Guard(c.store, kv.WithCallTimeout(timeout), kv.WithGuardLogger(c.log))
	if err != nil {
		return err
	}
	c.store = g
	return nil
}

// WithTokenMode selects stable_token (the default) or the classic token
// endpoint.
func WithTokenMode(m TokenMode) Option {
	return func(c *Client) error {
		if m != TokenModeStable && m != TokenModeClassic {
			return invalidArg("token_mode", "is not a known TokenMode")
		}
		c.tokenMode = m
		return nil
	}
}

// WithClock sets the clock used for expiry and for signature timestamps.
func WithClock(now func() time.Time) Option {
	return func(c *Client) error {
		if now == nil {
			return invalidArg("clock", "is nil")
		}
		c.now = now
		return nil
	}
}

// WithSigner sets the signer used by the JSSDK service, e.g. one with a
// pinned nonce source in tests. By default a signer using the client's clock.
func WithSigner(s *signer.Signer) Option {
	return func(c *Client) error {
		if s == nil {
			return invalidArg("signer", "is nil")
		}
		c.signer = s
		return nil
	}
}

// WithMaxResponseBytes bounds JSON response bodies (default 1 MiB) and, for
// images, binary ones (default 4 MiB).
func WithMaxResponseBytes(jsonBytes, rawBytes int64) Option {
	return func(c *Client) error {
		if jsonBytes < 1024 || rawBytes < 1024 {
			return invalidArg("max_response_bytes", "must be at least 1024")
		}
		c.maxBody, c.maxRaw = jsonBytes, rawBytes
		return nil
	}
}

// WithRefreshMargin sets how long before expiry a token or ticket is
// replaced (default 5 minutes). For a credential that lives less than twice
// the margin, half its lifetime is used instead, so a short-lived value can
// never look expired the moment it arrives.
func WithRefreshMargin(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 || d > time.Hour {
			return invalidArg("refresh_margin", "must be between 0 and 1h")
		}
		c.refreshMargin = d
		return nil
	}
}

// WithRefreshLock sets the cross-process refresh lock's TTL and how long a
// process waits for another one's refresh before failing with
// ErrRefreshTimeout. Only used with a store that implements kv.Locker.
func WithRefreshLock(ttl, wait time.Duration) Option {
	return func(c *Client) error {
		if ttl < 100*time.Millisecond || ttl > 5*time.Minute {
			return invalidArg("lock_ttl", "must be between 100ms and 5m")
		}
		if wait < 0 || wait > 5*time.Minute {
			return invalidArg("lock_wait", "must be between 0 and 5m")
		}
		c.lockTTL, c.lockWait = ttl, wait
		return nil
	}
}

// WithBusyRetry sets how often an idempotent read is repeated after errcode
// -1 (system busy) and the first backoff delay (default 2 retries, 200 ms).
// retries 0 disables it. State-changing calls are never repeated.
func WithBusyRetry(retries int, backoff time.Duration) Option {
	return func(c *Client) error {
		if retries < 0 || retries > 10 {
			return invalidArg("busy_retries", "must be between 0 and 10")
		}
		if backoff < 0 || backoff > 10*time.Second {
			return invalidArg("busy_backoff", "must be between 0 and 10s")
		}
		c.busyRetries, c.busyBackoff = retries, backoff
		return nil
	}
}
