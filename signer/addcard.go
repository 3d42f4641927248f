package signer

import (
	"slices"
	"strconv"
)

// Card is one card to put into a wallet with wx.addCard. Only CardID is
// required. Code is required for cards with custom codes; OpenID binds the
// card to one user. Balance and FixedBeginTimestamp are written into cardExt
// but, as WeChat specifies, not signed.
//
// There is no OuterID. WeChat's older documentation had cardExt carry
// outer_id, an integer channel id (not signed) that came back as OuterId in
// the user_get_card event; the current documentation replaces it with
// outer_str, a string of up to 128 bytes that comes back as OuterStr, and
// new integrations are told to use that. OuterStr covers every use outer_id
// had (a number is a string of digits), so a second, integer-only field would
// only add a way to get attribution wrong. ParseCardExt and VerifyCardExt
// still accept a cardExt with outer_id, since old pages send it and WeChat
// reads it.
type Card struct {
	CardID              string `json:"card_id"`
	Code                string `json:"code,omitempty"`
	OpenID              string `json:"openid,omitempty"`
	OuterStr            string `json:"outer_str,omitempty"`
	FixedBeginTimestamp int64  `json:"fixed_begintimestamp,omitempty"`
	// Balance is the amount of a LUCKY_MONEY card, in fen; nil leaves it out.
	Balance *int64 `json:"balance,omitempty"`
}

// CardExt is the decoded cardExt of one wx.addCard item. Timestamp is a
// string of seconds because that is what WeChat documents ("最终需要转换为字符串形式").
type CardExt struct {
	Code                string `json:"code,omitempty"`
	OpenID              string `json:"openid,omitempty"`
	Timestamp           string `json:"timestamp"`
	NonceStr            string `json:"nonce_str"`
	FixedBeginTimestamp int64  `json:"fixed_begintimestamp,omitempty"`
	OuterStr            string `json:"outer_str,omitempty"`
	Balance             *int64 `json:"balance,omitempty"`
	Signature           string `json:"signature"`
}

// AppendJSON appends the cardExt JSON object, with only the optional fields
// that are set, in a fixed order and without HTML escaping.
func (e *CardExt) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	first := true
	if e.Code != "" {
		dst = appendStringField(dst, first, "code", e.Code)
		first = false
	}
	if e.OpenID != "" {
		dst = appendStringField(dst, first, "openid", e.OpenID)
		first = false
	}
	dst = appendStringField(dst, first, "timestamp", e.Timestamp)
	dst = appendStringField(dst, false, "nonce_str", e.NonceStr)
	if e.FixedBeginTimestamp != 0 {
		dst = appendIntField(dst, false, "fixed_begintimestamp", e.FixedBeginTimestamp)
	}
	if e.OuterStr != "" {
		dst = appendStringField(dst, false, "outer_str", e.OuterStr)
	}
	if e.Balance != nil {
		dst = appendIntField(dst, false, "balance", *e.Balance)
	}
	dst = appendStringField(dst, false, "signature", e.Signature)
	return append(dst, '}')
}

// String returns the cardExt JSON, the string wx.addCard wants.
func (e *CardExt) String() string { return string(e.AppendJSON(nil)) }

// CardListItem is one entry of wx.addCard's cardList. CardExt is a JSON
// string (not an object), exactly as wx.addCard takes it.
type CardListItem struct {
	CardID  string `json:"cardId"`
	CardExt string `json:"cardExt"`
}

// CardList is the cardList argument of wx.addCard.
type CardList []CardListItem

// AppendJSON appends the list as a JSON array.
func (l CardList) AppendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	for i, item := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		dst = appendStringField(dst, true, "cardId", item.CardID)
		dst = appendStringField(dst, false, "cardExt", item.CardExt)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// MarshalJSON encodes the list without reflection or HTML escaping.
func (l CardList) MarshalJSON() ([]byte, error) { return l.AppendJSON(nil), nil }

// ValidateCard checks one card's fields.
func ValidateCard(c Card) error {
	checks := []struct {
		field    string
		value    string
		required bool
		max      int
	}{
		{"card_id", c.CardID, true, MaxCardIDLen},
		{"code", c.Code, false, MaxFieldLen},
		{"openid", c.OpenID, false, MaxFieldLen},
		{"outer_str", c.OuterStr, false, MaxFieldLen},
	}
	for _, ch := range checks {
		if err := checkText(ch.field, ch.value, ch.required, ch.max); err != nil {
			return err
		}
	}
	if c.FixedBeginTimestamp != 0 {
		if err := checkTimestamp("fixed_begintimestamp", c.FixedBeginTimestamp); err != nil {
			return err
		}
	}
	if c.Balance != nil && *c.Balance < 0 {
		return invalid("balance", "is negative")
	}
	return nil
}

