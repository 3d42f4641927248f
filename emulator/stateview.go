package emulator

import (
	"context"
	"net/http"
	"time"
)

// The /emulator/v1/state view. It leaves out every secret: AppSecrets,
// access tokens, tickets and encrypt_codes never appear in it.

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
	CardID         string         `json:"card_id"`
	CardType       string         `json:"card_type"`
	Title          string         `json:"title"`
	Status         string         `json:"status"`
	Quantity       int64          `json:"quantity"`
	TotalQuantity  int64          `json:"total_quantity"`
	GetLimit       int64          `json:"get_limit"`
	UseCustomCode  bool           `json:"use_custom_code"`
	DepositMode    bool           `json:"deposit_mode"`
	BindOpenID     bool           `json:"bind_openid"`
	DepositedCodes int            `json:"deposited_codes"`
	UnclaimedCodes int64          `json:"unclaimed_codes"`
	PayCell        bool           `json:"pay_cell"`
	UserCards      []userCardView `json:"user_cards"`
}

func (e *Emulator) view() stateView {
	now := e.now()
	v := stateView{Clock: e.clockView(), DevApp: e.st.DevApp, Apps: []appView{}, Faults: e.faults.clone()}
	if v.Faults.Rules == nil {
		v.Faults.Rules = []FaultRule{}
	}
	for _, id := range sortedKeys(e.st.Apps) {
		a := e.st.Apps[id]
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
			av.Cards = append(av.Cards, a.Cards[cid].stateView(now))
		}
		for _, m := range a.SubMerchants {
			av.SubMerchants = append(av.SubMerchants, m.view(a.AppID))
		}
		v.Apps = append(v.Apps, av)
	}
	return v
}

func (cd *card) stateView(now time.Time) cardView {
	bi, _ := getObject(cd.Attributes, "base_info")
	title, _, _ := getString(bi, "title")
	cv := cardView{
		CardID: cd.ID, CardType: cd.Type, Title: title, Status: cd.Status,
		Quantity: cd.Quantity, TotalQuantity: cd.TotalQuantity, GetLimit: cd.GetLimit,
		UseCustomCode: cd.UseCustomCode, DepositMode: cd.DepositMode, BindOpenID: cd.BindOpenID,
		DepositedCodes: len(cd.Deposited), UnclaimedCodes: cd.unclaimedCodes(), PayCell: cd.PayCell,
		UserCards: []userCardView{},
	}
	for _, code := range cd.UserCardOrder {
		u := cd.UserCards[code]
		cv.UserCards = append(cv.UserCards, userCardView{
			Code: u.Code, OpenID: u.OpenID, Status: u.status(now), OuterStr: u.OuterStr,
			BeginTime: u.BeginTime, EndTime: u.EndTime, Activated: u.Activated,
			MembershipNumber: u.MembershipNumber, Bonus: u.Bonus, Balance: u.MemberBalance,
		})
	}
	return cv
}

// GET /emulator/v1/state[?appid=…]: everything but secrets; with appid,
// only that app.
func (e *Emulator) stateRoute(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	v := e.view()
	want := r.URL.Query().Get("appid")
	if want != "" && e.st.Apps[want] == nil {
		e.mu.Unlock()
		controlError(w, http.StatusNotFound, "unknown_app", "no app with that appid is registered")
		return
	}
	e.mu.Unlock()
	if want != "" {
		apps := v.Apps[:0]
		for _, a := range v.Apps {
			if a.AppID == want {
				apps = append(apps, a)
			}
		}
		v.Apps = apps
	}
	writeControl(w, http.StatusOK, v)
}

// RemoveFromWallet simulates the user deleting a card from the wallet: the
// user card becomes DELETE. For tests and the demo.
func (e *Emulator) RemoveFromWallet(ctx context.Context, appID, cardID, code string) error {
	a, unlock, err := e.lockApp(ctx, appID)
	if err != nil {
		return err
	}
	defer unlock()
	cd := a.Cards[cardID]
	if cd == nil || cd.UserCards[code] == nil {
		return ErrNotFound
	}
	u := cd.UserCards[code]
	if u.Status == UserCardDelete {
		return nil
	}
	u.Status = UserCardDelete
	if err := e.saveLocked(); err != nil {
		return err
	}
	e.pushDelete(a, u)
	return nil
}
