package emulator

import (
	"sort"
	"time"
)

// User-card statuses, as card/code/get reports them.
const (
	UserCardNormal      = "NORMAL"
	UserCardConsumed    = "CONSUMED"
	UserCardUnavailable = "UNAVAILABLE"
	UserCardDelete      = "DELETE"
	UserCardExpire      = "EXPIRE"
)

// maxCodesPerCall is WeChat's limit on codes in one deposit or checkcode call.
const maxCodesPerCall = 100

type userCard struct {
	// seq is the user card's place in its card's UserCardOrder, which keys
	// its snapshot record.
	seq        int
	CardID     string `json:"card_id"`
	Code       string `json:"code"`
	OpenID     string `json:"openid"`
	Status     string `json:"status"`
	OuterStr   string `json:"outer_str,omitempty"`
	Balance    *int64 `json:"balance_init,omitempty"`
	BeginTime  int64  `json:"begin_time"`
	EndTime    int64  `json:"end_time"`
	AddTime    int64  `json:"add_time"`
	ConsumedAt int64  `json:"consumed_at,omitempty"`
	Reason     string `json:"unavailable_reason,omitempty"`
	// Member and general cards.
	Activated        bool   `json:"activated"`
	MembershipNumber string `json:"membership_number,omitempty"`
	Bonus            int64  `json:"bonus"`
	MemberBalance    int64  `json:"member_balance"`
	Member           object `json:"member,omitempty"`
	// Ticket cards (boarding pass, meeting, movie): the last update.
	TicketInfo object `json:"ticket_info,omitempty"`
}

// status is the user card's status now: a NORMAL card past its end time
// has expired.
func (u *userCard) status(now time.Time) string {
	if u.Status == UserCardNormal && u.EndTime > 0 && now.Unix() >= u.EndTime {
		return UserCardExpire
	}
	return u.Status
}

// usable reports whether the code can be consumed or changed, with the
// errcode WeChat gives when it cannot.
func (u *userCard) usable(now time.Time) error {
	switch u.status(now) {
	case UserCardNormal:
		return nil
	case UserCardConsumed:
		return wxErr(ErrcodeCodeConsumed, "")
	default:
		return wxErr(ErrcodeInvalidUserCardState, "user card is "+u.status(now))
	}
}

// findCode resolves code (and an optional card_id) to a user card. Without
// card_id the code must be unique across the app's cards and must not be a
// custom code (WeChat wants card_id for those).
func (c *call) findCode(code, cardID string) (*userCard, *card, error) {
	if code == "" {
		return nil, nil, missing("code")
	}
	if cardID != "" {
		cd, err := c.card(cardID)
		if err != nil {
			return nil, nil, err
		}
		u := cd.UserCards[code]
		if u == nil {
			return nil, nil, wxErr(ErrcodeInvalidSerialCode, "no such code for this card")
		}
		c.e.touchUserCard(c.app.AppID, u)
		return u, cd, nil
	}
	var found *userCard
	var foundCard *card
	for _, id := range c.app.CardOrder {
		cd := c.app.Cards[id]
		if u := cd.UserCards[code]; u != nil {
			if found != nil {
				return nil, nil, wxErr(ErrcodeMissingCardID, "the code exists in more than one card")
			}
			found, foundCard = u, cd
		}
	}
	if found == nil {
		return nil, nil, wxErr(ErrcodeInvalidSerialCode, "no such code")
	}
	if foundCard.UseCustomCode {
		return nil, nil, wxErr(ErrcodeMissingCardID, "card_id is required for a custom-code card")
	}
	// Handlers change the user card they find; see call.card.
	c.e.touchUserCard(c.app.AppID, found)
	return found, foundCard, nil
}

type codesRequest struct {
	CardID string   `json:"card_id"`
	Code   []string `json:"code"`
}

func (r *codesRequest) cardID() string { return r.CardID }

// checkCount holds a deposit or check to 1..100 codes, as WeChat does.
func (r *codesRequest) checkCount() error {
	if len(r.Code) == 0 {
		return missing("code")
	}
	if len(r.Code) > maxCodesPerCall {
		return wxErr(ErrcodeTooManyCodes, "at most 100 codes per call")
	}
	return nil
}

// POST card/code/deposit {"card_id","code":[…]}
func (c *call) depositCodes() (any, error) {
	var req codesRequest
	cd, err := c.decodeCard(&req, c.liveCard)
	if err != nil {
		return nil, err
	}
	if !cd.UseCustomCode {
		return nil, wxErr(ErrcodeInvalidCardStatus, "codes can only be deposited for a use_custom_code card")
	}
	if err := req.checkCount(); err != nil {
		return nil, err
	}
	res := struct {
		envelope
		Succ      []string `json:"succ_code"`
		Duplicate []string `json:"duplicate_code"`
		Fail      []string `json:"fail_code"`
	}{success(), []string{}, []string{}, []string{}}
	for _, code := range req.Code {
		switch _, dup := cd.Deposited[code]; {
		case !validCode(code):
			res.Fail = append(res.Fail, code)
		case dup:
			res.Duplicate = append(res.Duplicate, code)
		default:
			cd.Deposited[code] = false
			c.e.touchCode(c.app.AppID, cd, code)
			res.Succ = append(res.Succ, code)
		}
	}
	return res, nil
}

