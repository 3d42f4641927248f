package emulator

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// memberCode resolves the card and code of a member/general-card request
// and checks the card type.
// decodeUsableCode decodes a free-form body and finds the user card of
// cardType its card_id/code name, refusing one that cannot be used now.
func (c *call) decodeUsableCode(cardType string) (object, *userCard, error) {
	var req object
	if err := c.decode(&req); err != nil {
		return nil, nil, err
	}
	u, _, err := c.memberCode(req, cardType)
	if err != nil {
		return nil, nil, err
	}
	if err := u.usable(c.now); err != nil {
		return nil, nil, err
	}
	return req, u, nil
}

func (c *call) memberCode(req object, cardType string) (*userCard, *card, error) {
	code, _, err := getString(req, "code")
	if err != nil {
		return nil, nil, err
	}
	cardID, _, err := getString(req, "card_id")
	if err != nil {
		return nil, nil, err
	}
	u, cd, err := c.findCode(code, cardID)
	if err != nil {
		return nil, nil, err
	}
	if cd.Type != cardType {
		return nil, nil, wxErr(ErrcodeInvalidCardType, "the card is a "+cd.Type+", not a "+cardType)
	}
	return u, cd, nil
}

// activate runs membercard/activate and generalcard/activate.
func (c *call) activate(cardType string) (any, error) {
	var req object
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	key := "membership_number"
	if _, given := req[key]; !given && cardType == "GENERAL_CARD" {
		// General cards are often activated with card_number (several SDKs
		// send it); take either.
		if _, alt := req["card_number"]; alt {
			key = "card_number"
		}
	}
	number, err := requireString(req, key, "")
	if err != nil {
		return nil, err
	}
	u, _, err := c.memberCode(req, cardType)
	if err != nil {
		return nil, err
	}
	if err := u.usable(c.now); err != nil {
		return nil, err
	}
	bonus, _, err := getInt(req, "init_bonus")
	if err != nil {
		return nil, err
	}
	balance, _, err := getInt(req, "init_balance")
	if err != nil {
		return nil, err
	}
	if bonus < 0 || balance < 0 {
		return nil, wxErr(ErrcodeInvalidArgs, "init_bonus and init_balance must not be negative")
	}
	begin, hasBegin, err := getInt(req, "activate_begin_time")
	if err != nil {
		return nil, err
	}
	end, hasEnd, err := getInt(req, "activate_end_time")
	if err != nil {
		return nil, err
	}
	if hasBegin && hasEnd && end <= begin {
		return nil, wxErr(ErrcodeInvalidTimeRange, "activate_end_time must be after activate_begin_time")
	}
	if hasBegin {
		u.BeginTime = begin
	}
	if hasEnd {
		u.EndTime = end
	}
	u.Activated = true
	u.MembershipNumber = number
	u.Bonus, u.MemberBalance = bonus, balance
	u.Member = object{}
	for k, v := range req {
		if strings.HasPrefix(k, "init_custom_field_value") || k == "background_pic_url" {
			u.Member[k] = deepCopy(v)
		}
	}
	return success(), nil
}

// POST card/generalcard/unactivate {"card_id","code"}
func (c *call) deactivateGeneral() (any, error) {
	var req object
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	u, _, err := c.memberCode(req, "GENERAL_CARD")
	if err != nil {
		return nil, err
	}
	if !u.Activated {
		return nil, wxErr(ErrcodeInvalidUserCardState, "the card is not activated")
	}
	u.Activated = false
	return success(), nil
}

