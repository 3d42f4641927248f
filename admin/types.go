package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// CardType is the kind of a card, as card/create's card_type names it. The
// JSON key holding the card's attributes is the lower-case form
// ("GENERAL_COUPON" → "general_coupon").
type CardType string

// The card types card/create accepts.
const (
	CardTypeGroupon       CardType = "GROUPON"        // 团购券
	CardTypeCash          CardType = "CASH"           // 代金券
	CardTypeDiscount      CardType = "DISCOUNT"       // 折扣券
	CardTypeGift          CardType = "GIFT"           // 兑换券
	CardTypeGeneralCoupon CardType = "GENERAL_COUPON" // 优惠券
	CardTypeMemberCard    CardType = "MEMBER_CARD"    // 会员卡
	CardTypeGeneralCard   CardType = "GENERAL_CARD"   // 礼品卡 / 通用卡
	CardTypeScenicTicket  CardType = "SCENIC_TICKET"  // 景点门票
	CardTypeMovieTicket   CardType = "MOVIE_TICKET"   // 电影票
	CardTypeBoardingPass  CardType = "BOARDING_PASS"  // 飞机票
	CardTypeMeetingTicket CardType = "MEETING_TICKET" // 会议门票
	CardTypeLuckyMoney    CardType = "LUCKY_MONEY"    // 红包
)

// Valid reports whether t is one of the card types WeChat knows.
func (t CardType) Valid() bool {
	switch t {
	case CardTypeGroupon, CardTypeCash, CardTypeDiscount, CardTypeGift, CardTypeGeneralCoupon,
		CardTypeMemberCard, CardTypeGeneralCard, CardTypeScenicTicket, CardTypeMovieTicket,
		CardTypeBoardingPass, CardTypeMeetingTicket, CardTypeLuckyMoney:
		return true
	}
	return false
}

// key is the JSON key under which the card's attributes travel.
func (t CardType) key() string { return strings.ToLower(string(t)) }

// CardStatus is a card's review state, as card/get and card/batchget name it.
type CardStatus string

// Card statuses.
const (
	CardStatusNotVerify  CardStatus = "CARD_STATUS_NOT_VERIFY"  // waiting for review
	CardStatusVerifyFail CardStatus = "CARD_STATUS_VERIFY_FAIL" // rejected
	CardStatusVerifyOK   CardStatus = "CARD_STATUS_VERIFY_OK"   // approved
	CardStatusDelete     CardStatus = "CARD_STATUS_DELETE"      // deleted by the merchant
	CardStatusDispatch   CardStatus = "CARD_STATUS_DISPATCH"    // on sale (投放中)
)

// Valid reports whether s is a status WeChat knows.
func (s CardStatus) Valid() bool {
	switch s {
	case CardStatusNotVerify, CardStatusVerifyFail, CardStatusVerifyOK, CardStatusDelete, CardStatusDispatch:
		return true
	}
	return false
}

// CodeType is how a card's code is shown to the cashier.
type CodeType string

// Code display types.
const (
	CodeTypeText        CodeType = "CODE_TYPE_TEXT"
	CodeTypeBarcode     CodeType = "CODE_TYPE_BARCODE"
	CodeTypeQRCode      CodeType = "CODE_TYPE_QRCODE"
	CodeTypeOnlyQRCode  CodeType = "CODE_TYPE_ONLY_QRCODE"
	CodeTypeOnlyBarcode CodeType = "CODE_TYPE_ONLY_BARCODE"
	CodeTypeNone        CodeType = "CODE_TYPE_NONE"
)

// Valid reports whether t is a code type WeChat knows.
func (t CodeType) Valid() bool {
	switch t {
	case CodeTypeText, CodeTypeBarcode, CodeTypeQRCode, CodeTypeOnlyQRCode, CodeTypeOnlyBarcode, CodeTypeNone:
		return true
	}
	return false
}

// DateType is how a card's validity period is given.
type DateType string