// POST card/code/getdepositcount {"card_id"}
func (c *call) depositCount() (any, error) {
	cd, err := c.decodeCard(&cardIDRequest{}, c.card)
	if err != nil {
		return nil, err
	}
	return struct {
		envelope
		Count int `json:"count"`
	}{success(), len(cd.Deposited)}, nil
}

// POST card/code/checkcode {"card_id","code":[…]}
func (c *call) checkCodes() (any, error) {
	var req codesRequest
	cd, err := c.decodeCard(&req, c.card)
	if err != nil {
		return nil, err
	}
	if err := req.checkCount(); err != nil {
		return nil, err
	}
	res := struct {
		envelope
		Exist    []string `json:"exist_code"`
		NotExist []string `json:"not_exist_code"`
	}{success(), []string{}, []string{}}
	for _, code := range req.Code {
		if _, ok := cd.Deposited[code]; ok {
			res.Exist = append(res.Exist, code)
		} else {
			res.NotExist = append(res.NotExist, code)
		}
	}
	return res, nil
}

type codeRequest struct {
	Code         string `json:"code"`
	CardID       string `json:"card_id"`
	CheckConsume *bool  `json:"check_consume"`
	NewCode      string `json:"new_code"`
	Reason       string `json:"reason"`
}

// decodeCode decodes a {"code","card_id"?} body into req and finds the
// user card it names.
func (c *call) decodeCode(req *codeRequest) (*userCard, *card, error) {
	if err := c.decode(req); err != nil {
		return nil, nil, err
	}
	return c.findCode(req.Code, req.CardID)
}

type codeCardInfo struct {
	CardID           string `json:"card_id"`
	BeginTime        int64  `json:"begin_time"`
	EndTime          int64  `json:"end_time"`
	Code             string `json:"code,omitempty"`
	MembershipNumber string `json:"membership_number,omitempty"`
	Bonus            *int64 `json:"bonus,omitempty"`
	Balance          *int64 `json:"balance,omitempty"`
}

// POST card/code/get {"code","card_id"?,"check_consume"?}
func (c *call) getCode() (any, error) {
	var req codeRequest
	u, cd, err := c.decodeCode(&req)
	if err != nil {
		return nil, err
	}
	checkConsume := req.CheckConsume == nil || *req.CheckConsume
	if checkConsume {
		if err := u.usable(c.now); err != nil {
			return nil, err
		}
	}
	info := codeCardInfo{CardID: cd.ID, BeginTime: u.BeginTime, EndTime: u.EndTime}
	if cd.Type == "MEMBER_CARD" || cd.Type == "GENERAL_CARD" {
		bonus, balance := u.Bonus, u.MemberBalance
		info.Code, info.MembershipNumber, info.Bonus, info.Balance = u.Code, u.MembershipNumber, &bonus, &balance
	}
	return struct {
		envelope
		Card           codeCardInfo `json:"card"`
		OpenID         string       `json:"openid"`
		CanConsume     bool         `json:"can_consume"`
		UserCardStatus string       `json:"user_card_status"`
		OuterStr       string       `json:"outer_str,omitempty"`
	}{success(), info, u.OpenID, u.usable(c.now) == nil && cd.Status != StatusDelete, u.status(c.now), u.OuterStr}, nil
}

// POST card/code/consume {"code","card_id"?}
func (c *call) consumeCode() (any, error) {
	var req codeRequest
	u, cd, err := c.decodeCode(&req)
	if err != nil {
		return nil, err
	}
	if cd.Status == StatusDelete {
		return nil, wxErr(ErrcodeInvalidCardStatus, "the card is deleted")
	}
	if err := u.usable(c.now); err != nil {
		return nil, err
	}
	u.Status = UserCardConsumed
	u.ConsumedAt = c.now.Unix()
	c.e.pushConsume(c.app, u)
	return struct {
		envelope
		Card   cardIDRequest `json:"card"`
		OpenID string        `json:"openid"`
	}{success(), cardIDRequest{cd.ID}, u.OpenID}, nil
}

