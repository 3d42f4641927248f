package admin

import (
	"bytes"
	"context"
	"encoding/json"
)

// ActivateInfo activates a member card (or a general card) a user has
// received: it gives the card its membership number and opening values.
// MembershipNumber and Code are required; CardID is required for
// custom-code cards. General cards may give CardNumber instead of
// MembershipNumber: WeChat's general-card page names the number
// card_number.
type ActivateInfo struct {
	MembershipNumber  string `json:"membership_number,omitempty"`
	CardNumber        string `json:"card_number,omitempty"`
	Code              string `json:"code"`
	CardID            string `json:"card_id,omitempty"`
	BackgroundPicURL  string `json:"background_pic_url,omitempty"`
	ActivateBeginTime int64  `json:"activate_begin_time,omitempty"` // unix seconds
	ActivateEndTime   int64  `json:"activate_end_time,omitempty"`
	InitBonus         int64  `json:"init_bonus,omitempty"`
	InitBonusRecord   string `json:"init_bonus_record,omitempty"`
	InitBalance       int64  `json:"init_balance,omitempty"` // in fen
	// The opening values of the card's custom_field1..3.
	InitCustomFieldValue1 string `json:"init_custom_field_value1,omitempty"`
	InitCustomFieldValue2 string `json:"init_custom_field_value2,omitempty"`
	InitCustomFieldValue3 string `json:"init_custom_field_value3,omitempty"`
	// Extra carries fields this struct does not name (ones WeChat adds
	// later, rarely used ones), merged into the request; a key of Extra
	// never overrides a field set above.
	Extra map[string]any `json:"-"`
}

// MarshalJSON merges Extra into the request.
func (a ActivateInfo) MarshalJSON() ([]byte, error) {
	type plain ActivateInfo // without this MarshalJSON
	return encodeWithExtra(plain(a), a.Extra)
}

func (a *ActivateInfo) validate(generalCard bool) error {
	switch {
	case generalCard && a.MembershipNumber == "" && a.CardNumber == "":
		return invalidArg("membership_number", "is required (or card_number)")
	case !generalCard && a.CardNumber != "":
		return invalidArg("card_number", "is for general cards; member cards take membership_number")
	}
	if err := checkOptionalID("card_number", a.CardNumber); err != nil {
		return err
	}
	if !generalCard || a.MembershipNumber != "" {
		if err := checkID("membership_number", a.MembershipNumber); err != nil {
			return err
		}
	}
	if err := checkUserCard(a.Code, a.CardID); err != nil {
		return err
	}
	if a.InitBonus < 0 {
		return invalidArg("init_bonus", "must not be negative")
	}
	if a.InitBalance < 0 {
		return invalidArg("init_balance", "must not be negative")
	}
	return checkTimeRange("activate_", a.ActivateBeginTime, a.ActivateEndTime)
}

// UpdateUserInfo changes an activated card's points, balance and custom
// values. Set Bonus (a new total) or AddBonus (a change, negative to
// spend), not both; the same for Balance and AddBalance. Code and CardID
// are required.
type UpdateUserInfo struct {
	Code             string `json:"code"`
	CardID           string `json:"card_id"`
	BackgroundPicURL string `json:"background_pic_url,omitempty"`
	Bonus            *int64 `json:"bonus,omitempty"`
	AddBonus         *int64 `json:"add_bonus,omitempty"`
	RecordBonus      string `json:"record_bonus,omitempty"`
	Balance          *int64 `json:"balance,omitempty"` // in fen
	AddBalance       *int64 `json:"add_balance,omitempty"`
	RecordBalance    string `json:"record_balance,omitempty"`
	// New values of custom_field1..3.
	CustomFieldValue1 string          `json:"custom_field_value1,omitempty"`
	CustomFieldValue2 string          `json:"custom_field_value2,omitempty"`
	CustomFieldValue3 string          `json:"custom_field_value3,omitempty"`
	NotifyOptional    *NotifyOptional `json:"notify_optional,omitempty"`
	// Extra carries fields this struct does not name, merged as for
	// ActivateInfo.
	Extra map[string]any `json:"-"`
}

// MarshalJSON merges Extra into the request.
func (u UpdateUserInfo) MarshalJSON() ([]byte, error) {
	type plain UpdateUserInfo // without this MarshalJSON
	return encodeWithExtra(plain(u), u.Extra)
}

