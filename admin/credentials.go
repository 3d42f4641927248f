package admin

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wxcard/wxcard/internal/ctxsleep"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/signer"
)

// TicketType names one of the two api tickets. They are different values
// with different uses and are cached under different keys.
type TicketType string

const (
	// TicketWXCard is the card api_ticket: it signs cardExt (wx.addCard) and
	// cardSign (wx.chooseCard).
	TicketWXCard TicketType = "wx_card"
	// TicketJSAPI is the jsapi_ticket: it signs wx.config.
	TicketJSAPI TicketType = "jsapi"
)

// Bounds on what upstream may hand us. A credential outside them is refused
// rather than cached: an empty or enormous token would break every later
// call until it expired.
const (
	maxCredentialLen = 2048
	maxExpiresIn     = 30 * 24 * 3600
	// maxLockPoll caps the interval at which a process waiting for another
	// one's refresh re-reads the store.
	maxLockPoll = 20 * time.Millisecond
)

// AccessToken returns a valid access_token: from memory or the store when
// one there has more than the refresh margin left, otherwise freshly
// fetched (once per process, and once per cluster with a kv.Locker store).
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	return c.token.get(ctx)
}

// CardTicket returns the card api_ticket (getticket?type=wx_card), which
// signs cardExt (wx.addCard) and cardSign (wx.chooseCard), cached like the
// access token.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Create_a_Coupon_Voucher_or_Card.html
//
//	GET /cgi-bin/ticket/getticket?type=wx_card
func (c *Client) CardTicket(ctx context.Context) (string, error) {
	return c.cardTicket.get(ctx)
}

// RefreshCardTicket replaces the cached card api_ticket whatever its age
// and returns the new one: use it when WeChat says a signature made with
// the current one is invalid. A refresh that another process has already
// done is not repeated.
func (c *Client) RefreshCardTicket(ctx context.Context) (string, error) {
	return c.cardTicket.forceRefresh(ctx)
}

// JSAPITicket returns the jsapi_ticket (getticket?type=jsapi), which signs
// wx.config, cached like the access token.
//
//	GET /cgi-bin/ticket/getticket?type=jsapi
func (c *Client) JSAPITicket(ctx context.Context) (string, error) {
	return c.jsapiTicket.get(ctx)
}

// RefreshJSAPITicket is RefreshCardTicket for the jsapi_ticket.
func (c *Client) RefreshJSAPITicket(ctx context.Context) (string, error) {
	return c.jsapiTicket.forceRefresh(ctx)
}

// InvalidateAccessToken reports that WeChat rejected token (errcode 40001,
// 40014 or 42001) on a call made outside this package, and returns the token
// to use instead. It refreshes only if the store still holds the rejected
// token: when another process has already replaced it, that replacement is
// returned and nothing is fetched.
func (c *Client) InvalidateAccessToken(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", invalidArg("token", "is required")
	}
	return c.token.invalidate(ctx, token)
}

// StoreKey returns the kv.Store key under which the client caches a
// credential: "access_token", "ticket:wx_card" or "ticket:jsapi", namespaced
// by app id.
func storeKey(appID, name string) string {
	return "wxcard:" + appID + ":" + name
}

// entry is the JSON envelope stored under a credential's key. It carries its
// own expiry because store TTLs are coarse (Workers KV: 60 s minimum, and
// eventually consistent), and a generation id so that waiters can tell a
// refreshed value from the one they distrust even when WeChat hands out the
// same string again.
type entry struct {
	Value  string `json:"v"`
	Expiry int64  `json:"exp"` // unix seconds
	Issued int64  `json:"iat"` // unix seconds, when it was fetched
	Gen    string `json:"gen"`
}

