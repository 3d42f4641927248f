package events

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/wxcard/wxcard/internal/errorbody"
	"github.com/wxcard/wxcard/kv"
)

// HandleFunc is the merchant's callback. It runs once per push across every
// Handler sharing the store, with a context that outlives the HTTP request
// (WeChat's answer may go out before it returns) but ends after the
// callback timeout. Returning an error releases the push so that WeChat's
// next retry runs it again.
type HandleFunc func(ctx context.Context, msg *Message) error

// Defaults; each has an Option.
const (
	DefaultMaxBodyBytes    = 64 << 10
	DefaultTimestampWindow = 5 * time.Minute
	// DefaultReplyDeadline leaves half a second of WeChat's 5 s for the
	// network: a callback still running then is answered for and left to
	// finish in the background.
	DefaultReplyDeadline   = 4500 * time.Millisecond
	DefaultCallbackTimeout = 30 * time.Second
	// DefaultDedupTTL outlasts WeChat's three retries and the timestamp
	// window, so a replay of a signed push inside the window is still a
	// duplicate.
	DefaultDedupTTL = 10 * time.Minute
)

// releaseTimeout bounds the store call that releases a failed push.
const releaseTimeout = 5 * time.Second

// Handler is the http.Handler for an Official Account's server URL. It
// answers WeChat's URL check, verifies and decrypts pushes, deduplicates
// them through a kv store and hands each one to a HandleFunc.
type Handler struct {
	token           string
	crypter         *Crypter
	handle          HandleFunc
	store           kv.Store
	locker          kv.Locker
	log             *slog.Logger
	maxBody         int64
	window          time.Duration
	replyDeadline   time.Duration
	callbackTimeout time.Duration
	dedupTTL        time.Duration
	now             func() time.Time

	running sync.WaitGroup
}

// Option configures a Handler.
type Option func(*Handler) error

// WithSafeMode turns on safe mode (and compatible mode): pushes must be
// encrypted with encodingAESKey and sealed for appID. Plaintext pushes are
// then refused with [CodeEncryptionRequired].
func WithSafeMode(encodingAESKey, appID string) Option {
	return func(h *Handler) error {
		c, err := NewCrypter(h.token, encodingAESKey, appID)
		if err != nil {
			return err
		}
		h.crypter = c
		return nil
	}
}

// WithStore sets the store that deduplicates pushes. It must implement
// kv.Locker; share one Redis store between a cluster's Handlers so that a
// push runs once in all. The default is a new kv.Memory: once per process.
func WithStore(store kv.Store) Option {
	return func(h *Handler) error {
		locker, ok := store.(kv.Locker)
		if store == nil || !ok {
			return invalidArg(fmt.Sprintf("store %T does not implement kv.Locker", store))
		}
		h.store, h.locker = store, locker
		return nil
	}
}

// WithLogger logs refusals, duplicates and callback failures. Nothing
// logged contains the token, the key or a message's content. The default
// logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(h *Handler) error {
		if l == nil {
			return invalidArg("logger is nil")
		}
		h.log = l
		return nil
	}
}

// positive is the Option that refuses a v that is not positive and
// otherwise sets it on the Handler.
func positive[T int64 | time.Duration](name string, v T, set func(*Handler, T)) Option {
	return func(h *Handler) error {
		if v <= 0 {
			return invalidArg(name + " must be positive")
		}
		set(h, v)
		return nil
	}
}

// WithMaxBodyBytes bounds a push's body; larger ones get 413.
func WithMaxBodyBytes(n int64) Option {
	return positive("max body bytes", n, func(h *Handler, n int64) { h.maxBody = n })
}

// WithTimestampWindow sets how far a push's timestamp may be from now
// before it is refused as a replay.
func WithTimestampWindow(d time.Duration) Option {
	return positive("timestamp window", d, func(h *Handler, d time.Duration) { h.window = d })
}

// WithReplyDeadline sets how long a push waits for its callback before
// WeChat is answered anyway.
func WithReplyDeadline(d time.Duration) Option {
	return positive("reply deadline", d, func(h *Handler, d time.Duration) { h.replyDeadline = d })
}

// WithCallbackTimeout bounds the callback's context.
func WithCallbackTimeout(d time.Duration) Option {
	return positive("callback timeout", d, func(h *Handler, d time.Duration) { h.callbackTimeout = d })
}

// WithDedupTTL sets how long a push is remembered after its callback ran:
// at least twice the timestamp window.
func WithDedupTTL(d time.Duration) Option {
	return positive("dedup ttl", d, func(h *Handler, d time.Duration) { h.dedupTTL = d })
}

// WithClock replaces time.Now for the timestamp window, for tests.
func WithClock(now func() time.Time) Option {
	return func(h *Handler) error {
		if now == nil {
			return invalidArg("clock is nil")
		}
		h.now = now
		return nil
	}
}

