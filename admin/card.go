package admin

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
)

// Limits WeChat documents for the card APIs; Card methods check them before
// anything is sent.
const (
	// MaxBatchGetCount is the largest count card/batchget accepts.
	MaxBatchGetCount = 50
	// MaxTestWhitelist is how many openids (or usernames) the test
	// whitelist holds.
	MaxTestWhitelist = 10
	// MaxStockChange is the largest stock a card can have, and so the
	// largest single change.
	MaxStockChange = 100000000
	// maxIDLen bounds ids and codes we accept: WeChat's card ids are 28
	// bytes, openids 28, custom codes at most a few dozen.
	maxIDLen = 128
)

// checkID rejects an empty id, and one that cannot be real.
func checkID(field, v string) error {
	switch {
	case v == "":
		return invalidArg(field, "is required")
	case len(v) > maxIDLen:
		return invalidArg(field, "is longer than "+strconv.Itoa(maxIDLen)+" bytes")
	}
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] == 0x7f {
			return invalidArg(field, "contains a control character")
		}
	}
	return nil
}

// checkTimeRange checks an optional span of unix seconds, the fields
// prefix+"begin_time" and prefix+"end_time": neither negative and, when
// both are set, the end after the beginning.
func checkTimeRange(prefix string, begin, end int64) error {
	if begin < 0 || end < 0 {
		return invalidArg(prefix+"begin_time", "must not be negative")
	}
	if begin != 0 && end != 0 && end <= begin {
		return invalidArg(prefix+"end_time", "must be after "+prefix+"begin_time")
	}
	return nil
}

// checkOptionalID is checkID for an id that may be left empty.
func checkOptionalID(field, v string) error {
	if v == "" {
		return nil
	}
	return checkID(field, v)
}

// cardIDBody is the {"card_id"} body several endpoints take.
type cardIDBody struct {
	CardID string `json:"card_id"`
}

// Color is one of the colours a card's base_info.color may name.
type Color struct {
	Name  string `json:"name"`  // "Color010"
	Value string `json:"value"` // "#63b359"
}

// Colors lists the colours cards may use. The hex values change between
// WeChat's releases; use Name in base_info.color.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Create_a_Coupon_Voucher_or_Card.html
//
//	GET /card/getcolors
func (s *CardService) Colors(ctx context.Context) ([]Color, error) {
	out, err := getFor[struct {
		Colors []Color `json:"colors"`
	}](ctx, s.client, "card/getcolors")
	if err != nil {
		return nil, err
	}
	return out.Colors, nil
}

// Category is a primary business category of the sub-merchant category
// tree.
type Category struct {
	ID        int64         `json:"primary_category_id"`
	Name      string        `json:"category_name"`
	Secondary []SubCategory `json:"secondary_category"`
}

// SubCategory is a secondary business category: the id SubMerchantInfo
// names, and the qualification documents it needs.
type SubCategory struct {
	ID                      int64    `json:"secondary_category_id"`
	Name                    string   `json:"category_name"`
	NeedQualificationStuffs []string `json:"need_qualification_stuffs"`
	CanChoosePrepaidCard    bool     `json:"can_choose_prepaid_card"`
	CanChoosePaymentCard    bool     `json:"can_choose_payment_card"`
}

