package events

import (
	"encoding/xml"
	"errors"
)

// Card event types, the <Event> values of WeChat's card pushes.
const (
	EventCardPassCheck            = "card_pass_check"
	EventCardNotPassCheck         = "card_not_pass_check"
	EventUserGetCard              = "user_get_card"
	EventUserGiftingCard          = "user_gifting_card"
	EventUserDelCard              = "user_del_card"
	EventUserConsumeCard          = "user_consume_card"
	EventUserPayFromPayCell       = "user_pay_from_pay_cell"
	EventUserViewCard             = "user_view_card"
	EventUserEnterSessionFromCard = "user_enter_session_from_card"
	EventUpdateMemberCard         = "update_member_card"
	EventCardSkuRemind            = "card_sku_remind"
	EventCardPayOrder             = "card_pay_order"
	EventSubmitMemberCardUserInfo = "submit_membercard_user_info"
)

// ErrNotCardEvent is returned by [Message.CardEvent] for a push that is not
// one of the card events above. The Message still has all of it.
var ErrNotCardEvent = errors.New("events: not a card event")

// CardEvent is one of the typed card events: *CardPassCheck,
// *CardNotPassCheck, *UserGetCard, *UserGiftingCard, *UserDelCard,
// *UserConsumeCard, *UserPayFromPayCell, *UserViewCard,
// *UserEnterSessionFromCard, *UpdateMemberCard, *CardSkuRemind,
// *CardPayOrder or *SubmitMemberCardUserInfo. Use a type switch.
type CardEvent interface {
	// EventType returns the <Event> value, such as "user_get_card".
	EventType() string
}

// Header is what every push starts with.
type Header struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Event        string `xml:"Event"`
}

// EventType implements CardEvent for every type that embeds Header.
func (h *Header) EventType() string { return h.Event }

// CardPassCheck: the card passed review and can be issued.
type CardPassCheck struct {
	Header
	CardID       string `xml:"CardId"`
	RefuseReason string `xml:"RefuseReason"`
}

// CardNotPassCheck: the card was refused in review; RefuseReason says why.
type CardNotPassCheck struct {
	Header
	CardID       string `xml:"CardId"`
	RefuseReason string `xml:"RefuseReason"`
}

// UserGetCard: a user received a card (claimed it, or was given it).
type UserGetCard struct {
	Header
	CardID              string `xml:"CardId"`
	UserCardCode        string `xml:"UserCardCode"`
	IsGiveByFriend      int    `xml:"IsGiveByFriend"` // 1 when a friend gave it
	FriendUserName      string `xml:"FriendUserName"` // the giver's openid, with IsGiveByFriend
	OldUserCardCode     string `xml:"OldUserCardCode"`
	OuterID             int64  `xml:"OuterId"`
	OuterStr            string `xml:"OuterStr"` // the outer_str of the link or cardExt that issued it
	IsRestoreMemberCard int    `xml:"IsRestoreMemberCard"`
	IsRecommendByFriend int    `xml:"IsRecommendByFriend"`
	UnionID             string `xml:"UnionId"`
}

// UserGiftingCard: a user gave the card to a friend.
type UserGiftingCard struct {
	Header
	CardID         string `xml:"CardId"`
	UserCardCode   string `xml:"UserCardCode"`
	FriendUserName string `xml:"FriendUserName"`
	IsReturnBack   int    `xml:"IsReturnBack"` // 1 when the gift came back unclaimed
	IsChatRoom     int    `xml:"IsChatRoom"`   // 1 when given in a group chat
}

// UserDelCard: a user deleted the card.
type UserDelCard struct {
	Header
	CardID       string `xml:"CardId"`
	UserCardCode string `xml:"UserCardCode"`
}

// UserConsumeCard: the card was redeemed.
type UserConsumeCard struct {
	Header
	CardID        string `xml:"CardId"`
	UserCardCode  string `xml:"UserCardCode"`
	ConsumeSource string `xml:"ConsumeSource"` // FROM_API, FROM_MP, FROM_MOBILE_HELPER
	LocationName  string `xml:"LocationName"`
	StaffOpenID   string `xml:"StaffOpenId"`
	VerifyCode    string `xml:"VerifyCode"`
	RemarkAmount  string `xml:"RemarkAmount"`
	OuterStr      string `xml:"OuterStr"`
	LocationID    string `xml:"LocationId"`
}