// NotifyOptional chooses which changes the user is told about.
type NotifyOptional struct {
	IsNotifyBonus        bool `json:"is_notify_bonus"`
	IsNotifyBalance      bool `json:"is_notify_balance"`
	IsNotifyCustomField1 bool `json:"is_notify_custom_field1"`
	IsNotifyCustomField2 bool `json:"is_notify_custom_field2"`
	IsNotifyCustomField3 bool `json:"is_notify_custom_field3"`
}

func (u *UpdateUserInfo) validate() error {
	if err := checkID("code", u.Code); err != nil {
		return err
	}
	if err := checkID("card_id", u.CardID); err != nil {
		return err
	}
	if u.Bonus != nil && u.AddBonus != nil {
		return invalidArg("bonus", "set bonus or add_bonus, not both")
	}
	if u.Balance != nil && u.AddBalance != nil {
		return invalidArg("balance", "set balance or add_balance, not both")
	}
	if u.Bonus != nil && *u.Bonus < 0 {
		return invalidArg("bonus", "must not be negative")
	}
	if u.Balance != nil && *u.Balance < 0 {
		return invalidArg("balance", "must not be negative")
	}
	return nil
}

// UpdateUserResult is the card's state after UpdateUser.
type UpdateUserResult struct {
	ResultBonus   int64  `json:"result_bonus"`
	ResultBalance int64  `json:"result_balance"`
	OpenID        string `json:"openid"`
}

// Activate activates a member card a user has received.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Membership_Cards/Create_a_membership_card.html
//
//	POST /card/membercard/activate {"membership_number","code","card_id"?,…}
func (s *MemberCardService) Activate(ctx context.Context, info ActivateInfo) error {
	if err := info.validate(false); err != nil {
		return err
	}
	return s.client.post(ctx, "card/membercard/activate", info, nil, writeCall)
}

// ActivationForm is the form WeChat shows a user activating a member card
// whose definition has wx_activate (一键激活).
type ActivationForm struct {
	ServiceStatement *FormLink   `json:"service_statement,omitempty"`
	BindOldCard      *FormLink   `json:"bind_old_card,omitempty"`
	RequiredForm     *FormFields `json:"required_form,omitempty"`
	OptionalForm     *FormFields `json:"optional_form,omitempty"`
}

// FormLink is a link shown on the activation form.
type FormLink struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// FormFields are the fields of one part of the activation form.
type FormFields struct {
	CanModify bool `json:"can_modify"`
	// CommonFieldIDList holds USER_FORM_INFO_FLAG_* values
	// (USER_FORM_INFO_FLAG_MOBILE, …_NAME, …_BIRTHDAY…).
	CommonFieldIDList []string    `json:"common_field_id_list,omitempty"`
	CustomFieldList   []string    `json:"custom_field_list,omitempty"`
	RichFieldList     []RichField `json:"rich_field_list,omitempty"`
}