// source is one cached credential: upstream fetch → shared store (with a
// cross-process lock when the store has one) → in-process single flight.
type source struct {
	c       *Client
	name    string // "access_token", "ticket:wx_card"
	key     string
	lockKey string
	fetch   func(ctx context.Context) (value string, expiresIn int64, err error)

	// reads coalesces concurrent reads of the store, refreshes concurrent
	// refreshes. They are apart because a forced refresh must never be
	// answered by a read that started before it.
	reads     flightGroup[string]
	refreshes flightGroup[entry]

	// memo is the last entry this process read or fetched. While it is
	// fresh by the refresh rule it is served without asking the store, so
	// that a store that is down or hanging costs a signature nothing; it
	// is never served past its refresh point.
	memo atomic.Pointer[memoized]
	// syncing and nextSync (unix nanoseconds of the client's clock) run
	// syncStore at most once per storeSyncInterval, one at a time, in the
	// background of the calls served from memo.
	syncing  atomic.Bool
	nextSync atomic.Int64
	// unsaved says memo was fetched but could not be written to the store.
	unsaved atomic.Bool

	mu sync.Mutex // guards lastWarning
	// lastWarning rate-limits store warnings: during an outage every call
	// fails the same way, and one line per interval says so.
	lastWarning time.Time
}

// memoized is an entry with its stored form: a read that returns the same
// bytes skips decoding them again.
type memoized struct {
	entry
	raw []byte
}

// storeSyncInterval is how often a process serving from memory compares
// notes with the store: it picks up a value another process stored (a
// forced refresh), and writes its own back to a store that lost or missed
// it (a restart, an outage). It is also the least time between two
// attempts to write back an unsaved value.
const storeSyncInterval = time.Second

// storeWarnInterval is the least time between two store warnings of one
// credential; the ones in between are logged at debug level.
const storeWarnInterval = 10 * time.Second

// storeWarning logs a store failure on key. The error text comes from a
// store the caller may have written, which could quote what it was given:
// the app secret and this credential's value are scrubbed from it.
// A store that a kv.Guard is skipping is logged at debug level only: the
// guard has said so once already.
func (s *source) storeWarning(ctx context.Context, msg, key string, err error) {
	level := slogWarn
	s.mu.Lock()
	if now := time.Now(); now.Sub(s.lastWarning) >= storeWarnInterval && !errors.Is(err, kv.ErrUnavailable) {
		s.lastWarning = now
	} else {
		level = slogDebug
	}
	s.mu.Unlock()
	var value string
	if m := s.memo.Load(); m != nil {
		value = m.Value
	}
	s.c.log.LogAttrs(ctx, level, msg, attrKey(key),
		attrString("error", scrub(err.Error(), s.c.appSecret, value)))
}

// flightGroup runs one call at a time and lets concurrent callers share its
// result. Unlike x/sync/singleflight, each caller waits under its own ctx,
// and no goroutine is started: the first caller does the work itself.
type flightGroup[T any] struct {
	mu     sync.Mutex
	flight *flight[T]
}

type flight[T any] struct {
	// done is made by the first waiter, so an uncontended call (the common
	// case: a cached read) allocates no channel.
	done  chan struct{}
	value T
	err   error
}

// do runs fn, or waits for the run already under way; shared reports the
// latter, whose fn may have been another caller's.
func (g *flightGroup[T]) do(ctx context.Context, fn func(context.Context) (T, error)) (value T, shared bool, err error) {
	for {
		g.mu.Lock()
		if f := g.flight; f != nil {
			if f.done == nil {
				f.done = make(chan struct{})
			}
			done := f.done
			g.mu.Unlock()
			select {
			case <-done:
			case <-ctx.Done():
				return value, false, ctx.Err()
			}
			// The leader's own deadline or cancellation is not ours: try
			// again, as leader this time if nobody else is.
			if f.err != nil && isContextErr(f.err) && ctx.Err() == nil {
				continue
			}
			return f.value, true, f.err
		}
		f := &flight[T]{}
		g.flight = f
		g.mu.Unlock()

		f.value, f.err = fn(ctx)

		g.mu.Lock()
		g.flight = nil
		done := f.done
		g.mu.Unlock()
		if done != nil {
			close(done)
		}
		return f.value, false, f.err
	}
}

func newSource(c *Client, name string, fetch func(context.Context) (string, int64, error)) *source {
	key := storeKey(c.appID, name)
	return &source{c: c, name: name, key: key, lockKey: key + ":lock", fetch: fetch}
}

func newTokenSource(c *Client) *source {
	if c.tokenMode == TokenModeClassic {
		return newSource(c, "access_token", c.fetchClassicToken)
	}
	return newSource(c, "access_token", c.fetchStableToken)
}

