package emulator

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/wxcard/wxcard/signer"
)

// Reasons a wallet/add item fails, beside its errcode. They are the
// emulator's diagnosis; a real phone only says "领取失败".
const (
	ReasonUnknownCard       = "unknown_card"
	ReasonCardNotApproved   = "card_not_approved"
	ReasonCardDeleted       = "card_deleted"
	ReasonCardExpired       = "card_expired"
	ReasonBadCardExt        = "bad_card_ext"
	ReasonSignatureMismatch = "signature_mismatch"
	// The mistakes behind a mismatch the verifier can name (signer's
	// problem codes): the signature in upper case, a timestamp signed in
	// milliseconds, "null" signed for an absent code or openid, no
	// signature or timestamp at all.
	ReasonSignatureUppercase = signer.ProblemSignatureUppercase
	ReasonTimestampMillis    = signer.ProblemTimestampMillis
	ReasonLiteralNull        = signer.ProblemLiteralNull
	ReasonSignatureMissing   = signer.ProblemSignatureMissing
	ReasonTimestampMissing   = signer.ProblemTimestampMissing
	ReasonTicketExpired      = "ticket_expired"
	ReasonWrongTicketType    = "wrong_ticket_type"
	ReasonNoTicket           = "no_ticket"
	ReasonTimestamp          = "timestamp_out_of_range"
	ReasonNonceReused        = "nonce_reused"
	ReasonOpenIDMismatch     = "openid_mismatch"
	ReasonOpenIDRequired     = "openid_required"
	ReasonCodeRequired       = "code_required"
	ReasonCodeNotAllowed     = "code_not_allowed"
	ReasonCodeNotDeposited   = "code_not_deposited"
	ReasonCodeTaken          = "code_already_used"
	ReasonStockEmpty         = "stock_empty"
	ReasonGetLimit           = "get_limit_reached"
)

type walletAddRequest struct {
	AppID    string          `json:"appid"`
	OpenID   string          `json:"openid"`
	CardList signer.CardList `json:"cardList"`
}

// WalletResult is one card's outcome of wallet/add. Code is the plain code
// (a real wx.addCard callback carries only the encrypted one, EncryptCode
// here, which card/code/decrypt turns back into Code). On failure Errcode
// and Errmsg say what WeChat's backend would, and Reason is the emulator's
// precise diagnosis (one of the Reason constants).
type WalletResult struct {
	CardID      string `json:"cardId"`
	CardExt     string `json:"cardExt"`
	IsSuccess   bool   `json:"isSuccess"`
	Code        string `json:"code,omitempty"`
	EncryptCode string `json:"encryptCode,omitempty"`
	Errcode     int    `json:"errcode"`
	Errmsg      string `json:"errmsg"`
	Reason      string `json:"reason,omitempty"`
}

// WalletResponse is the answer of POST /emulator/v1/wallet/add. ErrMsg is
// "addCard:ok" when every card was added, as wx.addCard's callback says.
type WalletResponse struct {
	ErrMsg   string         `json:"errMsg"`
	OpenID   string         `json:"openid"`
	CardList []WalletResult `json:"cardList"`
}

// POST /emulator/v1/wallet/add {"openid","cardList":[{"cardId","cardExt"}],"appid"?}
func (e *Emulator) walletAdd(w http.ResponseWriter, r *http.Request) {
	var req walletAddRequest
	if !decodeControl(w, r, &req) {
		return
	}
	if req.OpenID == "" || len(req.OpenID) > 128 {
		controlError(w, http.StatusBadRequest, "invalid_request", "openid is required (at most 128 bytes)")
		return
	}
	if len(req.CardList) == 0 || len(req.CardList) > signer.MaxCardsPerAddCard {
		controlError(w, http.StatusBadRequest, "invalid_request", "cardList must hold 1.."+strconv.Itoa(signer.MaxCardsPerAddCard)+" cards")
		return
	}
	var (
		resp WalletResponse
		ok   bool
		err  error
	)
	e.locked(func() {
		var a *appState
		if a, ok = e.controlApp(w, r, req.AppID); ok {
			resp, err = e.addToWalletLocked(a, req.OpenID, req.CardList)
		}
	})
	if !ok {
		return
	}
	if err != nil {
		controlError(w, http.StatusInternalServerError, "snapshot_failed", "the snapshot file could not be written")
		return
	}
	writeControl(w, http.StatusOK, resp)
}