// RichField is a choice field (FORM_FIELD_RADIO, FORM_FIELD_SELECT,
// FORM_FIELD_CHECK_BOX).
type RichField struct {
	Type   string   `json:"type"`
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// SetActivationForm sets the activation form of a member card. settings is
// an ActivationForm or any value encoding to a JSON object; its keys are
// sent next to card_id at the top level.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Membership_Cards/Create_a_membership_card.html
//
//	POST /card/membercard/activateuserform/set {"card_id", "required_form"?, "optional_form"?, …}
func (s *MemberCardService) SetActivationForm(ctx context.Context, cardID string, settings any) error {
	if err := checkID("card_id", cardID); err != nil {
		return err
	}
	obj, err := encodeObject("settings", settings)
	if err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(obj, &keys); err != nil {
		return invalidArg("settings", "is not a JSON object")
	}
	if len(keys) == 0 {
		return invalidArg("settings", "is empty")
	}
	if _, ok := keys["card_id"]; ok {
		return invalidArg("settings", "must not contain card_id; pass it as cardID")
	}
	id, err := encodeJSON(cardID)
	if err != nil {
		return invalidArg("card_id", "cannot be encoded")
	}
	// card_id first, then the settings' own keys in their order.
	var body bytes.Buffer
	body.WriteString(`{"card_id":`)
	body.Write(id)
	body.WriteByte(',')
	body.Write(bytes.TrimSpace(obj)[1:])
	return s.client.post(ctx, "card/membercard/activateuserform/set", json.RawMessage(body.Bytes()), nil, writeCall)
}

// FormValue is one field a user filled in.
type FormValue struct {
	Name      string   `json:"name"`
	Value     string   `json:"value"`
	ValueList []string `json:"value_list,omitempty"`
}

// UnmarshalJSON accepts a number or boolean where a value is expected,
// keeping its JSON text.
func (v *FormValue) UnmarshalJSON(data []byte) error {
	var w struct {
		Name      string          `json:"name"`
		Value     json.RawMessage `json:"value"`
		ValueList []string        `json:"value_list"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	v.Name, v.ValueList, v.Value = w.Name, w.ValueList, ""
	if len(w.Value) == 0 || string(w.Value) == "null" {
		return nil
	}
	if w.Value[0] == '"' {
		return json.Unmarshal(w.Value, &v.Value)
	}
	v.Value = string(w.Value)
	return nil
}

// UserFormInfo is what a user entered in an activation form.
type UserFormInfo struct {
	CommonFields []FormValue `json:"common_field_list"`
	CustomFields []FormValue `json:"custom_field_list"`
}

// MemberUser is a member's card as card/membercard/userinfo/get reports
// it.
type MemberUser struct {
	OpenID           string         `json:"openid"`
	Nickname         string         `json:"nickname"`
	MembershipNumber string         `json:"membership_number"`
	Bonus            int64          `json:"bonus"`
	Balance          int64          `json:"balance"`
	Sex              string         `json:"sex"`
	UserInfo         UserFormInfo   `json:"user_info"`
	UserCardStatus   UserCardStatus `json:"user_card_status"`
	HasActive        bool           `json:"has_active"`
}

// MemberUserRequest names the member card MemberCard.User reads. Both
// fields are required.
type MemberUserRequest struct {
	CardID string `json:"card_id"`
	Code   string `json:"code"`
}

// User returns a member's card data and activation form values.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Membership_Cards/Create_a_membership_card.html
//
//	POST /card/membercard/userinfo/get {"card_id","code"}
func (s *MemberCardService) User(ctx context.Context, req MemberUserRequest) (*MemberUser, error) {
	if err := checkID("card_id", req.CardID); err != nil {
		return nil, err
	}
	if err := checkID("code", req.Code); err != nil {
		return nil, err
	}
	return postFor[MemberUser](ctx, s.client, "card/membercard/userinfo/get", req, readCall)
}

// UpdateUser changes a member's points, balance or custom values.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Membership_Cards/Create_a_membership_card.html
//
//	POST /card/membercard/updateuser {"code","card_id",…}
func (s *MemberCardService) UpdateUser(ctx context.Context, info UpdateUserInfo) (*UpdateUserResult, error) {
	if err := info.validate(); err != nil {
		return nil, err
	}
	return postFor[UpdateUserResult](ctx, s.client, "card/membercard/updateuser", info, writeCall)
}

// ActivationTempInfo returns what a user typed into the activation form,
// given the activate_ticket WeChat appended to the activation redirect
// (URL-decoded).
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Membership_Cards/Create_a_membership_card.html
//
//	POST /card/membercard/activatetempinfo/get {"activate_ticket"}
func (s *MemberCardService) ActivationTempInfo(ctx context.Context, activateTicket string) (*UserFormInfo, error) {
	if err := checkID("activate_ticket", activateTicket); err != nil {
		return nil, err
	}
	body := struct {
		ActivateTicket string `json:"activate_ticket"`
	}{activateTicket}
	out, err := postFor[struct {
		Info UserFormInfo `json:"info"`
	}](ctx, s.client, "card/membercard/activatetempinfo/get", body, readCall)
	if err != nil {
		return nil, err
	}
	return &out.Info, nil
}

// ActivateURLRequest names the member card whose activation page
// MemberCard.ActivateURL returns.
type ActivateURLRequest struct {
	CardID string `json:"card_id"`
	// OuterStr, if not empty, comes back in the activation event.
	OuterStr string `json:"outer_str,omitempty"`
}

// ActivateURL returns the URL of a member card's activation page (开卡组件),
// to put in a menu or a message.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Membership_Cards/Create_a_membership_card.html
//
//	POST /card/membercard/activate/geturl {"card_id","outer_str"?}
func (s *MemberCardService) ActivateURL(ctx context.Context, req ActivateURLRequest) (string, error) {
	if err := checkID("card_id", req.CardID); err != nil {
		return "", err
	}
	if err := checkOptionalID("outer_str", req.OuterStr); err != nil {
		return "", err
	}
	var out struct {
		URL string `json:"url"`
	}
	if err := s.client.post(ctx, "card/membercard/activate/geturl", req, &out, readCall); err != nil {
		return "", err
	}
	return out.URL, nil
}