// Validity period types.
const (
	// DateTypeFixTimeRange: valid from BeginTimestamp to EndTimestamp.
	DateTypeFixTimeRange DateType = "DATE_TYPE_FIX_TIME_RANGE"
	// DateTypeFixTerm: valid FixedTerm days, starting FixedBeginTerm days
	// after the user receives it.
	DateTypeFixTerm DateType = "DATE_TYPE_FIX_TERM"
	// DateTypePermanent: never expires (member cards).
	DateTypePermanent DateType = "DATE_TYPE_PERMANENT"
)

// UserCardStatus is the state of one user's card (one code), as
// card/code/get and card/membercard/userinfo/get report it.
type UserCardStatus string

// User card statuses. WeChat does not publish a complete list.
const (
	UserCardNormal      UserCardStatus = "NORMAL"
	UserCardConsumed    UserCardStatus = "CONSUMED"
	UserCardExpire      UserCardStatus = "EXPIRE"
	UserCardGifting     UserCardStatus = "GIFTING"
	UserCardGiftTimeout UserCardStatus = "GIFT_TIMEOUT"
	UserCardDelete      UserCardStatus = "DELETE"
	UserCardUnavailable UserCardStatus = "UNAVAILABLE"
)

// BaseInfo is the base_info every card type has. Create needs LogoURL,
// BrandName, CodeType, Title, Color, Notice, Description, SKU and DateInfo;
// for Update set only what changes (everything is omitted when empty).
// ID, Status, CreateTime, UpdateTime and SKU.TotalQuantity are filled by
// card/get and ignored by WeChat on create.
type BaseInfo struct {
	ID     string     `json:"id,omitempty"`
	Status CardStatus `json:"status,omitempty"`

	LogoURL     string    `json:"logo_url,omitempty"`
	BrandName   string    `json:"brand_name,omitempty"`
	CodeType    CodeType  `json:"code_type,omitempty"`
	Title       string    `json:"title,omitempty"`
	SubTitle    string    `json:"sub_title,omitempty"`
	Color       string    `json:"color,omitempty"` // a name from Card.Colors, e.g. "Color010"
	Notice      string    `json:"notice,omitempty"`
	Description string    `json:"description,omitempty"`
	SKU         *SKU      `json:"sku,omitempty"`
	DateInfo    *DateInfo `json:"date_info,omitempty"`

	ServicePhone    string  `json:"service_phone,omitempty"`
	LocationIDList  []int64 `json:"location_id_list,omitempty"`
	UseAllLocations bool    `json:"use_all_locations,omitempty"`
	Source          string  `json:"source,omitempty"`

	// UseCustomCode: the merchant supplies the codes (deposited with
	// Code.Deposit when GetCustomCodeMode is GET_CUSTOM_CODE_MODE_DEPOSIT).
	UseCustomCode     bool   `json:"use_custom_code,omitempty"`
	GetCustomCodeMode string `json:"get_custom_code_mode,omitempty"`
	BindOpenID        bool   `json:"bind_openid,omitempty"`
	UseDynamicCode    bool   `json:"use_dynamic_code,omitempty"`

	GetLimit int `json:"get_limit,omitempty"`
	UseLimit int `json:"use_limit,omitempty"`
	// CanShare and CanGiveFriend default to true at WeChat: nil leaves the
	// default, a pointer to false turns it off.
	CanShare      *bool `json:"can_share,omitempty"`
	CanGiveFriend *bool `json:"can_give_friend,omitempty"`

	CenterTitle            string `json:"center_title,omitempty"`
	CenterSubTitle         string `json:"center_sub_title,omitempty"`
	CenterURL              string `json:"center_url,omitempty"`
	CenterAppBrandUserName string `json:"center_app_brand_user_name,omitempty"`
	CenterAppBrandPass     string `json:"center_app_brand_pass,omitempty"`

	CustomURLName          string `json:"custom_url_name,omitempty"`
	CustomURL              string `json:"custom_url,omitempty"`
	CustomURLSubTitle      string `json:"custom_url_sub_title,omitempty"`
	CustomAppBrandUserName string `json:"custom_app_brand_user_name,omitempty"`
	CustomAppBrandPass     string `json:"custom_app_brand_pass,omitempty"`

	PromotionURLName          string `json:"promotion_url_name,omitempty"`
	PromotionURL              string `json:"promotion_url,omitempty"`
	PromotionURLSubTitle      string `json:"promotion_url_sub_title,omitempty"`
	PromotionAppBrandUserName string `json:"promotion_app_brand_user_name,omitempty"`
	PromotionAppBrandPass     string `json:"promotion_app_brand_pass,omitempty"`

	// SubMerchantInfo issues the card on behalf of a sub-merchant
	// (SubMerchant.Create).
	SubMerchantInfo *SubMerchantRef `json:"sub_merchant_info,omitempty"`

	CreateTime int64 `json:"create_time,omitempty"`
	UpdateTime int64 `json:"update_time,omitempty"`
}