// AddToWallet plays the WeChat client for openID: it checks every item of
// list as wx.addCard does and adds the cards that pass, as
// POST /emulator/v1/wallet/add does. A card refused is reported in the
// response, not as an error; errors are ErrUnknownApp, ErrInvalidArgument
// (openid or list size out of range) and a failed snapshot write.
func (e *Emulator) AddToWallet(ctx context.Context, appID, openID string, list signer.CardList) (WalletResponse, error) {
	if openID == "" || len(openID) > 128 {
		return WalletResponse{}, fmt.Errorf("%w: openid is required (at most 128 bytes)", ErrInvalidArgument)
	}
	if len(list) == 0 || len(list) > signer.MaxCardsPerAddCard {
		return WalletResponse{}, fmt.Errorf("%w: cardList must hold 1..%d cards", ErrInvalidArgument, signer.MaxCardsPerAddCard)
	}
	a, unlock, err := e.lockApp(ctx, appID)
	if err != nil {
		return WalletResponse{}, err
	}
	defer unlock()
	return e.addToWalletLocked(a, openID, list)
}

// addToWalletLocked adds the cards of one wx.addCard call and saves the
// snapshot; callers hold mu.
func (e *Emulator) addToWalletLocked(a *appState, openID string, list signer.CardList) (WalletResponse, error) {
	now := e.now()
	e.pruneNonces(a, now)
	resp := WalletResponse{ErrMsg: "addCard:ok", OpenID: openID, CardList: make([]WalletResult, 0, len(list))}
	for _, item := range list {
		res := e.addOne(a, now, openID, item.CardID, item.CardExt)
		if !res.IsSuccess {
			resp.ErrMsg = "addCard:fail"
		}
		resp.CardList = append(resp.CardList, res)
	}
	if err := e.saveLocked(); err != nil {
		return WalletResponse{}, err
	}
	return resp, nil
}

// pruneNonces forgets nonces whose cardExt timestamps are out of the window
// anyway; it runs at most once a minute of emulated time.
func (e *Emulator) pruneNonces(a *appState, now time.Time) {
	if now.Unix()-a.NoncesPruned < 60 {
		return
	}
	a.NoncesPruned = now.Unix()
	for n, exp := range a.Nonces {
		if now.Unix() > exp {
			delete(a.Nonces, n)
			e.touch(bucketNonces, a.AppID, "", n)
		}
	}
}