func newTicketSource(c *Client, t TicketType) *source {
	return newSource(c, "ticket:"+string(t), func(ctx context.Context) (string, int64, error) {
		return c.fetchTicket(ctx, t)
	})
}

// get returns a fresh value, refreshing it if needed. A fresh value in
// memory is served without a store round trip; otherwise concurrent
// callers in one process share one store read, so a stampede costs the
// store one read per process, not one per caller.
func (s *source) get(ctx context.Context) (string, error) {
	if err := checkCtx(ctx); err != nil {
		return "", err
	}
	if m := s.memo.Load(); m != nil {
		now := s.c.now()
		if s.freshAt(m.entry, now) {
			if now.UnixNano() >= s.nextSync.Load() {
				s.scheduleSync(ctx, now)
			}
			return m.Value, nil
		}
	}
	value, _, err := s.reads.do(ctx, func(ctx context.Context) (string, error) {
		if m := s.memo.Load(); m != nil && s.fresh(m.entry) {
			return m.Value, nil // refreshed by the flight we waited for
		}
		e, ok, err := s.readStore(ctx)
		switch {
		case err == nil && ok && s.fresh(e):
			return e.Value, nil
		case err != nil && ctx.Err() == nil:
			// The store has just failed (or been skipped): going back to
			// it for its lock and a second read would only add its
			// deadline twice. One fetch for this process, then.
			e, _, err := s.refreshes.do(ctx, s.fetchWithoutStore)
			return e.Value, err
		}
		return s.refresh(ctx, func(e entry) bool { return !s.fresh(e) })
	})
	return value, err
}

// invalidate replaces value if it is still the current one (compare and
// refresh) and returns the current value either way.
func (s *source) invalidate(ctx context.Context, value string) (string, error) {
	if err := checkCtx(ctx); err != nil {
		return "", err
	}
	cur, ok := s.load(ctx)
	if ok && s.fresh(cur) && cur.Value != value {
		return cur.Value, nil
	}
	staleGen := ""
	if ok && cur.Value == value {
		staleGen = cur.Gen
	}
	return s.refresh(ctx, func(e entry) bool {
		return !s.fresh(e) || e.Value == value && (staleGen == "" || e.Gen == staleGen)
	})
}

// forceRefresh replaces the current value whatever its age.
func (s *source) forceRefresh(ctx context.Context) (string, error) {
	if err := checkCtx(ctx); err != nil {
		return "", err
	}
	cur, ok := s.load(ctx)
	if !ok {
		return s.refresh(ctx, func(e entry) bool { return !s.fresh(e) })
	}
	return s.refresh(ctx, func(e entry) bool { return !s.fresh(e) || e.Gen == cur.Gen })
}

// refresh runs one shared refresh per process. stale says whether an entry
// found in the store must be replaced; one that is not stale is returned
// instead of fetching.
func (s *source) refresh(ctx context.Context, stale func(entry) bool) (string, error) {
	e, shared, err := s.refreshes.do(ctx, func(ctx context.Context) (entry, error) {
		return s.refreshShared(ctx, stale)
	})
	if err == nil && shared && stale(e) {
		// The refresh we joined was under way before we asked, judged by
		// its caller's rule, and kept the very entry we need replaced: a
		// forced refresh joining a routine one that found the value
		// another process had just stored. Run ours.
		e, err = s.refreshShared(ctx, stale)
	}
	return e.Value, err
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// refreshShared refreshes across processes: with a Locker, one process
// fetches while the others wait for the value to appear in the store.
func (s *source) refreshShared(ctx context.Context, stale func(entry) bool) (entry, error) {
	if e, ok := s.loadStore(ctx); ok && !stale(e) {
		return e, nil
	}
	if s.c.locker == nil {
		return s.fetchAndStore(ctx)
	}
	owner, err := newGen()
	if err != nil {
		return entry{}, err
	}
	deadline := time.Now().Add(s.c.lockWait)
	poll := 5 * time.Millisecond
	for {
		acquired, err := s.c.locker.TryLock(ctx, s.lockKey, owner, s.c.lockTTL)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return entry{}, ctxErr
			}
			s.storeWarning(ctx, "wxcard: store lock failed; fetching without it", s.lockKey, err)
			return s.fetchAndStore(ctx)
		}
		if acquired {
			return s.fetchLocked(ctx, owner, stale)
		}
		if !time.Now().Before(deadline) {
			return entry{}, fmt.Errorf("%w: another process has held the %s refresh lock for %s", ErrRefreshTimeout, s.name, s.c.lockWait)
		}
		if err := ctxsleep.Sleep(ctx, poll/2+rand.N(poll/2+1)); err != nil {
			return entry{}, err
		}
		// Polling stays frequent: it is one store read per process, and the
		// wait it ends is what every caller of that process is blocked on.
		if poll < maxLockPoll {
			poll *= 2
		}
		if e, ok := s.loadStore(ctx); ok && !stale(e) {
			return e, nil
		}
	}
}