// updateUser runs membercard/updateuser and generalcard/updateuser:
// bonus/balance set or changed (add_*), custom field values stored.
func (c *call) updateUser(cardType string) (any, error) {
	req, u, err := c.decodeUsableCode(cardType)
	if err != nil {
		return nil, err
	}
	if !u.Activated {
		return nil, wxErr(ErrcodeInvalidUserCardState, "the card is not activated")
	}
	bonus, balance := u.Bonus, u.MemberBalance
	for _, f := range []struct {
		set, add string
		v        *int64
	}{{"bonus", "add_bonus", &bonus}, {"balance", "add_balance", &balance}} {
		setV, hasSet, err := getInt(req, f.set)
		if err != nil {
			return nil, err
		}
		addV, hasAdd, err := getInt(req, f.add)
		if err != nil {
			return nil, err
		}
		if hasSet && hasAdd {
			return nil, wxErr(ErrcodeInvalidArgs, "give "+f.set+" or "+f.add+", not both")
		}
		if hasSet {
			*f.v = setV
		}
		if hasAdd {
			*f.v += addV
		}
		if *f.v < 0 {
			return nil, wxErr(ErrcodeInvalidArgs, f.set+" would go below zero")
		}
	}
	c.e.pushMemberUpdate(c.app, u, bonus-u.Bonus, balance-u.MemberBalance)
	u.Bonus, u.MemberBalance = bonus, balance
	if u.Member == nil {
		u.Member = object{}
	}
	for k, v := range req {
		if strings.HasPrefix(k, "custom_field_value") || k == "background_pic_url" {
			u.Member[k] = deepCopy(v)
		}
	}
	return struct {
		envelope
		ResultBonus   int64  `json:"result_bonus"`
		ResultBalance int64  `json:"result_balance"`
		OpenID        string `json:"openid"`
	}{success(), u.Bonus, u.MemberBalance, u.OpenID}, nil
}

// POST card/membercard/activateuserform/set {"card_id", required_form, optional_form, …}
func (c *call) setActivationForm() (any, error) {
	req, cd, err := c.decodeLiveCardObject()
	if err != nil {
		return nil, err
	}
	if cd.Type != "MEMBER_CARD" {
		return nil, wxErr(ErrcodeInvalidCardType, "activation forms belong to member cards")
	}
	form := object{}
	for k, v := range req {
		if k != "card_id" {
			form[k] = deepCopy(v)
		}
	}
	if len(form) == 0 {
		return nil, missing("required_form or optional_form")
	}
	for _, k := range []string{"required_form", "optional_form"} {
		if v, ok := form[k]; ok {
			if _, isObj := v.(map[string]any); !isObj {
				return nil, wxErr(ErrcodeDataFormat, k+" must be an object")
			}
		}
	}
	cd.ActivateForm = form
	return success(), nil
}

// POST card/membercard/userinfo/get {"card_id","code"}
func (c *call) memberUserInfo() (any, error) {
	var req object
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	cardID, _, err := getString(req, "card_id")
	if err != nil {
		return nil, err
	}
	if cardID == "" {
		return nil, wxErr(ErrcodeMissingCardID, "")
	}
	u, _, err := c.memberCode(req, "MEMBER_CARD")
	if err != nil {
		return nil, err
	}
	common := []object{}
	custom := []object{}
	for _, k := range sortedKeys(u.Member) {
		if strings.HasPrefix(k, "USER_FORM_INFO_FLAG_") {
			common = append(common, object{"name": k, "value": u.Member[k]})
		} else if strings.Contains(k, "custom_field_value") {
			custom = append(custom, object{"name": k, "value": u.Member[k]})
		}
	}
	return struct {
		envelope
		OpenID           string `json:"openid"`
		Nickname         string `json:"nickname"`
		MembershipNumber string `json:"membership_number"`
		Bonus            int64  `json:"bonus"`
		Balance          int64  `json:"balance"`
		Sex              string `json:"sex"`
		UserInfo         object `json:"user_info"`
		UserCardStatus   string `json:"user_card_status"`
		HasActive        bool   `json:"has_active"`
	}{success(), u.OpenID, "", u.MembershipNumber, u.Bonus, u.MemberBalance, "",
		object{"common_field_list": common, "custom_field_list": custom}, u.status(c.now), u.Activated}, nil
}

