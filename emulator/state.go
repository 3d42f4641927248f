package emulator

import (
	"context"
	"errors"
	"fmt"
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

// fillMaps replaces an app's nil maps, so handlers never meet one.
func (a *appState) fillMaps() {
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
}

// fill completes a loaded state that validate accepted: nil maps become
// empty ones and the indexes that are not stored are rebuilt.
func (st *state) fill() {
	if st.Apps == nil {
		st.Apps = map[string]*appState{}
	}
	if st.Tokens == nil {
		st.Tokens = map[string]*tokenRecord{}
	}
	for _, a := range st.Apps {
		a.fillMaps()
		a.EncryptedBy = make(map[codeRef]string, len(a.Encrypted))
		for enc, ref := range a.Encrypted {
			a.EncryptedBy[ref] = enc
		}
		for _, c := range a.Cards {
			c.fill()
		}
	}
}

// validate checks a loaded state as a whole, so that no handler can later
// meet a nil entry or a reference to nothing: it reports the first null
// entry, key that disagrees with its record, dangling reference or
// duplicate it finds.
func (st *state) validate() error {
	if st.DevApp != "" && st.Apps[st.DevApp] == nil {
		return fmt.Errorf("dev_app %q is not among the apps", st.DevApp)
	}
	for _, id := range sortedKeys(st.Apps) {
		a := st.Apps[id]
		if a == nil {
			return fmt.Errorf("app %q is null", id)
		}
		if a.AppID != id {
			return fmt.Errorf("app entry %q holds appid %q", id, a.AppID)
		}
		if err := a.validate(); err != nil {
			return fmt.Errorf("app %q: %w", id, err)
		}
	}
	for _, t := range st.Tokens {
		if t == nil {
			return errors.New("a token record is null")
		}
		if st.Apps[t.AppID] == nil {
			return fmt.Errorf("a token names unknown app %q", t.AppID)
		}
	}
	return nil
}

func (a *appState) validate() error {
	for typ, t := range a.Tickets {
		if t == nil {
			return fmt.Errorf("ticket %q is null", typ)
		}
	}
	seen, err := checkOrder("card_order", "card", a.CardOrder, a.Cards)
	if err != nil {
		return err
	}
	for _, id := range sortedKeys(a.Cards) {
		cd := a.Cards[id]
		if cd == nil {
			return fmt.Errorf("card %q is null", id)
		}
		if cd.ID != id {
			return fmt.Errorf("card entry %q holds card_id %q", id, cd.ID)
		}
		if !seen[id] {
			return fmt.Errorf("card %q is missing from card_order", id)
		}
		if err := cd.validate(); err != nil {
			return fmt.Errorf("card %q: %w", id, err)
		}
	}
	for i, p := range a.LandingPages {
		if p == nil {
			return fmt.Errorf("landing page %d is null", i+1)
		}
	}
	for i, m := range a.SubMerchants {
		if m == nil {
			return fmt.Errorf("sub-merchant %d is null", i)
		}
	}
	for t, q := range a.QRCodes {
		if q == nil || q.Ticket != t {
			return errors.New("a QR code entry is null or disagrees with its ticket")
		}
		for _, id := range q.CardIDs {
			if a.Cards[id] == nil {
				return fmt.Errorf("a QR code names unknown card %q", id)
			}
		}
	}
	for _, act := range a.ActivateTickets {
		if act == nil {
			return errors.New("an activate_ticket entry is null")
		}
	}
	for _, ref := range a.Encrypted {
		cd := a.Cards[ref.CardID]
		if cd == nil || cd.UserCards[ref.Code] == nil {
			return fmt.Errorf("an encrypt_code names unknown code %q of card %q", ref.Code, ref.CardID)
		}
	}
	return nil
}

func (cd *card) validate() error {
	seen, err := checkOrder("user_card_order", "code", cd.UserCardOrder, cd.UserCards)
	if err != nil {
		return err
	}
	for code, u := range cd.UserCards {
		if u == nil {
			return fmt.Errorf("user card %q is null", code)
		}
		if u.Code != code || u.CardID != cd.ID {
			return fmt.Errorf("user card entry %q holds code %q of card %q", code, u.Code, u.CardID)
		}
		if !seen[code] {
			return fmt.Errorf("user card %q is missing from user_card_order", code)
		}
	}
	return nil
}

// Save commits any change not yet written. It is a no-op without
// WithSnapshotFile. Every state change is already committed before its
// answer; Save is for callers that want to be sure before they exit.
func (e *Emulator) Save(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.saveLocked()
}

// saveLocked commits what changed since the last commit; callers hold mu.
func (e *Emulator) saveLocked() error {
	if e.closed {
		return errors.New("emulator: closed")
	}
	if e.snap == nil {
		return nil
	}
	return e.snap.commit(&e.st)
}

// Close commits what is pending and closes the snapshot file, releasing
// its lock. The Emulator must not serve requests afterwards. It is a no-op
// without WithSnapshotFile.
func (e *Emulator) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.snap == nil {
		return nil
	}
	err := e.snap.commit(&e.st)
	if cerr := e.snap.close(); cerr != nil && err == nil {
		err = fmt.Errorf("emulator: close snapshot: %w", cerr)
	}
	e.snap = nil
	e.closed = true
	return err
}

// SnapshotPath is the snapshot file in use ("" without WithSnapshotFile):
// the path given, or for a path ending in .json the .db file beside it.
func (e *Emulator) SnapshotPath() string {
	if e.cfg.snapshotFile == "" {
		return ""
	}
	p, _ := snapshotPaths(e.cfg.snapshotFile)
	return p
}

// ImportedJSON names the JSON snapshot of an earlier version that New
// imported into SnapshotPath, or is "". The JSON file is left as it was
// and no longer read.
func (e *Emulator) ImportedJSON() string { return e.imported }

// touch marks a collection entry changed, for the next commit.
func (e *Emulator) touch(bucket, appID, cardID, key string) {
	if e.snap != nil {
		e.snap.touch(entity{bucket: bucket, app: appID, card: cardID, key: key})
	}
}

func (e *Emulator) touchCard(appID string, cd *card) { e.touch(bucketCards, appID, cd.ID, "") }

func (e *Emulator) touchCode(appID string, cd *card, code string) {
	e.touch(bucketCodes, appID, cd.ID, code)
}

func (e *Emulator) touchUserCard(appID string, u *userCard) {
	e.touch(bucketUserCards, appID, u.CardID, seqKey(u.seq))
}

func (e *Emulator) touchToken(value string) { e.touch(bucketTokens, "", "", value) }

// pruneTokens forgets tokens that expired more than a day ago; a request
// with one of them then gets 40014 instead of 42001.
func (e *Emulator) pruneTokens(now time.Time) {
	for v, t := range e.st.Tokens {
		if now.Sub(t.Expires) > 24*time.Hour {
			delete(e.st.Tokens, v)
			e.touchToken(v)
		}
	}
}

// checkOrder checks that order, the snapshot's list (field) of m's keys,
// names no key twice and none that m lacks; it returns the keys named, for
// the caller to check that every key of m is among them.
func checkOrder[V any](field, what string, order []string, m map[string]*V) (map[string]bool, error) {
	seen := make(map[string]bool, len(order))
	for _, k := range order {
		if seen[k] {
			return nil, fmt.Errorf("%s names %s %q twice", field, what, k)
		}
		seen[k] = true
		if m[k] == nil {
			return nil, fmt.Errorf("%s names %s %q, which is missing or null", field, what, k)
		}
	}
	return seen, nil
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