// SKU is a card's stock. Quantity is what can still be claimed (0 for a
// deposit-mode card, raised with Card.IncreaseStock after Code.Deposit).
type SKU struct {
	Quantity      int64 `json:"quantity"`
	TotalQuantity int64 `json:"total_quantity,omitempty"` // card/get only
}

// DateInfo is a card's validity period.
type DateInfo struct {
	Type           DateType `json:"type"`
	BeginTimestamp int64    `json:"begin_timestamp,omitempty"`
	EndTimestamp   int64    `json:"end_timestamp,omitempty"`
	FixedTerm      int      `json:"fixed_term,omitempty"`
	FixedBeginTerm int      `json:"fixed_begin_term,omitempty"`
}

// SubMerchantRef names the sub-merchant a card is issued for.
type SubMerchantRef struct {
	MerchantID int64 `json:"merchant_id"`
}

// Validate checks what card/create requires of a base_info.
func (b *BaseInfo) Validate() error {
	required := []struct{ field, v string }{
		{"base_info.logo_url", b.LogoURL},
		{"base_info.brand_name", b.BrandName},
		{"base_info.code_type", string(b.CodeType)},
		{"base_info.title", b.Title},
		{"base_info.color", b.Color},
		{"base_info.notice", b.Notice},
		{"base_info.description", b.Description},
	}
	for _, r := range required {
		if r.v == "" {
			return invalidArg(r.field, "is required")
		}
	}
	if !b.CodeType.Valid() {
		return invalidArg("base_info.code_type", "is not a CODE_TYPE_* value")
	}
	if b.SKU == nil {
		return invalidArg("base_info.sku", "is required")
	}
	if b.SKU.Quantity < 0 || b.SKU.Quantity > 100000000 {
		return invalidArg("base_info.sku.quantity", "must be between 0 and 100000000")
	}
	if b.DateInfo == nil {
		return invalidArg("base_info.date_info", "is required")
	}
	return b.DateInfo.Validate()
}

// Validate checks that the period is complete and consistent.
func (d *DateInfo) Validate() error {
	switch d.Type {
	case DateTypeFixTimeRange:
		if d.BeginTimestamp <= 0 || d.EndTimestamp <= 0 {
			return invalidArg("base_info.date_info", "DATE_TYPE_FIX_TIME_RANGE needs begin_timestamp and end_timestamp")
		}
		if d.EndTimestamp <= d.BeginTimestamp {
			return invalidArg("base_info.date_info.end_timestamp", "must be after begin_timestamp")
		}
	case DateTypeFixTerm:
		if d.FixedTerm <= 0 {
			return invalidArg("base_info.date_info.fixed_term", "must be a positive number of days")
		}
		if d.FixedBeginTerm < 0 {
			return invalidArg("base_info.date_info.fixed_begin_term", "must not be negative")
		}
	case DateTypePermanent:
	default:
		return invalidArg("base_info.date_info.type", "is not a DATE_TYPE_* value")
	}
	return nil
}

