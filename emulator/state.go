package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// snapshotVersion is bumped when the snapshot layout changes incompatibly.
const snapshotVersion = 1

// state is everything the emulator remembers; it is what the snapshot file
// holds. All access goes through Emulator.mu.
type state struct {
	Version     int                     `json:"version"`
	ClockOffset time.Duration           `json:"clock_offset"`
	DevApp      string                  `json:"dev_app"`
	Apps        map[string]*appState    `json:"apps"`
	Tokens      map[string]*tokenRecord `json:"tokens"`
}

type appState struct {
	AppID           string                 `json:"appid"`
	Secret          string                 `json:"secret"`
	TokenQuota      dayCounter             `json:"token_quota"`
	CurrentToken    string                 `json:"current_token,omitempty"`
	StableToken     string                 `json:"stable_token,omitempty"`
	StableForce     dayCounter             `json:"stable_force"`
	StableForceLast time.Time              `json:"stable_force_last"`
	Tickets         map[string]*ticket     `json:"tickets"`
	Cards           map[string]*card       `json:"cards"`
	CardOrder       []string               `json:"card_order"`
	Nonces          map[string]int64       `json:"nonces"`
	NoncesPruned    int64                  `json:"nonces_pruned"`
	Whitelist       whitelist              `json:"whitelist"`
	LandingPages    []*landingPage         `json:"landing_pages"`
	SubMerchants    []*subMerchant         `json:"sub_merchants"`
	QRCodes         map[string]*qrCode     `json:"qrcodes"`
	Encrypted       map[string]codeRef     `json:"encrypted"`
	EncryptedBy     map[codeRef]string     `json:"-"`
	ActivateTickets map[string]*activation `json:"activate_tickets"`
}

type dayCounter struct {
	Day   string `json:"day"`
	Count int    `json:"count"`
}

// quotaDay names the day a call counts against: WeChat's daily quotas
// reset at midnight Beijing time (UTC+8, no DST).
func quotaDay(t time.Time) string { return t.UTC().Add(8 * time.Hour).Format(time.DateOnly) }

func (d *dayCounter) used(now time.Time) int {
	if d.Day != quotaDay(now) {
		return 0
	}
	return d.Count
}

func (d *dayCounter) add(now time.Time) {
	day := quotaDay(now)
	if d.Day != day {
		d.Day, d.Count = day, 0
	}
	d.Count++
}

type tokenRecord struct {
	AppID   string    `json:"appid"`
	Kind    string    `json:"kind"` // "token" or "stable"
	Expires time.Time `json:"expires"`
	// Revoked is when a superseded token stops working (5 minutes after
	// the call that replaced it); zero while it is current.
	Revoked time.Time `json:"revoked"`
}

type ticket struct {
	Value        string    `json:"value"`
	Expires      time.Time `json:"expires"`
	Previous     string    `json:"previous,omitempty"`
	PreviousExp  time.Time `json:"previous_expires"`
	PreviousRepl time.Time `json:"previous_replaced"`
}

type whitelist struct {
	OpenIDs   []string `json:"openid"`
	Usernames []string `json:"username"`
}

type codeRef struct {
	CardID string `json:"card_id"`
	Code   string `json:"code"`
}

func newAppState(appID, secret string) *appState {
	return &appState{
		AppID:           appID,
		Secret:          secret,
		Tickets:         map[string]*ticket{},
		Cards:           map[string]*card{},
		Nonces:          map[string]int64{},
		QRCodes:         map[string]*qrCode{},
		Encrypted:       map[string]codeRef{},
		EncryptedBy:     map[codeRef]string{},
		ActivateTickets: map[string]*activation{},
	}
}

// fill replaces nil maps after a snapshot load, so handlers never meet one.
func (a *appState) fill() {
	if a.Tickets == nil {
		a.Tickets = map[string]*ticket{}
	}
	if a.Cards == nil {
		a.Cards = map[string]*card{}
	}
	if a.Nonces == nil {
		a.Nonces = map[string]int64{}
	}
	if a.QRCodes == nil {
		a.QRCodes = map[string]*qrCode{}
	}
	if a.Encrypted == nil {
		a.Encrypted = map[string]codeRef{}
	}
	if a.ActivateTickets == nil {
		a.ActivateTickets = map[string]*activation{}
	}
	a.EncryptedBy = make(map[codeRef]string, len(a.Encrypted))
	for enc, ref := range a.Encrypted {
		a.EncryptedBy[ref] = enc
	}
	for _, c := range a.Cards {
		c.fill()
	}
}

// loadSnapshot reads path into e.st; a missing file is not an error.
func (e *Emulator) loadSnapshot(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("emulator: read snapshot: %w", err)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("emulator: snapshot %s is not valid JSON: %w", filepath.Base(path), err)
	}
	if st.Version != snapshotVersion {
		return fmt.Errorf("emulator: snapshot %s has version %d, want %d", filepath.Base(path), st.Version, snapshotVersion)
	}
	if st.Apps == nil {
		st.Apps = map[string]*appState{}
	}
	if st.Tokens == nil {
		st.Tokens = map[string]*tokenRecord{}
	}
	for id, a := range st.Apps {
		if a == nil || a.AppID != id {
			return fmt.Errorf("emulator: snapshot %s: app entry %q is inconsistent", filepath.Base(path), id)
		}
		a.fill()
	}
	e.st = st
	return nil
}

// Save writes the snapshot file now. It is a no-op without
// WithSnapshotFile. The emulator already saves after every state change;
// Save is for callers that want to be sure before they exit.
func (e *Emulator) Save(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.saveLocked()
}

func (e *Emulator) saveLocked() error {
	if e.cfg.snapshotFile == "" {
		return nil
	}
	data, err := json.MarshalIndent(&e.st, "", " ")
	if err != nil {
		return fmt.Errorf("emulator: encode snapshot: %w", err)
	}
	dir := filepath.Dir(e.cfg.snapshotFile)
	tmp, err := os.CreateTemp(dir, ".emulator-snapshot-*")
	if err != nil {
		return fmt.Errorf("emulator: write snapshot: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("emulator: write snapshot: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("emulator: write snapshot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("emulator: write snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), e.cfg.snapshotFile); err != nil {
		return fmt.Errorf("emulator: write snapshot: %w", err)
	}
	return nil
}

// pruneTokens forgets tokens that expired more than a day ago; a request
// with one of them then gets 40014 instead of 42001.
func (e *Emulator) pruneTokens(now time.Time) {
	for v, t := range e.st.Tokens {
		if now.Sub(t.Expires) > 24*time.Hour {
			delete(e.st.Tokens, v)
		}
	}
}

// sortedKeys returns the keys of m in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
