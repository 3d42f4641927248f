//go:build !js

package edge

import (
	"container/list"
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of RateLimitConfig.
const (
	// DefaultRateLimitMaxClients bounds how many clients RateLimit tracks
	// when RateLimitConfig.MaxClients is zero: about 2 MB of buckets.
	DefaultRateLimitMaxClients = 10_000
	// minRateLimitIdle is the shortest time a bucket is kept after its
	// client's last request, whatever the rate: forgetting a client sooner
	// would hand it a full burst back.
	minRateLimitIdle = time.Minute
)

// RateLimitConfig configures RateLimit. Rate and Burst are required.
type RateLimitConfig struct {
	// Rate is how many requests a second one client may make, sustained.
	Rate float64
	// Burst is how many requests one client may make at once, after being
	// idle; at least 1.
	Burst int
	// MaxClients bounds the clients tracked at once; 0 means
	// DefaultRateLimitMaxClients. Past it the client seen least recently is
	// forgotten, so memory stays bounded whatever the number of addresses.
	MaxClients int
	// IdleTimeout is how long a client's bucket is kept after its last
	// request; 0 means the time the bucket takes to refill, and never less
	// than a minute. A bucket forgotten sooner than it refills would let a
	// client burst again early.
	IdleTimeout time.Duration
	// ClientKey names the client of a request. nil uses the peer address of
	// the connection (an IPv6 address counts as its /64, which one host
	// usually owns whole). Behind a reverse proxy, name the client from the
	// header the proxy sets, and only that proxy may reach the server.
	ClientKey func(*http.Request) string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RateLimit returns next behind a token bucket per client: a client past
// its budget gets 429 with Retry-After (whole seconds) and the JSON error
// body {"error":{"code":"rate_limited",…}}. The error matches
// ErrInvalidConfig.
//
// It is not in js/wasm builds: the Worker rate-limits with Cloudflare's
// binding, before any Go runs.
//
// The buckets live in this process: use it where one process serves the
// API (the local server, a single net/http deployment). Several instances
// behind a load balancer each count on their own.
func RateLimit(next http.Handler, cfg RateLimitConfig) (http.Handler, error) {
	if next == nil {
		return nil, configError("RateLimit: the next handler is nil")
	}
	if math.IsNaN(cfg.Rate) || cfg.Rate <= 0 || math.IsInf(cfg.Rate, 0) {
		return nil, configError("RateLimitConfig.Rate %v: want a positive number of requests a second", cfg.Rate)
	}
	if cfg.Burst < 1 {
		return nil, configError("RateLimitConfig.Burst %d: want at least 1", cfg.Burst)
	}
	if cfg.MaxClients < 0 {
		return nil, configError("RateLimitConfig.MaxClients %d is negative", cfg.MaxClients)
	}
	if cfg.IdleTimeout < 0 {
		return nil, configError("RateLimitConfig.IdleTimeout %s is negative", cfg.IdleTimeout)
	}
	rl := &rateLimiter{
		next:       next,
		limit:      rate.Limit(cfg.Rate),
		burst:      cfg.Burst,
		maxClients: cfg.MaxClients,
		idle:       cfg.IdleTimeout,
		key:        cfg.ClientKey,
		now:        cfg.Now,
		clients:    make(map[string]*list.Element),
		lru:        list.New(),
	}
	if rl.maxClients == 0 {
		rl.maxClients = DefaultRateLimitMaxClients
	}
	if rl.idle == 0 {
		refill := time.Duration(float64(cfg.Burst) / cfg.Rate * float64(time.Second))
		rl.idle = max(refill, minRateLimitIdle)
	}
	if rl.key == nil {
		rl.key = PeerAddress
	}
	if rl.now == nil {
		rl.now = time.Now
	}
	return rl, nil
}

type rateLimiter struct {
	next       http.Handler
	limit      rate.Limit
	burst      int
	maxClients int
	idle       time.Duration
	key        func(*http.Request) string
	now        func() time.Time

	mu      sync.Mutex
	clients map[string]*list.Element // of *bucket, in lru
	lru     *list.List               // front: seen most recently
}

type bucket struct {
	key      string
	limiter  *rate.Limiter
	lastSeen time.Time
}

func (rl *rateLimiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	wait := rl.take(rl.key(r), rl.now())
	if wait <= 0 {
		rl.next.ServeHTTP(w, r)
		return
	}
	// The body is not read: the connection is closed after the answer
	// rather than drained for a client that is already over its budget.
	res := &Response{}
	res.set("Cache-Control", "no-store")
	writeError(res, &apiError{status: statusTooManyRequests, code: CodeRateLimited,
		retryAfter: retryAfterSeconds(wait),
		message:    "too many requests from this client; retry after the number of seconds in Retry-After"})
	WriteResponse(w, res)
}

// take spends one token of key's bucket and returns 0, or returns how long
// until a token is available (spending nothing).
func (rl *rateLimiter) take(key string, now time.Time) time.Duration {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rl.evict(now, rl.maxClients+1)
	var b *bucket
	if el, ok := rl.clients[key]; ok {
		b = el.Value.(*bucket)
		rl.lru.MoveToFront(el)
	} else {
		rl.evict(now, rl.maxClients)
		b = &bucket{key: key, limiter: rate.NewLimiter(rl.limit, rl.burst)}
		rl.clients[key] = rl.lru.PushFront(b)
	}
	b.lastSeen = now
	res := b.limiter.ReserveN(now, 1)
	if !res.OK() {
		return rl.idle // cannot happen with burst >= 1
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// evict forgets idle clients, and the least recent ones until fewer than
// limit are left. The list is in order of last use, so both stop at the
// first client kept: O(1) per request, amortised.
func (rl *rateLimiter) evict(now time.Time, limit int) {
	for el := rl.lru.Back(); el != nil; el = rl.lru.Back() {
		b := el.Value.(*bucket)
		if len(rl.clients) < limit && now.Sub(b.lastSeen) < rl.idle {
			return
		}
		rl.lru.Remove(el)
		delete(rl.clients, b.key)
	}
}

// retryAfterSeconds rounds up: a client that waits the advertised time
// finds a token.
func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// PeerAddress is RateLimit's default client key: the IP address of the
// connection's peer, an IPv6 address cut to its /64. A RemoteAddr that is
// not an address (a test's, a custom listener's) is used as it is.
func PeerAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64) // cannot fail for an IPv6 address and 64
		return p.String()
	}
	return ip.String()
}