// activation is what a user typed into a member card's activation form.
type activation struct {
	CardID  string            `json:"card_id"`
	OpenID  string            `json:"openid"`
	Fields  map[string]string `json:"fields"`
	Expires int64             `json:"expires"`
}

// FillActivationForm simulates a user submitting the activation form of a
// member card: it stores the fields (USER_FORM_INFO_FLAG_MOBILE and the
// like) and returns the activate_ticket WeChat would put in the redirect,
// which card/membercard/activatetempinfo/get then reads. For tests and the
// demo; the ticket lasts 30 minutes.
func (e *Emulator) FillActivationForm(ctx context.Context, appID, cardID, openID string, fields map[string]string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.st.Apps[appID]
	if a == nil {
		return "", fmt.Errorf("%w: %s", ErrUnknownApp, appID)
	}
	cd := a.Cards[cardID]
	if cd == nil || cd.Type != "MEMBER_CARD" {
		return "", fmt.Errorf("%w: no member card %s", ErrNotFound, cardID)
	}
	if openID == "" {
		return "", fmt.Errorf("%w: empty openid", ErrInvalidArgument)
	}
	t := e.randString(urlSafe, 40)
	copied := make(map[string]string, len(fields))
	for k, v := range fields {
		copied[k] = v
	}
	a.ActivateTickets[t] = &activation{CardID: cardID, OpenID: openID, Fields: copied, Expires: e.now().Add(30 * time.Minute).Unix()}
	e.touch(bucketActivations, a.AppID, "", t)
	return t, e.saveLocked()
}

// POST card/membercard/activatetempinfo/get {"activate_ticket"}
func (c *call) activateTempInfo() (any, error) {
	var req struct {
		ActivateTicket string `json:"activate_ticket"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.ActivateTicket == "" {
		return nil, missing("activate_ticket")
	}
	act := c.app.ActivateTickets[req.ActivateTicket]
	if act == nil || c.now.Unix() >= act.Expires {
		return nil, wxErr(ErrcodeInvalidArgs, "activate_ticket is unknown or expired")
	}
	common := []object{}
	custom := []object{}
	for _, k := range sortedKeys(act.Fields) {
		item := object{"name": k, "value": act.Fields[k]}
		if strings.HasPrefix(k, "USER_FORM_INFO_FLAG_") {
			common = append(common, item)
		} else {
			custom = append(custom, item)
		}
	}
	return struct {
		envelope
		Info object `json:"info"`
	}{success(), object{"common_field_list": common, "custom_field_list": custom}}, nil
}

// POST card/membercard/activate/geturl {"card_id","outer_str"?}
func (c *call) activateURL() (any, error) {
	var req struct {
		cardIDRequest
		OuterStr string `json:"outer_str"`
	}
	cd, err := c.decodeCard(&req, c.liveCard)
	if err != nil {
		return nil, err
	}
	if cd.Type != "MEMBER_CARD" {
		return nil, wxErr(ErrcodeInvalidCardType, "activation URLs belong to member cards")
	}
	u := c.base() + "/bizmall/activatemembercard?action=preshow&card_id=" + cd.ID
	if req.OuterStr != "" {
		u += "&outer_str=" + url.QueryEscape(req.OuterStr)
	}
	return struct {
		envelope
		URL string `json:"url"`
	}{success(), u + "#wechat_redirect"}, nil
}

// ticketUpdate runs boardingpass/checkin, meetingticket/updateuser and
// movieticket/updateuser: it records the update on the user card after
// checking the card type and the required fields.
func (c *call) ticketUpdate(cardType string, required ...string) (any, error) {
	req, u, err := c.decodeUsableCode(cardType)
	if err != nil {
		return nil, err
	}
	for _, f := range required {
		if v, ok := req[f]; !ok || v == nil || v == "" {
			return nil, missing(f)
		}
	}
	if u.TicketInfo == nil {
		u.TicketInfo = object{}
	}
	for k, v := range req {
		if k != "code" && k != "card_id" {
			u.TicketInfo[k] = deepCopy(v)
		}
	}
	return success(), nil
}
