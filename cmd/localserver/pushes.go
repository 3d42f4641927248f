package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/events"
	"github.com/wxcard/wxcard/kv"
)

// The merchant backend's server URL: /events receives what WeChat pushes
// (in emulator mode, the emulator), through events.Handler, which checks
// the signature, decrypts safe-mode pushes and runs the callback once per
// push (deduplicated in the server's store, so once across servers that
// share a Redis store). The callback keeps the last events for the
// developer panel: GET /demo/api/events.

const (
	eventsPath = "/events"
	// maxReceivedEvents bounds the developer panel's list.
	maxReceivedEvents = 200
)

// receivedEvent is one callback run, as the developer panel shows it.
type receivedEvent struct {
	ID         int64     `json:"id"`
	Event      string    `json:"event"`
	OpenID     string    `json:"openid"`
	CardID     string    `json:"card_id,omitempty"`
	Code       string    `json:"code,omitempty"`
	CreateTime int64     `json:"create_time"`
	ReceivedAt time.Time `json:"received_at"`
	Mode       string    `json:"mode"`
	// XML is the decrypted message, as the callback got it.
	XML string `json:"xml"`
}

// eventLog is the bounded list of events received.
type eventLog struct {
	mu     sync.Mutex
	events []receivedEvent
	nextID int64
}

func (l *eventLog) add(ev receivedEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nextID++
	ev.ID = l.nextID
	if len(l.events) >= maxReceivedEvents {
		copy(l.events, l.events[1:])
		l.events = l.events[:len(l.events)-1]
	}
	l.events = append(l.events, ev)
}

// since returns the events with an id above after, oldest first.
func (l *eventLog) since(after int64) []receivedEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []receivedEvent{}
	for _, ev := range l.events {
		if ev.ID > after {
			out = append(out, ev)
		}
	}
	return out
}

// randomAlnum is n letters and digits from crypto/rand.
func randomAlnum(n int) (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// newAESKey is a fresh EncodingAESKey: 43 characters of base64.
func newAESKey() (string, error) {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(k[:])[:43], nil
}

// wireEvents builds the events handler. In emulator mode it makes up the
// token and key (unless given) and points the emulator's pushes at this
// server; in wechat mode it needs -events-token, and the handler is the
// real server URL.
func (s *server) wireEvents(ctx context.Context) error {
	cfg := s.cfg
	token, key := cfg.eventsToken, cfg.eventsAESKey
	if s.emu != nil {
		var err error
		if token == "" {
			if token, err = randomAlnum(32); err != nil {
				return fmt.Errorf("events token: %w", err)
			}
		}
		if key == "" && cfg.eventsMode != string(emulator.PushPlaintext) {
			if key, err = newAESKey(); err != nil {
				return fmt.Errorf("events key: %w", err)
			}
		}
	}
	if token == "" {
		return nil // wechat mode without a server URL configured
	}
	mode := "plaintext"
	opts := []events.Option{events.WithLogger(s.log)}
	if _, ok := s.store.Store.(kv.Locker); ok {
		// Deduplicate in the server's store: with Redis, once across servers.
		opts = append(opts, events.WithStore(s.store.Store))
	}
	if key != "" && cfg.eventsMode != string(emulator.PushPlaintext) {
		// The handler takes safe and compatible pushes alike.
		opts = append(opts, events.WithSafeMode(key, s.appID))
		mode = cfg.eventsMode
	}
	h, err := events.NewHandler(token, func(ctx context.Context, msg *events.Message) error {
		s.received.add(receivedEvent{
			Event: msg.Event, OpenID: msg.FromUserName, CardID: msg.Field("CardId"), Code: msg.Field("UserCardCode"),
			CreateTime: msg.CreateTime, ReceivedAt: time.Now().UTC(), Mode: mode, XML: string(msg.Raw),
		})
		s.log.InfoContext(ctx, "event received", "event", msg.Event)
		return nil
	}, opts...)
	if err != nil {
		// The handler's errors name the rule broken, never the token or key.
		return &usageError{msg: fmt.Sprintf("events handler: %v", err)}
	}
	s.events, s.eventsMode = h, mode
	if s.emu != nil {
		err := s.emu.SetPushConfig(ctx, s.appID, emulator.PushConfig{
			URL: s.baseURL + eventsPath, Token: token, EncodingAESKey: key, Mode: emulator.PushMode(mode),
		})
		if err != nil {
			return fmt.Errorf("emulator push config: %w", err)
		}
	}
	return nil
}

// GET /demo/api/events?after=ID → {"mode","events":[receivedEvent…]}
func (s *server) serveReceivedEvents(w http.ResponseWriter, r *http.Request) {
	if !standinCORS(w, r) {
		return
	}
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeJSONError(w, http.StatusBadRequest, "invalid_request", "after must be a non-negative event id")
			return
		}
		after = n
	}
	writeJSON(w, http.StatusOK, map[string]any{"mode": s.eventsMode, "events": s.received.since(after)})
}