// AdvancedInfo is the optional advanced_info of a coupon: conditions of
// use, the abstract and pictures shown on the card, opening hours.
type AdvancedInfo struct {
	UseCondition    *UseCondition `json:"use_condition,omitempty"`
	Abstract        *Abstract     `json:"abstract,omitempty"`
	TextImageList   []TextImage   `json:"text_image_list,omitempty"`
	TimeLimit       []TimeLimit   `json:"time_limit,omitempty"`
	BusinessService []string      `json:"business_service,omitempty"` // BIZ_SERVICE_* values
}

// UseCondition restricts where and how a coupon is used.
type UseCondition struct {
	AcceptCategory          string `json:"accept_category,omitempty"`
	RejectCategory          string `json:"reject_category,omitempty"`
	LeastCost               int64  `json:"least_cost,omitempty"` // in fen
	ObjectUseFor            string `json:"object_use_for,omitempty"`
	CanUseWithOtherDiscount bool   `json:"can_use_with_other_discount,omitempty"`
	CanUseWithMembercard    bool   `json:"can_use_with_membercard,omitempty"`
}

// Abstract is the cover shown on a coupon's detail page.
type Abstract struct {
	Abstract    string   `json:"abstract,omitempty"`
	IconURLList []string `json:"icon_url_list,omitempty"`
}

// TextImage is one picture with its caption.
type TextImage struct {
	ImageURL string `json:"image_url"`
	Text     string `json:"text,omitempty"`
}

// TimeLimit is one opening window ("MONDAY" … "SUNDAY" or "HOLIDAY").
type TimeLimit struct {
	Type        string `json:"type"`
	BeginHour   int    `json:"begin_hour,omitempty"`
	BeginMinute int    `json:"begin_minute,omitempty"`
	EndHour     int    `json:"end_hour,omitempty"`
	EndMinute   int    `json:"end_minute,omitempty"`
}

// CardAttributes is implemented by the typed card definitions below. Any
// other value (a map, json.RawMessage, your own struct) is accepted by
// Card.Create too, as long as it encodes to a JSON object.
type CardAttributes interface {
	// CardType is the type the definition is for; Create refuses another.
	CardType() CardType
	// Validate checks the fields card/create requires.
	Validate() error
}

// Groupon is a GROUPON (团购券) definition.
type Groupon struct {
	BaseInfo     BaseInfo      `json:"base_info"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
	DealDetail   string        `json:"deal_detail,omitempty"`
}

// Cash is a CASH (代金券) definition: ReduceCost off a bill of at least
// LeastCost, both in fen.
type Cash struct {
	BaseInfo     BaseInfo      `json:"base_info"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
	LeastCost    int64         `json:"least_cost,omitempty"`
	ReduceCost   int64         `json:"reduce_cost,omitempty"`
}