// fetchLocked runs while holding the cluster lock. The store is read once
// more: the previous holder may have just written what we need.
func (s *source) fetchLocked(ctx context.Context, owner string, stale func(entry) bool) (entry, error) {
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if _, err := s.c.locker.Unlock(uctx, s.lockKey, owner); err != nil {
			s.storeWarning(ctx, "wxcard: releasing store lock failed; it expires by itself", s.lockKey, err)
		}
	}()
	if e, ok := s.loadStore(ctx); ok && !stale(e) {
		return e, nil
	}
	// The fetch must not outlive the lock, or a second process could start
	// one in parallel.
	fctx, cancel := context.WithTimeout(ctx, s.c.lockTTL)
	defer cancel()
	e, err := s.fetchAndStore(fctx)
	if err != nil && ctx.Err() == nil && errors.Is(fctx.Err(), context.DeadlineExceeded) {
		// Not the caller's deadline: report it as what it is, so that
		// callers sharing this refresh do not mistake it for their own.
		return entry{}, fmt.Errorf("%w: the %s fetch outlived the refresh lock's %s TTL", ErrRefreshTimeout, s.name, s.c.lockTTL)
	}
	return e, err
}

// fetchAndStore fetches upstream and writes the result to the store. A
// failed write is logged, not returned: the value is good, and the store
// sync writes it back later.
func (s *source) fetchAndStore(ctx context.Context) (entry, error) {
	return s.fetchEntry(ctx, true)
}

// fetchWithoutStore fetches upstream and leaves the write to the store
// sync: the store has just failed, and asking it again would cost the
// caller another deadline.
func (s *source) fetchWithoutStore(ctx context.Context) (entry, error) {
	return s.fetchEntry(ctx, false)
}

func (s *source) fetchEntry(ctx context.Context, store bool) (entry, error) {
	value, expiresIn, err := s.fetch(ctx)
	if err != nil {
		return entry{}, err
	}
	if value == "" || len(value) > maxCredentialLen {
		return entry{}, fmt.Errorf("wxcard: %s: upstream returned an unusable value (%d bytes)", s.name, len(value))
	}
	if expiresIn <= 0 || expiresIn > maxExpiresIn {
		return entry{}, fmt.Errorf("wxcard: %s: upstream returned expires_in=%d", s.name, expiresIn)
	}
	gen, err := newGen()
	if err != nil {
		return entry{}, err
	}
	now := s.c.now()
	e := entry{Value: value, Issued: now.Unix(), Expiry: now.Unix() + expiresIn, Gen: gen}
	raw, err := marshalEntry(e)
	if err != nil {
		return entry{}, fmt.Errorf("wxcard: %s: %w", s.name, err)
	}
	s.remember(e, raw)
	if !store {
		s.unsaved.Store(true)
		s.nextSync.Store(now.UnixNano()) // the next call starts the write-back
	} else if err := s.c.store.Set(ctx, s.key, raw, time.Duration(expiresIn)*time.Second); err != nil {
		s.storeWarning(ctx, "wxcard: store write failed; writing it back when the store answers", s.key, err)
		s.unsaved.Store(true)
		s.nextSync.Store(now.Add(storeSyncInterval).UnixNano())
	} else {
		s.unsaved.Store(false)
		s.nextSync.Store(now.Add(storeSyncInterval).UnixNano())
	}
	s.c.log.LogAttrs(ctx, slogDebug, "wxcard: refreshed", attrKey(s.key), attrInt("expires_in", int(expiresIn)))
	return e, nil
}