// ValidateTicket checks an api_ticket or jsapi ticket before it is used.
func ValidateTicket(field, ticket string) error {
	return checkText(field, ticket, true, MaxTicketLen)
}

// ValidCards is a wx.addCard list that ValidateCards accepted: what
// AddValidCards signs without checking it again. The zero value holds no
// cards, and AddValidCards rejects it.
type ValidCards struct {
	cards []Card
}

// Len returns the number of cards.
func (v ValidCards) Len() int { return len(v.cards) }

// ValidateCards checks a wx.addCard list: 1 to MaxCardsPerAddCard cards,
// each passing ValidateCard; a rejected card is named by its index, as in
// "cards[3].card_id". It is the one validation of a cardList: AddCard runs
// it, and a caller that must check the cards before it fetches a ticket runs
// it first and signs the result with AddValidCards. The cards are copied, so
// changing the slice afterwards cannot change what is signed.
func ValidateCards(cards []Card) (ValidCards, error) {
	if err := validateCards(cards); err != nil {
		return ValidCards{}, err
	}
	return ValidCards{cards: slices.Clone(cards)}, nil
}

func validateCards(cards []Card) error {
	switch {
	case len(cards) == 0:
		return invalid("cards", "is empty")
	case len(cards) > MaxCardsPerAddCard:
		return invalid("cards", "has more than "+strconv.Itoa(MaxCardsPerAddCard)+" cards")
	}
	for i := range cards {
		if err := ValidateCard(cards[i]); err != nil {
			return inCard(i, err)
		}
	}
	return nil
}

// AddCard builds the cardList for wx.addCard, signing every card with the
// card api_ticket (getticket?type=wx_card). Each card gets its own nonce; the
// timestamp and nonce written into each cardExt are exactly the ones signed.
func (s *Signer) AddCard(apiTicket string, cards []Card) (CardList, error) {
	if err := ValidateTicket("api_ticket", apiTicket); err != nil {
		return nil, err
	}
	// The list is signed before AddCard returns, so it needs no copy.
	if err := validateCards(cards); err != nil {
		return nil, err
	}
	return s.addCards(apiTicket, cards)
}

// AddValidCards is AddCard for a list ValidateCards has already accepted:
// only the ticket is checked.
func (s *Signer) AddValidCards(apiTicket string, cards ValidCards) (CardList, error) {
	if err := ValidateTicket("api_ticket", apiTicket); err != nil {
		return nil, err
	}
	if len(cards.cards) == 0 {
		return nil, invalid("cards", "is empty")
	}
	return s.addCards(apiTicket, cards.cards)
}

func (s *Signer) addCards(apiTicket string, cards []Card) (CardList, error) {
	ts, err := s.timestamp()
	if err != nil {
		return nil, err
	}
	list := make(CardList, len(cards))
	var buf []byte
	for i, c := range cards {
		nonce, err := s.nextNonce("nonce_str")
		if err != nil {
			return nil, inCard(i, err)
		}
		ext := SignCardExt(apiTicket, ts, nonce, c)
		buf = ext.AppendJSON(buf[:0])
		list[i] = CardListItem{CardID: c.CardID, CardExt: string(buf)}
	}
	return list, nil
}

// SignCardExt signs one card with a given timestamp and nonce, without
// validation; AddCard is the validating entry point.
func SignCardExt(apiTicket string, timestamp int64, nonceStr string, c Card) CardExt {
	return CardExt{
		Code:                c.Code,
		OpenID:              c.OpenID,
		Timestamp:           strconv.FormatInt(timestamp, 10),
		NonceStr:            nonceStr,
		FixedBeginTimestamp: c.FixedBeginTimestamp,
		OuterStr:            c.OuterStr,
		Balance:             c.Balance,
		Signature:           CardExtSignature(apiTicket, timestamp, c.CardID, c.Code, c.OpenID, nonceStr),
	}
}

// inCard names the card an error is about, so "card_id is required" becomes
// "cards[3].card_id is required". Only the error path pays for the prefix.
func inCard(i int, err error) error {
	if ve, ok := err.(*ValidationError); ok {
		return &ValidationError{Field: "cards[" + strconv.Itoa(i) + "]." + ve.Field, Reason: ve.Reason}
	}
	return wrap("cards["+strconv.Itoa(i)+"]", err)
}