// UserPayFromPayCell: a user paid through the card's pay cell (买单).
type UserPayFromPayCell struct {
	Header
	CardID       string `xml:"CardId"`
	UserCardCode string `xml:"UserCardCode"`
	TransID      string `xml:"TransId"`
	LocationID   string `xml:"LocationId"`
	Fee          int64  `xml:"Fee"`         // paid, in fen
	OriginalFee  int64  `xml:"OriginalFee"` // before discount, in fen
}

// UserViewCard: a user opened a member card.
type UserViewCard struct {
	Header
	CardID       string `xml:"CardId"`
	UserCardCode string `xml:"UserCardCode"`
	OuterStr     string `xml:"OuterStr"`
}

// UserEnterSessionFromCard: a user entered the account's chat from a card.
type UserEnterSessionFromCard struct {
	Header
	CardID       string `xml:"CardId"`
	UserCardCode string `xml:"UserCardCode"`
}

// UpdateMemberCard: a member card's bonus or balance changed.
type UpdateMemberCard struct {
	Header
	CardID        string `xml:"CardId"`
	UserCardCode  string `xml:"UserCardCode"`
	ModifyBonus   int64  `xml:"ModifyBonus"`   // change in points
	ModifyBalance int64  `xml:"ModifyBalance"` // change in balance, in fen
}

// CardSkuRemind: a card's stock fell below the warning level.
type CardSkuRemind struct {
	Header
	CardID string `xml:"CardId"`
	Detail string `xml:"Detail"`
}

// CardPayOrder: a 券点 (coupon points) order changed state.
type CardPayOrder struct {
	Header
	OrderID             string `xml:"OrderId"`
	Status              string `xml:"Status"`
	CreateOrderTime     int64  `xml:"CreateOrderTime"`
	PayFinishTime       int64  `xml:"PayFinishTime"`
	Desc                string `xml:"Desc"`
	FreeCoinCount       string `xml:"FreeCoinCount"`
	PayCoinCount        string `xml:"PayCoinCount"`
	RefundFreeCoinCount string `xml:"RefundFreeCoinCount"`
	RefundPayCoinCount  string `xml:"RefundPayCoinCount"`
	OrderType           string `xml:"OrderType"`
	Memo                string `xml:"Memo"`
	ReceiptInfo         string `xml:"ReceiptInfo"`
}

// SubmitMemberCardUserInfo: a user submitted the member card activation form.
type SubmitMemberCardUserInfo struct {
	Header
	CardID       string `xml:"CardId"`
	UserCardCode string `xml:"UserCardCode"`
}

// newCardEvent returns an empty typed event for name, or nil.
func newCardEvent(name string) CardEvent {
	switch name {
	case EventCardPassCheck:
		return &CardPassCheck{}
	case EventCardNotPassCheck:
		return &CardNotPassCheck{}
	case EventUserGetCard:
		return &UserGetCard{}
	case EventUserGiftingCard:
		return &UserGiftingCard{}
	case EventUserDelCard:
		return &UserDelCard{}
	case EventUserConsumeCard:
		return &UserConsumeCard{}
	case EventUserPayFromPayCell:
		return &UserPayFromPayCell{}
	case EventUserViewCard:
		return &UserViewCard{}
	case EventUserEnterSessionFromCard:
		return &UserEnterSessionFromCard{}
	case EventUpdateMemberCard:
		return &UpdateMemberCard{}
	case EventCardSkuRemind:
		return &CardSkuRemind{}
	case EventCardPayOrder:
		return &CardPayOrder{}
	case EventSubmitMemberCardUserInfo:
		return &SubmitMemberCardUserInfo{}
	}
	return nil
}

// CardEvent decodes the message into its typed card event. It returns an
// error matching [ErrNotCardEvent] for any other push, and one matching
// [ErrXML] when a numeric field is not a number.
func (m *Message) CardEvent() (CardEvent, error) {
	ev := newCardEvent(m.Event)
	if m.MsgType != "event" || ev == nil {
		return nil, ErrNotCardEvent
	}
	if err := xml.Unmarshal(m.Raw, ev); err != nil {
		return nil, xmlErr("field of "+m.Event+" has the wrong type", err)
	}
	return ev, nil
}