// UnmarshalJSON accepts the 0/1 integers WeChat uses for the two flags.
func (c *SubCategory) UnmarshalJSON(data []byte) error {
	type plain SubCategory
	var w struct {
		plain
		CanChoosePrepaidCard flexBool `json:"can_choose_prepaid_card"`
		CanChoosePaymentCard flexBool `json:"can_choose_payment_card"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*c = SubCategory(w.plain)
	c.CanChoosePrepaidCard, c.CanChoosePaymentCard = bool(w.CanChoosePrepaidCard), bool(w.CanChoosePaymentCard)
	return nil
}

// Categories returns the business category tree sub-merchants are filed
// under (SubMerchantInfo.PrimaryCategoryID and SecondaryCategoryID). It
// uses GET, as WeChat's samples and EasyWeChat do (one SDK POSTs).
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Third-party_developer_mode.html
//
//	GET /card/getapplyprotocol
func (s *CardService) Categories(ctx context.Context) ([]Category, error) {
	out, err := getFor[struct {
		Category []Category `json:"category"`
	}](ctx, s.client, "card/getapplyprotocol")
	if err != nil {
		return nil, err
	}
	return out.Category, nil
}

// checkCardType validates cardType and attributes and encodes attributes.
// A typed definition (CardAttributes) must be for cardType; with validate
// set its Validate method runs too. cardType may be given in lower case
// ("member_card", as many of WeChat's own samples write it); it comes back
// in WeChat's upper-case form, which is what card/create sends.
func checkCardType(cardType CardType, attributes any, validate bool) (CardType, json.RawMessage, error) {
	if upper := CardType(strings.ToUpper(string(cardType))); string(cardType) == upper.key() {
		cardType = upper
	}
	if !cardType.Valid() {
		return "", nil, invalidArg("card_type", "is not a known card type")
	}
	obj, err := encodeObject("attributes", attributes)
	if err != nil {
		return "", nil, err // also a nil pointer, which encodes to null
	}
	if typed, ok := attributes.(CardAttributes); ok {
		if typed.CardType() != cardType {
			return "", nil, invalidArg("attributes", "is a "+string(typed.CardType())+" definition, not "+string(cardType))
		}
		if validate {
			if err := typed.Validate(); err != nil {
				return "", nil, err
			}
		}
	}
	return cardType, obj, nil
}

// Create creates a card and returns its card_id. attributes is the object
// WeChat expects under the type's key: one of the typed definitions
// (*GeneralCoupon, *Cash, *MemberCard…), which is validated first, or any
// value that encodes to a JSON object (a map, json.RawMessage, your own
// struct). A new card waits for review (CardStatusNotVerify) unless the
// account is exempt.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Create_a_Coupon_Voucher_or_Card.html
//
//	POST /card/create {"card":{"card_type":"GROUPON","groupon":{…}}}
func (s *CardService) Create(ctx context.Context, cardType CardType, attributes any) (string, error) {
	cardType, attrs, err := checkCardType(cardType, attributes, true)
	if err != nil {
		return "", err
	}
	// Built by hand so card_type comes first whatever the type's key.
	body := json.RawMessage(`{"card":{"card_type":"` + string(cardType) + `","` + cardType.key() + `":` + string(attrs) + `}}`)
	var out struct {
		CardID string `json:"card_id"`
	}
	if err := s.client.post(ctx, "card/create", body, &out, writeCall); err != nil {
		return "", err
	}
	return out.CardID, nil
}

// Card is a card definition as card/get returns it.
type Card struct {
	Type CardType
	// BaseInfo is decoded from the attributes for convenience, with the
	// fields only card/get fills (ID, Status, SKU.TotalQuantity…).
	BaseInfo BaseInfo
	// Attributes is the whole object under the type's key; Decode reads it
	// into a typed definition.
	Attributes json.RawMessage
}

// UnmarshalJSON reads {"card_type":…, "<type>":{…}}.
func (c *Card) UnmarshalJSON(data []byte) error {
	var head struct {
		CardType CardType `json:"card_type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	c.Type = head.CardType
	c.Attributes = all[head.CardType.key()]
	c.BaseInfo = BaseInfo{}
	if len(c.Attributes) == 0 {
		return nil
	}
	var attrs struct {
		BaseInfo BaseInfo `json:"base_info"`
	}
	if err := json.Unmarshal(c.Attributes, &attrs); err != nil {
		return err
	}
	c.BaseInfo = attrs.BaseInfo
	return nil
}

// Decode reads the attributes into v, e.g. a *GeneralCoupon.
func (c *Card) Decode(v any) error {
	if len(c.Attributes) == 0 {
		return invalidArg("attributes", "are empty")
	}
	return json.Unmarshal(c.Attributes, v)
}

// Get returns a card's definition and state.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Managing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/get {"card_id"}
func (s *CardService) Get(ctx context.Context, cardID string) (*Card, error) {
	if err := checkID("card_id", cardID); err != nil {
		return nil, err
	}
	out, err := postFor[struct {
		Card Card `json:"card"`
	}](ctx, s.client, "card/get", cardIDBody{cardID}, readCall)
	if err != nil {
		return nil, err
	}
	return &out.Card, nil
}

// CardIDList is one page of card/batchget.
type CardIDList struct {
	CardIDs []string `json:"card_id_list"`
	// Total is the number of cards matching the filter, over all pages.
	Total int `json:"total_num"`
}

// List returns one page of the account's card ids, count (1..50) from
// offset, optionally only those in the given statuses. The statuses are
// sent as an array, as WeChat documents (EasyWeChat sends a string).
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Managing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/batchget {"offset","count","status_list":[…]}
func (s *CardService) List(ctx context.Context, offset, count int, statusList ...CardStatus) (*CardIDList, error) {
	if offset < 0 {
		return nil, invalidArg("offset", "must not be negative")
	}
	if count < 1 || count > MaxBatchGetCount {
		return nil, invalidArg("count", "must be between 1 and 50")
	}
	for _, st := range statusList {
		if !st.Valid() {
			return nil, invalidArg("status_list", "holds a value that is not a CARD_STATUS_*")
		}
	}
	body := struct {
		Offset     int          `json:"offset"`
		Count      int          `json:"count"`
		StatusList []CardStatus `json:"status_list,omitempty"`
	}{offset, count, statusList}
	out, err := postFor[CardIDList](ctx, s.client, "card/batchget", body, readCall)
	if err != nil {
		return nil, err
	}
	if out.CardIDs == nil {
		out.CardIDs = []string{}
	}
	return out, nil
}

// Update changes a card's definition: attributes holds only what changes
// (a typed definition works, its empty fields are omitted, but it is not
// validated as a full definition). cardType must be the card's type. It
// reports whether the change sends the card back to review (send_check).
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Managing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/update {"card_id","<type>":{…}}
func (s *CardService) Update(ctx context.Context, cardID string, cardType CardType, attributes any) (sendCheck bool, err error) {
	if err := checkID("card_id", cardID); err != nil {
		return false, err
	}
	cardType, attrs, err := checkCardType(cardType, attributes, false)
	if err != nil {
		return false, err
	}
	id, err := encodeJSON(cardID)
	if err != nil {
		return false, invalidArg("card_id", "cannot be encoded")
	}
	body := json.RawMessage(`{"card_id":` + string(id) + `,"` + cardType.key() + `":` + string(attrs) + `}`)
	var out struct {
		SendCheck flexBool `json:"send_check"`
	}
	if err := s.client.post(ctx, "card/update", body, &out, writeCall); err != nil {
		return false, err
	}
	return bool(out.SendCheck), nil
}

// Delete deletes a card. Cards already in wallets stay usable.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Managing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/delete {"card_id"}
func (s *CardService) Delete(ctx context.Context, cardID string) error {
	if err := checkID("card_id", cardID); err != nil {
		return err
	}
	return s.client.post(ctx, "card/delete", cardIDBody{cardID}, nil, writeCall)
}

// HTML returns the snippet that embeds an approved card in a 图文消息
// (mpnews) article.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Distributing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/mpnews/gethtml {"card_id"}
func (s *CardService) HTML(ctx context.Context, cardID string) (string, error) {
	if err := checkID("card_id", cardID); err != nil {
		return "", err
	}
	var out struct {
		Content string `json:"content"`
	}
	if err := s.client.post(ctx, "card/mpnews/gethtml", cardIDBody{cardID}, &out, readCall); err != nil {
		return "", err
	}
	return out.Content, nil
}

// TestWhitelist is who may receive cards that have not passed review yet:
// users by openid, by WeChat user name (微信号), or both. WeChat counts the
// two lists against one limit, MaxTestWhitelist in total.
type TestWhitelist struct {
	OpenIDs   []string `json:"openid,omitempty"`
	Usernames []string `json:"username,omitempty"`
}

// SetTestWhitelist sets the test whitelist. It replaces the previous one,
// both lists at once: a list left empty is emptied.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Distributing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/testwhitelist/set {"openid":[…],"username":[…]}
func (s *CardService) SetTestWhitelist(ctx context.Context, list TestWhitelist) error {
	n := len(list.OpenIDs) + len(list.Usernames)
	switch {
	case n == 0:
		return invalidArg("openid", "and username are both empty")
	case n > MaxTestWhitelist:
		return invalidArg("openid", "and username hold more than "+strconv.Itoa(MaxTestWhitelist)+" items together")
	}
	for _, l := range []struct {
		field string
		items []string
	}{{"openid", list.OpenIDs}, {"username", list.Usernames}} {
		for _, it := range l.items {
			if err := checkID(l.field+" item", it); err != nil {
				return err
			}
		}
	}
	return s.client.post(ctx, "card/testwhitelist/set", list, nil, writeCall)
}

// UserCard is one card in a user's wallet.
type UserCard struct {
	Code   string `json:"code"`
	CardID string `json:"card_id"`
}

// UserCardList is what card/user/getcardlist returns.
type UserCardList struct {
	Cards        []UserCard `json:"card_list"`
	HasShareCard bool       `json:"has_share_card"`
}

// UserCardsRequest names the wallet Card.UserCards lists.
type UserCardsRequest struct {
	OpenID string `json:"openid"`
	// CardID, when not empty, lists only that card's codes.
	CardID string `json:"card_id,omitempty"`
}

// UserCards lists the usable cards of this account in a user's wallet.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Managing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/user/getcardlist {"openid","card_id"?}
func (s *CardService) UserCards(ctx context.Context, req UserCardsRequest) (*UserCardList, error) {
	if err := checkID("openid", req.OpenID); err != nil {
		return nil, err
	}
	if err := checkOptionalID("card_id", req.CardID); err != nil {
		return nil, err
	}
	var wire struct {
		Cards        []UserCard `json:"card_list"`
		HasShareCard flexBool   `json:"has_share_card"`
	}
	if err := s.client.post(ctx, "card/user/getcardlist", req, &wire, readCall); err != nil {
		return nil, err
	}
	if wire.Cards == nil {
		wire.Cards = []UserCard{}
	}
	return &UserCardList{Cards: wire.Cards, HasShareCard: bool(wire.HasShareCard)}, nil
}

// SetPayCell turns the 快速买单 (pay) cell of a card on or off. The card
// must have stores (location_id_list) configured.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Create_a_Coupon_Voucher_or_Card.html
//
//	POST /card/paycell/set {"card_id","is_open"}
func (s *CardService) SetPayCell(ctx context.Context, cardID string, isOpen bool) error {
	if err := checkID("card_id", cardID); err != nil {
		return err
	}
	body := struct {
		CardID string `json:"card_id"`
		IsOpen bool   `json:"is_open"`
	}{cardID, isOpen}
	return s.client.post(ctx, "card/paycell/set", body, nil, writeCall)
}

// SelfConsumeCell configures the 自助核销 cell, with which the user marks a
// coupon used at the counter.
type SelfConsumeCell struct {
	IsOpen bool `json:"is_open"`
	// NeedVerifyCod asks the user to enter the code (WeChat spells it
	// "cod").
	NeedVerifyCod    bool `json:"need_verify_cod"`
	NeedRemarkAmount bool `json:"need_remark_amount"`
}

// SetSelfConsumeCell turns the self-consume cell of a card on or off.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Create_a_Coupon_Voucher_or_Card.html
//
//	POST /card/selfconsumecell/set {"card_id","is_open","need_verify_cod","need_remark_amount"}
func (s *CardService) SetSelfConsumeCell(ctx context.Context, cardID string, cell SelfConsumeCell) error {
	if err := checkID("card_id", cardID); err != nil {
		return err
	}
	body := struct {
		CardID string `json:"card_id"`
		SelfConsumeCell
	}{cardID, cell}
	return s.client.post(ctx, "card/selfconsumecell/set", body, nil, writeCall)
}

// IncreaseStock adds amount (> 0) to a card's stock.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Managing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/modifystock {"card_id","increase_stock_value"}
func (s *CardService) IncreaseStock(ctx context.Context, cardID string, amount int) error {
	return s.modifyStock(ctx, cardID, amount, true)
}

// ReduceStock takes amount (> 0) off a card's stock.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Managing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/modifystock {"card_id","reduce_stock_value"}
func (s *CardService) ReduceStock(ctx context.Context, cardID string, amount int) error {
	return s.modifyStock(ctx, cardID, amount, false)
}

func (s *CardService) modifyStock(ctx context.Context, cardID string, amount int, increase bool) error {
	if err := checkID("card_id", cardID); err != nil {
		return err
	}
	if amount <= 0 || amount > MaxStockChange {
		return invalidArg("amount", "must be between 1 and 100000000")
	}
	body := struct {
		CardID   string `json:"card_id"`
		Increase int    `json:"increase_stock_value,omitempty"`
		Reduce   int    `json:"reduce_stock_value,omitempty"`
	}{CardID: cardID}
	if increase {
		body.Increase = amount
	} else {
		body.Reduce = amount
	}
	return s.client.post(ctx, "card/modifystock", body, nil, writeCall)
}