// NewHandler returns the server URL's handler for the account's token (the
// Token set next to the server URL in WeChat's console). handle runs once
// per push.
func NewHandler(token string, handle HandleFunc, opts ...Option) (*Handler, error) {
	if token == "" {
		return nil, invalidArg("token is empty")
	}
	if handle == nil {
		return nil, invalidArg("handle is nil")
	}
	mem := kv.NewMemory()
	h := &Handler{
		token:           token,
		handle:          handle,
		store:           mem,
		locker:          mem,
		log:             slog.New(slog.DiscardHandler),
		maxBody:         DefaultMaxBodyBytes,
		window:          DefaultTimestampWindow,
		replyDeadline:   DefaultReplyDeadline,
		callbackTimeout: DefaultCallbackTimeout,
		dedupTTL:        DefaultDedupTTL,
		now:             time.Now,
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, invalidArg("nil option")
		}
		if err := opt(h); err != nil {
			return nil, err
		}
	}
	// A signed push is accepted for the window on either side of its
	// timestamp; its mark must outlive that, or a replay would run again.
	if h.dedupTTL < 2*h.window {
		return nil, invalidArg(fmt.Sprintf("dedup ttl %s is shorter than twice the timestamp window %s", h.dedupTTL, h.window))
	}
	return h, nil
}

// Wait blocks until every callback that outlived its request has returned,
// or ctx is done. Call it when shutting down.
func (h *Handler) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		h.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ServeHTTP answers GET (the URL check) and POST (a push).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	switch r.Method {
	case http.MethodGet:
		h.serveCheck(w, r)
	case http.MethodPost:
		h.servePush(w, r, start)
	default:
		w.Header().Set("Allow", "GET, POST")
		h.refuse(w, r, http.StatusMethodNotAllowed, &Error{Code: CodeMethodNotAllowed, Msg: r.Method + " is not allowed"})
	}
}