// scheduleSync starts syncStore unless one is under way. It runs apart
// from the caller, which has its value already: a store that hangs must
// not hold up a signature (except where syncInBackground is false).
func (s *source) scheduleSync(ctx context.Context, now time.Time) {
	if !s.syncing.CompareAndSwap(false, true) {
		return
	}
	s.nextSync.Store(now.Add(storeSyncInterval).UnixNano())
	if !syncInBackground {
		s.syncStore(ctx)
		return
	}
	go s.syncStore(context.WithoutCancel(ctx))
}

// syncStore reconciles the fresh memo with the store. A fresh stored value
// issued no earlier than the memo is adopted: another process replaced the
// credential (a forced refresh), and the cluster converges on its value.
// A missing, stale or older stored value is overwritten with the memo: the
// store restarted empty, or missed this process's write while it was down.
func (s *source) syncStore(ctx context.Context) {
	defer s.syncing.Store(false)
	ctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	m := s.memo.Load()
	if m == nil || !s.fresh(m.entry) {
		return // nothing worth keeping: the next call refreshes it
	}
	cur, ok, err := s.readStore(ctx)
	if err != nil {
		return
	}
	if ok && s.fresh(cur) && (cur.Gen == m.Gen || cur.Issued >= m.Issued) {
		s.unsaved.Store(false)
		return // readStore has adopted it
	}
	ttl := time.Duration(m.Expiry-s.c.now().Unix()) * time.Second
	if ttl <= 0 {
		return
	}
	if err := s.c.store.Set(ctx, s.key, m.raw, ttl); err != nil {
		s.storeWarning(ctx, "wxcard: store write-back failed; retrying", s.key, err)
		return
	}
	s.unsaved.Store(false)
	s.c.log.LogAttrs(ctx, slogInfo, "wxcard: cached value written back to the store", attrKey(s.key))
}

// syncTimeout bounds a sync when the store has no deadline of its own (an
// unguarded store).
const syncTimeout = time.Second

// load reads the store, falling back to the memo if the store fails.
func (s *source) load(ctx context.Context) (entry, bool) {
	e, ok, err := s.readStore(ctx)
	if err == nil {
		return e, ok
	}
	if m := s.memo.Load(); m != nil {
		return m.entry, true
	}
	return entry{}, false
}

func (s *source) loadStore(ctx context.Context) (entry, bool) {
	e, ok, _ := s.readStore(ctx)
	return e, ok
}

// readStore reads and decodes the envelope. A failing store is logged and
// reported; a corrupt envelope counts as a miss.
func (s *source) readStore(ctx context.Context) (entry, bool, error) {
	raw, ok, err := s.c.store.Get(ctx, s.key)
	if err != nil {
		if ctx.Err() == nil {
			s.storeWarning(ctx, "wxcard: store read failed; serving the in-memory copy while it is fresh, else fetching from WeChat", s.key, err)
		}
		return entry{}, false, err
	}
	if !ok {
		return entry{}, false, nil
	}
	if m := s.memo.Load(); m != nil && bytes.Equal(raw, m.raw) {
		return m.entry, true, nil
	}
	var e entry
	if err := unmarshalEntry(raw, &e); err != nil || e.Value == "" || e.Expiry <= 0 {
		s.c.log.LogAttrs(ctx, slogWarn, "wxcard: ignoring malformed store entry", attrKey(s.key))
		return entry{}, false, nil
	}
	s.remember(e, raw)
	return e, true, nil
}

// remember keeps the last entry seen, except that a fresh one is not
// replaced by one due for refresh or issued before it: a store that missed
// a write (it was down) may still hold the value this process replaced.
func (s *source) remember(e entry, raw []byte) {
	for {
		cur := s.memo.Load()
		if cur != nil && s.fresh(cur.entry) && (!s.fresh(e) || e.Issued < cur.Issued) {
			return
		}
		if s.memo.CompareAndSwap(cur, &memoized{entry: e, raw: raw}) {
			return
		}
	}
}