// POST card/code/decrypt {"encrypt_code"}
func (c *call) decryptCode() (any, error) {
	var req struct {
		EncryptCode string `json:"encrypt_code"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.EncryptCode == "" {
		return nil, missing("encrypt_code")
	}
	ref, ok := c.app.Encrypted[req.EncryptCode]
	if !ok {
		return nil, wxErr(ErrcodeInvalidSerialCode, "encrypt_code was not issued for this app")
	}
	return struct {
		envelope
		Code string `json:"code"`
	}{success(), ref.Code}, nil
}

// encrypt returns the encrypt_code of a user card, the same one every time.
func (e *Emulator) encrypt(a *appState, u *userCard) string {
	ref := codeRef{u.CardID, u.Code}
	if enc, ok := a.EncryptedBy[ref]; ok {
		return enc
	}
	// WeChat's encrypt_code is base64 text (with + and /), so a redirect
	// URL must escape it; keep that property.
	const b64 = alnum + "+/"
	enc := e.randString(b64, 43) + "="
	a.Encrypted[enc] = ref
	a.EncryptedBy[ref] = enc
	e.touch(bucketEncrypted, a.AppID, "", enc)
	return enc
}

// POST card/code/update {"code","new_code","card_id"?}
func (c *call) updateCode() (any, error) {
	var req codeRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.NewCode == "" {
		return nil, missing("new_code")
	}
	u, cd, err := c.findCode(req.Code, req.CardID)
	if err != nil {
		return nil, err
	}
	if err := u.usable(c.now); err != nil {
		return nil, err
	}
	if !validCode(req.NewCode) {
		return nil, wxErr(ErrcodeInvalidCode, "new_code must be 1..20 visible ASCII characters")
	}
	if req.NewCode == req.Code || cd.UserCards[req.NewCode] != nil {
		return nil, wxErr(ErrcodeInvalidCode, "new_code is already in use")
	}
	delete(cd.UserCards, u.Code)
	for i, code := range cd.UserCardOrder {
		if code == u.Code {
			cd.UserCardOrder[i] = req.NewCode
		}
	}
	old := codeRef{cd.ID, u.Code}
	if enc, ok := c.app.EncryptedBy[old]; ok {
		delete(c.app.Encrypted, enc)
		delete(c.app.EncryptedBy, old)
		c.e.touch(bucketEncrypted, c.app.AppID, "", enc)
	}
	u.Code = req.NewCode
	cd.UserCards[u.Code] = u
	return success(), nil
}

// POST card/code/unavailable {"code","card_id"?,"reason"?}
func (c *call) disableCode() (any, error) {
	var req codeRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	u, _, err := c.findCode(req.Code, req.CardID)
	if err != nil {
		return nil, err
	}
	if err := u.usable(c.now); err != nil {
		return nil, err
	}
	if err := checkLength("reason", req.Reason); err != nil {
		return nil, err
	}
	u.Status = UserCardUnavailable
	u.Reason = req.Reason
	return success(), nil
}

type userCardItem struct {
	Code   string `json:"code"`
	CardID string `json:"card_id"`
}

// POST card/user/getcardlist {"openid","card_id"?}: the cards in the
// user's wallet (NORMAL ones), oldest first.
func (c *call) userCards() (any, error) {
	var req struct {
		OpenID string `json:"openid"`
		CardID string `json:"card_id"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.OpenID == "" {
		return nil, missing("openid")
	}
	ids := c.app.CardOrder
	if req.CardID != "" {
		if _, err := c.card(req.CardID); err != nil {
			return nil, err
		}
		ids = []string{req.CardID}
	}
	type item struct {
		userCardItem
		added int64
	}
	var items []item
	for _, id := range ids {
		cd := c.app.Cards[id]
		for _, code := range cd.UserCardOrder {
			u := cd.UserCards[code]
			if u.OpenID == req.OpenID && u.status(c.now) == UserCardNormal {
				items = append(items, item{userCardItem{u.Code, cd.ID}, u.AddTime})
			}
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].added < items[j].added })
	list := make([]userCardItem, len(items))
	for i, it := range items {
		list[i] = it.userCardItem
	}
	return struct {
		envelope
		CardList     []userCardItem `json:"card_list"`
		HasShareCard bool           `json:"has_share_card"`
	}{success(), list, false}, nil
}

// newCode generates a 12-digit code unique in the app.
func (e *Emulator) newCode(a *appState) string {
	for {
		code := e.randString("123456789", 1) + e.randString(digits, 11)
		taken := false
		for _, cd := range a.Cards {
			if cd.UserCards[code] != nil {
				taken = true
				break
			}
		}
		if !taken {
			return code
		}
	}
}

// userCardWindow computes a new user card's validity from the card's
// date_info (and a cardExt fixed_begintimestamp for FIX_TERM cards).
func userCardWindow(d dateInfo, now time.Time, fixedBegin int64) (begin, end int64) {
	switch d.Type {
	case "DATE_TYPE_FIX_TIME_RANGE":
		return d.Begin, d.End
	case "DATE_TYPE_FIX_TERM":
		begin = now.Unix() + d.FixedBeginTerm*86400
		if fixedBegin > 0 {
			begin = fixedBegin
		}
		end = begin + d.FixedTerm*86400
		if d.End > 0 && end > d.End {
			end = d.End
		}
		return begin, end
	}
	return now.Unix(), 0
}