// addOne does what the WeChat client and backend do for one cardList item.
func (e *Emulator) addOne(a *appState, now time.Time, openID, cardID, cardExt string) WalletResult {
	res := WalletResult{CardID: cardID, CardExt: cardExt}
	fail := func(code int, reason, hint string) WalletResult {
		res.Errcode, res.Reason = code, reason
		res.Errmsg = wxErr(code, hint).Error()
		return res
	}
	cd := a.Cards[cardID]
	if cd == nil {
		return fail(ErrcodeInvalidCardID, ReasonUnknownCard, "no card "+cardID)
	}
	parsed, err := signer.ParseCardExt(cardExt)
	if err != nil {
		return fail(ErrcodeInvalidCardExt, ReasonBadCardExt, "cardExt is not a valid JSON object")
	}
	if reason := e.checkSignature(a, now, cardID, cardExt, parsed); reason != "" {
		return fail(ErrcodeInvalidCardExt, reason, "signature check failed: "+reason)
	}
	ts := parsed.TimestampValue
	if ts < now.Add(-e.cfg.cardExtMaxAge).Unix() || ts > now.Add(e.cfg.cardExtMaxSkew).Unix() {
		return fail(ErrcodeInvalidCardExt, ReasonTimestamp, "timestamp is too far from now")
	}
	// A cardExt without a nonce is accepted, as WeChat documents nonce_str
	// as optional; it is also why such a cardExt can be replayed.
	if _, used := a.Nonces[parsed.NonceStr]; used && parsed.NonceStr != "" {
		return fail(ErrcodeInvalidCardExt, ReasonNonceReused, "nonce_str was already used")
	}
	switch {
	case cd.Status == StatusDelete:
		return fail(ErrcodeInvalidCardStatus, ReasonCardDeleted, "the card is deleted")
	case !cd.approved() && !a.whitelisted(openID):
		return fail(ErrcodeInvalidCardStatus, ReasonCardNotApproved, "the card has not passed review and the user is not on the test whitelist")
	case cd.Date.Type == "DATE_TYPE_FIX_TIME_RANGE" && now.Unix() >= cd.Date.End,
		cd.Date.Type == "DATE_TYPE_FIX_TERM" && cd.Date.End > 0 && now.Unix() >= cd.Date.End:
		return fail(ErrcodeInvalidTime, ReasonCardExpired, "the card's validity has ended")
	}
	switch ext := parsed.CardExt; {
	case ext.OpenID != "" && ext.OpenID != openID:
		return fail(ErrcodeInvalidCardExt, ReasonOpenIDMismatch, "cardExt is bound to another openid")
	case ext.OpenID == "" && cd.BindOpenID:
		return fail(ErrcodeInvalidCardExt, ReasonOpenIDRequired, "the card has bind_openid; cardExt must carry the openid")
	}
	code := parsed.Code
	if cd.UseCustomCode {
		claimed, deposited := cd.Deposited[code]
		switch {
		case code == "":
			return fail(ErrcodeInvalidCode, ReasonCodeRequired, "a custom-code card needs the code in cardExt")
		case !deposited:
			return fail(ErrcodeInvalidCode, ReasonCodeNotDeposited, "the code was not deposited for this card")
		case claimed || cd.UserCards[code] != nil:
			return fail(ErrcodeInvalidCode, ReasonCodeTaken, "the code is already in a wallet")
		}
	} else if code != "" {
		return fail(ErrcodeInvalidCode, ReasonCodeNotAllowed, "the card generates its codes; cardExt must not carry one")
	}
	if cd.Quantity <= 0 {
		return fail(ErrcodeStockEmpty, ReasonStockEmpty, "")
	}
	if cd.Holders[openID] >= cd.GetLimit {
		return fail(ErrcodeGetLimit, ReasonGetLimit, "")
	}
	if code == "" {
		code = e.newCode(a)
	} else {
		cd.Deposited[code] = true
		e.touchCode(a.AppID, cd, code)
	}
	begin, end := userCardWindow(cd.Date, now, parsed.FixedBeginTimestamp)
	u := &userCard{
		CardID: cd.ID, Code: code, OpenID: openID, Status: UserCardNormal,
		OuterStr: parsed.OuterStr, Balance: parsed.Balance,
		BeginTime: begin, EndTime: end, AddTime: now.Unix(),
	}
	u.seq = len(cd.UserCardOrder)
	cd.UserCards[code] = u
	cd.UserCardOrder = append(cd.UserCardOrder, code)
	cd.Holders[openID]++
	cd.Quantity--
	if parsed.NonceStr != "" {
		a.Nonces[parsed.NonceStr] = ts + int64(e.cfg.cardExtMaxAge/time.Second)
		e.touch(bucketNonces, a.AppID, "", parsed.NonceStr)
	}
	e.touchUserCard(a.AppID, u)
	e.touchCard(a.AppID, cd)
	res.IsSuccess, res.Code, res.EncryptCode, res.Errmsg = true, code, e.encrypt(a, u), "ok"
	e.pushGetCard(a, u, "", "")
	e.pushSkuRemind(a, cd, now)
	return res
}

// checkSignature verifies cardExt against the wx_card tickets a client
// accepts now; on failure it says why as precisely as it can.
func (e *Emulator) checkSignature(a *appState, now time.Time, cardID, cardExt string, parsed signer.ParsedCardExt) string {
	for _, t := range a.cardTickets(now) {
		if parsed.SignedBy(t, cardID) {
			return ""
		}
	}
	signedWith := func(t string) bool { return t != "" && parsed.SignedBy(t, cardID) }
	if t := a.Tickets["jsapi"]; t != nil && (signedWith(t.Value) || signedWith(t.Previous)) {
		return ReasonWrongTicketType
	}
	if t := a.Tickets["wx_card"]; t != nil && (signedWith(t.Value) || signedWith(t.Previous)) {
		return ReasonTicketExpired
	}
	t := a.Tickets["wx_card"]
	if t == nil {
		return ReasonNoTicket
	}
	// Name the mistake when the verifier can: an uppercase signature, a
	// timestamp in milliseconds, "null" signed for an absent openid…
	if v, err := signer.VerifyCardExtWithJSAPITicket(t.Value, jsapiValue(a), cardID, cardExt); err == nil {
		if reason := mismatchReason(v.Problems); reason != "" {
			return reason
		}
	}
	return ReasonSignatureMismatch
}

// mismatchReason picks the problem that explains a signature failure: the
// cause the verifier found, else a problem that alone makes it fail.
func mismatchReason(problems []signer.Problem) string {
	for _, p := range problems {
		if p.Cause {
			return p.Code
		}
	}
	for _, p := range problems {
		switch p.Code {
		case signer.ProblemSignatureUppercase, signer.ProblemSignatureMissing, signer.ProblemTimestampMissing:
			return p.Code
		}
	}
	return ""
}

func jsapiValue(a *appState) string {
	if t := a.Tickets["jsapi"]; t != nil {
		return t.Value
	}
	return ""
}
