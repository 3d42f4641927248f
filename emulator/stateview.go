package emulator

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The /emulator/v1/state view. It leaves out every secret: AppSecrets,
// access tokens, tickets and encrypt_codes never appear in it. Deposited
// codes are counted, not listed, and each card shows one page of its user
// cards (the first 100 unless offset and limit say otherwise), so the view
// stays readable, and quick to build under the lock, with a million codes.

// Paging of user cards in the state view.
const (
	defaultUserCardPage = 100
	maxUserCardPage     = 1000
)

// statePage selects what the state view shows; the zero value is not
// valid (limit 0), use parseStatePage.
type statePage struct {
	appID, cardID, openID string
	offset, limit         int
}

type stateView struct {
	Clock  clockView `json:"clock"`
	DevApp string    `json:"dev_app"`
	Apps   []appView `json:"apps"`
	Faults Faults    `json:"faults"`
}

type ticketView struct {
	ExpiresAt   int64 `json:"expires_at"`
	HasPrevious bool  `json:"has_previous"`
}

type appView struct {
	AppID            string                `json:"appid"`
	TokenCallsToday  int                   `json:"token_calls_today"`
	TokenDailyQuota  int                   `json:"token_daily_quota"`
	StableForceToday int                   `json:"stable_force_refresh_today"`
	Tickets          map[string]ticketView `json:"tickets"`
	Cards            []cardView            `json:"cards"`
	Whitelist        whitelist             `json:"test_whitelist"`
	LandingPages     []*landingPage        `json:"landing_pages"`
	SubMerchants     []object              `json:"sub_merchants"`
	QRCodes          int                   `json:"qrcodes"`
}

type userCardView struct {
	Code             string `json:"code"`
	OpenID           string `json:"openid"`
	Status           string `json:"status"`
	OuterStr         string `json:"outer_str,omitempty"`
	BeginTime        int64  `json:"begin_time"`
	EndTime          int64  `json:"end_time"`
	Activated        bool   `json:"activated,omitempty"`
	MembershipNumber string `json:"membership_number,omitempty"`
	Bonus            int64  `json:"bonus,omitempty"`
	Balance          int64  `json:"balance,omitempty"`
}

type cardView struct {
	CardID   string `json:"card_id"`
	CardType string `json:"card_type"`
	Title    string `json:"title"`
	Status   string `json:"status"`
	cardStock
	DepositedCodes int   `json:"deposited_codes"`
	UnclaimedCodes int64 `json:"unclaimed_codes"`
	PayCell        bool  `json:"pay_cell"`
	// UserCards is one page of the card's user cards, oldest first: from
	// UserCardsOffset, at most the limit asked for (100 by default), out of
	// UserCardsTotal.
	UserCards       []userCardView `json:"user_cards"`
	UserCardsTotal  int            `json:"user_cards_total"`
	UserCardsOffset int            `json:"user_cards_offset"`
}

func (e *Emulator) view(page statePage) stateView {
	now := e.now()
	v := stateView{Clock: e.clockView(), DevApp: e.st.DevApp, Apps: []appView{}, Faults: e.faults.clone()}
	if v.Faults.Rules == nil {
		v.Faults.Rules = []FaultRule{}
	}
	for _, id := range sortedKeys(e.st.Apps) {
		a := e.st.Apps[id]
		if page.appID != "" && id != page.appID {
			continue
		}
		av := appView{
			AppID:            a.AppID,
			TokenCallsToday:  a.TokenQuota.used(now),
			TokenDailyQuota:  e.cfg.tokenDailyQuota,
			StableForceToday: a.StableForce.used(now),
			Tickets:          map[string]ticketView{},
			Cards:            []cardView{},
			Whitelist:        a.Whitelist,
			LandingPages:     a.LandingPages,
			SubMerchants:     []object{},
			QRCodes:          len(a.QRCodes),
		}
		for typ, t := range a.Tickets {
			av.Tickets[typ] = ticketView{t.Expires.Unix(), t.Previous != "" && now.Before(t.PreviousExp)}
		}
		for _, cid := range a.CardOrder {
			// A loaded snapshot has been validated; the nil check keeps a
			// bug elsewhere from turning into a panic here.
			if cd := a.Cards[cid]; cd != nil && (page.cardID == "" || cid == page.cardID) {
				av.Cards = append(av.Cards, cd.stateView(now, page))
			}
		}
		for _, m := range a.SubMerchants {
			av.SubMerchants = append(av.SubMerchants, m.view(a.AppID))
		}
		v.Apps = append(v.Apps, av)
	}
	return v
}