// Discount is a DISCOUNT (折扣券) definition: Discount percent off (30 means
// the customer pays 70%).
type Discount struct {
	BaseInfo     BaseInfo      `json:"base_info"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
	Discount     int           `json:"discount,omitempty"`
}

// Gift is a GIFT (兑换券) definition.
type Gift struct {
	BaseInfo     BaseInfo      `json:"base_info"`
	AdvancedInfo *AdvancedInfo `json:"advanced_info,omitempty"`
	Gift         string        `json:"gift,omitempty"`
}

// GeneralCoupon is a GENERAL_COUPON (优惠券) definition.
type GeneralCoupon struct {
	BaseInfo      BaseInfo      `json:"base_info"`
	AdvancedInfo  *AdvancedInfo `json:"advanced_info,omitempty"`
	DefaultDetail string        `json:"default_detail,omitempty"`
}

// MemberCard is a MEMBER_CARD (会员卡) definition. The fields beyond the
// common ones (bonus_rule, custom_cell2…) go in Extra, which is merged into
// the object sent. SupplyBonus and SupplyBalance are always sent, as
// card/create requires; to change other fields with Card.Update without
// touching them, pass a map or json.RawMessage instead.
type MemberCard struct {
	BaseInfo         BaseInfo       `json:"base_info"`
	AdvancedInfo     *AdvancedInfo  `json:"advanced_info,omitempty"`
	BackgroundPicURL string         `json:"background_pic_url,omitempty"`
	Prerogative      string         `json:"prerogative,omitempty"`
	AutoActivate     bool           `json:"auto_activate,omitempty"`
	WXActivate       bool           `json:"wx_activate,omitempty"`
	SupplyBonus      bool           `json:"supply_bonus"`
	SupplyBalance    bool           `json:"supply_balance"`
	BonusURL         string         `json:"bonus_url,omitempty"`
	BalanceURL       string         `json:"balance_url,omitempty"`
	ActivateURL      string         `json:"activate_url,omitempty"`
	CustomField1     *CustomField   `json:"custom_field1,omitempty"`
	CustomField2     *CustomField   `json:"custom_field2,omitempty"`
	CustomField3     *CustomField   `json:"custom_field3,omitempty"`
	CustomCell1      *CustomCell    `json:"custom_cell1,omitempty"`
	Extra            map[string]any `json:"-"`
}

// CustomField is one of a member card's up to three value cells (points
// level, stamps…). NameType is a FIELD_NAME_TYPE_* value, or Name is free
// text.
type CustomField struct {
	NameType string `json:"name_type,omitempty"`
	Name     string `json:"name,omitempty"`
	URL      string `json:"url,omitempty"`
}

// CustomCell is a member card's link cell.
type CustomCell struct {
	Name string `json:"name"`
	Tips string `json:"tips,omitempty"`
	URL  string `json:"url"`
}

// MarshalJSON merges Extra into the definition's own fields; a key of
// Extra never overrides a field set on the struct.
func (m MemberCard) MarshalJSON() ([]byte, error) {
	type plain MemberCard // without this MarshalJSON
	return encodeWithExtra(plain(m), m.Extra)
}

// GeneralCard is a GENERAL_CARD definition (礼品卡 and other stored-value
// cards). Extra is merged as for MemberCard.
type GeneralCard struct {
	BaseInfo         BaseInfo       `json:"base_info"`
	AdvancedInfo     *AdvancedInfo  `json:"advanced_info,omitempty"`
	BackgroundPicURL string         `json:"background_pic_url,omitempty"`
	Prerogative      string         `json:"prerogative,omitempty"`
	SupplyBonus      bool           `json:"supply_bonus,omitempty"`
	SupplyBalance    bool           `json:"supply_balance,omitempty"`
	Extra            map[string]any `json:"-"`
}

// MarshalJSON merges Extra as MemberCard does.
func (g GeneralCard) MarshalJSON() ([]byte, error) {
	type plain GeneralCard // without this MarshalJSON
	return encodeWithExtra(plain(g), g.Extra)
}

// CardType returns CardTypeGroupon.
func (*Groupon) CardType() CardType { return CardTypeGroupon }

// CardType returns CardTypeCash.
func (*Cash) CardType() CardType { return CardTypeCash }

// CardType returns CardTypeDiscount.
func (*Discount) CardType() CardType { return CardTypeDiscount }

// CardType returns CardTypeGift.
func (*Gift) CardType() CardType { return CardTypeGift }

// CardType returns CardTypeGeneralCoupon.
func (*GeneralCoupon) CardType() CardType { return CardTypeGeneralCoupon }

// CardType returns CardTypeMemberCard.
func (*MemberCard) CardType() CardType { return CardTypeMemberCard }

// CardType returns CardTypeGeneralCard.
func (*GeneralCard) CardType() CardType { return CardTypeGeneralCard }

// Validate checks base_info and deal_detail.
func (g *Groupon) Validate() error {
	if err := g.BaseInfo.Validate(); err != nil {
		return err
	}
	if g.DealDetail == "" {
		return invalidArg("groupon.deal_detail", "is required")
	}
	return nil
}

// Validate checks base_info and the amounts.
func (c *Cash) Validate() error {
	if err := c.BaseInfo.Validate(); err != nil {
		return err
	}
	if c.ReduceCost <= 0 {
		return invalidArg("cash.reduce_cost", "must be a positive amount in fen")
	}
	if c.LeastCost < 0 {
		return invalidArg("cash.least_cost", "must not be negative")
	}
	return nil
}

// Validate checks base_info and that the discount is 1..99 percent.
func (d *Discount) Validate() error {
	if err := d.BaseInfo.Validate(); err != nil {
		return err
	}
	if d.Discount < 1 || d.Discount > 99 {
		return invalidArg("discount.discount", "must be between 1 and 99 (percent off)")
	}
	return nil
}

// Validate checks base_info and gift.
func (g *Gift) Validate() error {
	if err := g.BaseInfo.Validate(); err != nil {
		return err
	}
	if g.Gift == "" {
		return invalidArg("gift.gift", "is required")
	}
	return nil
}

// Validate checks base_info and default_detail.
func (g *GeneralCoupon) Validate() error {
	if err := g.BaseInfo.Validate(); err != nil {
		return err
	}
	if g.DefaultDetail == "" {
		return invalidArg("general_coupon.default_detail", "is required")
	}
	return nil
}

// Validate checks base_info and prerogative.
func (m *MemberCard) Validate() error {
	if err := m.BaseInfo.Validate(); err != nil {
		return err
	}
	if m.Prerogative == "" {
		return invalidArg("member_card.prerogative", "is required")
	}
	return nil
}

// Validate checks base_info and prerogative.
func (g *GeneralCard) Validate() error {
	if err := g.BaseInfo.Validate(); err != nil {
		return err
	}
	if g.Prerogative == "" {
		return invalidArg("general_card.prerogative", "is required")
	}
	return nil
}

// Compile-time checks that the typed definitions satisfy CardAttributes.
var (
	_ CardAttributes = (*Groupon)(nil)
	_ CardAttributes = (*Cash)(nil)
	_ CardAttributes = (*Discount)(nil)
	_ CardAttributes = (*Gift)(nil)
	_ CardAttributes = (*GeneralCoupon)(nil)
	_ CardAttributes = (*MemberCard)(nil)
	_ CardAttributes = (*GeneralCard)(nil)
)

// encodeObject encodes v (as post would) and checks that the result is a
// JSON object, so an open-ended payload is rejected before any network
// call when it is a string, an array or null.
func encodeObject(field string, v any) (json.RawMessage, error) {
	if v == nil {
		return nil, invalidArg(field, "is nil")
	}
	b, err := encodeJSON(v)
	if err != nil {
		return nil, invalidArg(field, "cannot be encoded as JSON: "+err.Error())
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, invalidArg(field, "must encode to a JSON object")
	}
	return b, nil
}

// encodeWithExtra encodes v, a struct's plain copy, and adds the keys of
// extra that the encoded object lacks: a key of Extra never overrides a
// field set on the struct.
func encodeWithExtra(v any, extra map[string]any) ([]byte, error) {
	obj, err := encodeJSON(v)
	if err != nil || len(extra) == 0 {
		return obj, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, err
	}
	for k, v := range extra {
		if _, set := m[k]; set {
			continue
		}
		b, err := encodeJSON(v)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	return encodeJSON(m)
}

// flexBool decodes a JSON boolean that older WeChat samples send as the
// string "true"/"false".
type flexBool bool

// UnmarshalJSON accepts true/false, "true"/"false", 1/0 and "1"/"0".
func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch string(bytes.TrimSpace(data)) {
	case "true", `"true"`, "1", `"1"`:
		*b = true
	case "false", `"false"`, "0", `"0"`, "null", `""`:
		*b = false
	default:
		return errors.New("not a boolean")
	}
	return nil
}