// fresh reports whether e can still be handed out: it has more than the
// refresh margin left. The margin never exceeds half the value's lifetime,
// so a credential issued with a short expires_in is usable at once instead
// of triggering a refresh loop.
func (s *source) fresh(e entry) bool { return s.freshAt(e, s.c.now()) }

func (s *source) freshAt(e entry, now time.Time) bool {
	if e.Value == "" || e.Expiry <= e.Issued {
		return false
	}
	margin := int64(s.c.refreshMargin / time.Second)
	if half := (e.Expiry - e.Issued) / 2; margin > half {
		margin = half
	}
	return now.Unix() < e.Expiry-margin
}

func newGen() (string, error) {
	var b [8]byte
	if _, err := crand.Read(b[:]); err != nil {
		return "", fmt.Errorf("wxcard: random: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// flexInt decodes a JSON number or a numeric string.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %w", err)
	}
	*n = flexInt(v)
	return nil
}

type tokenResponse struct {
	AccessToken string  `json:"access_token"`
	ExpiresIn   flexInt `json:"expires_in"`
}

type ticketResponse struct {
	Ticket    string  `json:"ticket"`
	ExpiresIn flexInt `json:"expires_in"`
}

type stableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

// fetchStableToken calls POST cgi-bin/stable_token without force_refresh:
// WeChat answers every caller with the same token while it is valid, so
// this never invalidates a token another process is using.
func (c *Client) fetchStableToken(ctx context.Context) (string, int64, error) {
	const op = "cgi-bin/stable_token"
	body, err := encodeStableTokenRequest(stableTokenRequest{GrantType: "client_credential", AppID: c.appID, Secret: c.appSecret})
	if err != nil {
		return "", 0, fmt.Errorf("wxcard: %s: %w", op, err)
	}
	var out tokenResponse
	err = c.unauthenticated(ctx, op, "POST", c.baseURL.JoinPath("cgi-bin", "stable_token"), body, &out)
	return out.AccessToken, int64(out.ExpiresIn), err
}

// fetchClassicToken calls GET cgi-bin/token. The secret travels in the
// query, which is why every logged or reported URL is redacted.
func (c *Client) fetchClassicToken(ctx context.Context) (string, int64, error) {
	const op = "cgi-bin/token"
	u := c.baseURL.JoinPath("cgi-bin", "token")
	u.RawQuery = url.Values{"grant_type": {"client_credential"}, "appid": {c.appID}, "secret": {c.appSecret}}.Encode()
	var out tokenResponse
	err := c.unauthenticated(ctx, op, "GET", u, nil, &out)
	return out.AccessToken, int64(out.ExpiresIn), err
}

// unauthenticated sends a token request: no access_token, busy retries as
// for reads (no token fetch changes anything while it fails).
func (c *Client) unauthenticated(ctx context.Context, op, method string, u *url.URL, body []byte, out responseBody) error {
	for busy := 0; ; busy++ {
		resp, raw, err := c.roundTrip(ctx, op, method, u, body, c.maxBody)
		if err == nil {
			err = c.decode(op, resp, raw, out)
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Code == -1 && busy < c.busyRetries {
			if werr := ctxsleep.Sleep(ctx, c.backoff(busy)); werr != nil {
				return fmt.Errorf("%w (while waiting to retry: %w)", err, werr)
			}
			continue
		}
		return err
	}
}

// fetchTicket calls GET cgi-bin/ticket/getticket through the authenticated
// core, so a rejected access token is refreshed once there.
func (c *Client) fetchTicket(ctx context.Context, t TicketType) (string, int64, error) {
	const op = "cgi-bin/ticket/getticket"
	var out ticketResponse
	// call, not get: get decodes with encoding/json, which the ticket path
	// of a js/wasm build leaves out (wire_js.go).
	if err := c.call(ctx, "GET", op, url.Values{"type": {string(t)}}, nil, &out, readCall); err != nil {
		return "", 0, err
	}
	// A ticket the signer would refuse must not be cached: every signature
	// would fail until it expired.
	if err := signer.ValidateTicket("ticket", out.Ticket); err != nil {
		return "", 0, &DecodeError{Op: op, Err: fmt.Errorf("unusable %s ticket: %w", t, err)}
	}
	return out.Ticket, int64(out.ExpiresIn), nil
}