func (cd *card) stateView(now time.Time, page statePage) cardView {
	bi, _ := getObject(cd.Attributes, "base_info")
	title, _, _ := getString(bi, "title")
	cv := cardView{
		CardID: cd.ID, CardType: cd.Type, Title: title, Status: cd.Status,
		cardStock:      cd.cardStock,
		DepositedCodes: len(cd.Deposited), UnclaimedCodes: cd.unclaimedCodes(), PayCell: cd.PayCell,
		UserCards: []userCardView{}, UserCardsTotal: len(cd.UserCardOrder), UserCardsOffset: page.offset,
	}
	// With an openid the page is of that user's cards, which takes a scan
	// of the card's user cards; without, it is a slice of the order.
	matches := cd.UserCardOrder
	if page.openID != "" {
		matches = nil
		for _, code := range cd.UserCardOrder {
			if u := cd.UserCards[code]; u != nil && u.OpenID == page.openID {
				matches = append(matches, code)
			}
		}
		cv.UserCardsTotal = len(matches)
	}
	end := min(page.offset+page.limit, len(matches))
	for i := page.offset; i < end; i++ {
		u := cd.UserCards[matches[i]]
		if u == nil {
			continue
		}
		cv.UserCards = append(cv.UserCards, userCardView{
			Code: u.Code, OpenID: u.OpenID, Status: u.status(now), OuterStr: u.OuterStr,
			BeginTime: u.BeginTime, EndTime: u.EndTime, Activated: u.Activated,
			MembershipNumber: u.MembershipNumber, Bonus: u.Bonus, Balance: u.MemberBalance,
		})
	}
	return cv
}

// GET /emulator/v1/state[?appid=…][&card_id=…][&openid=…][&offset=…][&limit=…]:
// everything but secrets; appid keeps one app, card_id one card, openid
// one user's user cards; offset and limit choose the page of each card's
// user cards.
func (e *Emulator) stateRoute(w http.ResponseWriter, r *http.Request) {
	page, msg := parseStatePage(r.URL.Query())
	if msg != "" {
		controlError(w, http.StatusBadRequest, "invalid_request", msg)
		return
	}
	var (
		v       stateView
		unknown string
	)
	e.locked(func() {
		switch {
		case page.appID != "" && e.st.Apps[page.appID] == nil:
			unknown = "unknown_app"
		case page.cardID != "" && e.st.card(firstNonEmpty(page.appID, e.st.DevApp), page.cardID) == nil:
			unknown = "unknown_card"
		default:
			if page.cardID != "" && page.appID == "" {
				page.appID = e.st.DevApp
			}
			v = e.view(page)
		}
	})
	switch unknown {
	case "unknown_app":
		controlError(w, http.StatusNotFound, unknown, "no app with that appid is registered")
	case "unknown_card":
		controlError(w, http.StatusNotFound, unknown, "no card with that id in this app")
	default:
		writeControl(w, http.StatusOK, v)
	}
}

// parseStatePage reads the state view's query, or says what is wrong.
func parseStatePage(q url.Values) (statePage, string) {
	p := statePage{appID: q.Get("appid"), cardID: q.Get("card_id"), openID: q.Get("openid"), limit: defaultUserCardPage}
	for _, f := range []struct {
		name string
		dst  *int
		max  int
	}{{"offset", &p.offset, 1 << 40}, {"limit", &p.limit, maxUserCardPage}} {
		s := q.Get(f.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > f.max {
			return p, fmt.Sprintf("%s must be an integer in 0..%d", f.name, f.max)
		}
		*f.dst = n
	}
	return p, ""
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// RemoveFromWallet simulates the user deleting a card from the wallet: the
// user card becomes DELETE. For tests and the demo.
func (e *Emulator) RemoveFromWallet(ctx context.Context, appID, cardID, code string) error {
	a, _, u, unlock, err := e.lockUserCard(ctx, appID, cardID, code)
	if err != nil {
		return err
	}
	defer unlock()
	if u.Status == UserCardDelete {
		return nil
	}
	u.Status = UserCardDelete
	e.touchUserCard(appID, u)
	if err := e.saveLocked(); err != nil {
		return err
	}
	e.pushDelete(a, u)
	return nil
}