// serveCheck answers WeChat's server URL check with echostr.
func (h *Handler) serveCheck(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	echo := q.Get("echostr")
	if echo == "" {
		h.refuse(w, r, http.StatusBadRequest, &Error{Code: CodeMissingParameter, Msg: "echostr is required"})
		return
	}
	if status, err := h.checkPlain(q.Get("signature"), q.Get("timestamp"), q.Get("nonce")); err != nil {
		h.refuse(w, r, status, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(w, echo)
}

func (h *Handler) checkTimestamp(ts string) (int, error) {
	if ts == "" {
		return http.StatusBadRequest, &Error{Code: CodeMissingParameter, Msg: "timestamp is required"}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return http.StatusBadRequest, &Error{Code: CodeMissingParameter, Msg: "timestamp is not a number"}
	}
	skew := h.now().Sub(time.Unix(sec, 0))
	if skew > h.window || skew < -h.window {
		return http.StatusForbidden, &Error{Code: CodeStaleTimestamp, Msg: "timestamp is outside the accepted window"}
	}
	return 0, nil
}

func (h *Handler) checkPlain(signature, ts, nonce string) (int, error) {
	if signature == "" || nonce == "" {
		return http.StatusBadRequest, &Error{Code: CodeMissingParameter, Msg: "signature, timestamp and nonce are required"}
	}
	if status, err := h.checkTimestamp(ts); err != nil {
		return status, err
	}
	if !signatureEqual(signature, Signature(h.token, ts, nonce)) {
		return http.StatusForbidden, &Error{Code: CodeBadSignature, Msg: "signature does not match", err: ErrSignature}
	}
	return 0, nil
}

// readMessage verifies the push and returns its plaintext message.
func (h *Handler) readMessage(w http.ResponseWriter, r *http.Request) (*Message, int, error) {
	q := r.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	encrypted := q.Get("encrypt_type") == "aes"
	switch {
	case encrypted && h.crypter == nil:
		return nil, http.StatusBadRequest, &Error{Code: CodeEncryptionDisabled, Msg: "encrypted push, but no EncodingAESKey is configured"}
	case !encrypted && h.crypter != nil:
		return nil, http.StatusForbidden, &Error{Code: CodeEncryptionRequired, Msg: "safe mode is on: plaintext pushes are refused"}
	case encrypted:
		if q.Get("msg_signature") == "" || nonce == "" {
			return nil, http.StatusBadRequest, &Error{Code: CodeMissingParameter, Msg: "msg_signature, timestamp and nonce are required"}
		}
		if status, err := h.checkTimestamp(ts); err != nil {
			return nil, status, err
		}
	default:
		// Plaintext: the signature covers only the query, so a forged push
		// is refused before its body is read.
		if status, err := h.checkPlain(q.Get("signature"), ts, nonce); err != nil {
			return nil, status, err
		}
	}
	if r.ContentLength > h.maxBody {
		return nil, http.StatusRequestEntityTooLarge, &Error{Code: CodeBodyTooLarge, Msg: fmt.Sprintf("body is larger than %d bytes", h.maxBody)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, http.StatusRequestEntityTooLarge, &Error{Code: CodeBodyTooLarge, Msg: fmt.Sprintf("body is larger than %d bytes", h.maxBody)}
		}
		return nil, http.StatusBadRequest, &Error{Code: CodeBadXML, Msg: "body could not be read", err: err}
	}
	if encrypted {
		envelope, err := parseFields(body)
		if err != nil {
			return nil, http.StatusBadRequest, err
		}
		sealed, ok := envelope["Encrypt"]
		if !ok || sealed == "" {
			return nil, http.StatusBadRequest, xmlErr("no <Encrypt> element", nil)
		}
		body, err = h.crypter.Open(q.Get("msg_signature"), ts, nonce, sealed)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.Code == CodeBadEncryption {
				return nil, http.StatusBadRequest, err
			}
			return nil, http.StatusForbidden, err
		}
	}
	msg, err := Parse(body)
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	return msg, 0, nil
}

func (h *Handler) servePush(w http.ResponseWriter, r *http.Request, start time.Time) {
	msg, status, err := h.readMessage(w, r)
	if err != nil {
		h.refuse(w, r, status, err)
		return
	}
	ctx := r.Context()
	key := msg.DedupKey()
	owner, err := kv.NewOwnerToken()
	if err != nil {
		h.refuse(w, r, http.StatusServiceUnavailable, &Error{Code: CodeDedupUnavailable, Msg: "no owner token", err: err})
		return
	}
	// The mark is taken before the callback runs and kept after it
	// succeeds: a retry that arrives meanwhile, on any server sharing the
	// store, finds it and is answered without running the callback.
	acquired, err := h.locker.TryLock(ctx, key, owner, h.dedupTTL)
	if err != nil {
		// Better that WeChat retries than that the callback runs twice.
		h.refuse(w, r, http.StatusServiceUnavailable, &Error{Code: CodeDedupUnavailable, Msg: "dedup store unavailable", err: err})
		return
	}
	if !acquired {
		h.log.DebugContext(ctx, "events: duplicate push", "event", msg.Event, "msgtype", msg.MsgType)
		replySuccess(w)
		return
	}

	done := make(chan error, 1)
	h.running.Add(1)
	go func() {
		defer h.running.Done()
		cbCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.callbackTimeout)
		defer cancel()
		err := h.call(cbCtx, msg)
		if err != nil {
			h.log.WarnContext(cbCtx, "events: callback failed; the push is released for WeChat's retry", "event", msg.Event, "error", err.Error())
			// Not cbCtx: it may be the deadline that failed the callback.
			relCtx, cancelRel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
			h.release(relCtx, key, owner, msg)
			cancelRel()
		}
		done <- err
	}()

	wait := time.NewTimer(max(h.replyDeadline-time.Since(start), 0))
	defer wait.Stop()
	select {
	case err := <-done:
		if err != nil {
			h.refuse(w, r, http.StatusInternalServerError, &Error{Code: CodeCallbackFailed, Msg: "the callback failed; a retry will run it again"})
			return
		}
		replySuccess(w)
	case <-wait.C:
		// WeChat retries what is not answered within 5 s; answer now and
		// let the callback finish. If it then fails, its mark is released,
		// which lets a retry already on its way run it again.
		h.log.InfoContext(ctx, "events: callback still running at the reply deadline; answered", "event", msg.Event)
		replySuccess(w)
	case <-ctx.Done():
		// The connection is gone; the callback carries on regardless.
	}
}

// call runs the callback, turning a panic into an error so that one bad
// push cannot take the server down.
func (h *Handler) call(ctx context.Context, msg *Message) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("events: callback panicked: %v", p)
		}
	}()
	return h.handle(ctx, msg)
}

func (h *Handler) release(ctx context.Context, key, owner string, msg *Message) {
	if _, err := h.locker.Unlock(ctx, key, owner); err != nil {
		h.log.ErrorContext(ctx, "events: could not release a failed push; WeChat's retries will be dropped until the mark expires",
			"event", msg.Event, "error", err.Error())
	}
}

func replySuccess(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "success")
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, err error) {
	code, msg := CodeInvalidArgument, "refused"
	var e *Error
	if errors.As(err, &e) {
		code, msg = e.Code, e.Msg
	}
	h.log.InfoContext(r.Context(), "events: push refused", "code", code, "status", status)
	errorbody.Write(w, status, code, msg)
}
