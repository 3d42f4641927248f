package signer

// ChooseCardRequest selects the cards wx.chooseCard offers. Every field but
// AppID is optional: an empty ShopID, CardType or CardID widens the choice.
type ChooseCardRequest struct {
	AppID    string `json:"app_id"`
	ShopID   string `json:"shop_id,omitempty"`
	CardType string `json:"card_type,omitempty"`
	CardID   string `json:"card_id,omitempty"`
}

// ChooseCardParams are the arguments of wx.chooseCard, with WeChat's names.
type ChooseCardParams struct {
	ShopID    string `json:"shopId"`
	CardType  string `json:"cardType"`
	CardID    string `json:"cardId"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	SignType  string `json:"signType"`
	CardSign  string `json:"cardSign"`
}

// AppendJSON appends the parameters as a JSON object.
func (p *ChooseCardParams) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	dst = appendStringField(dst, true, "shopId", p.ShopID)
	dst = appendStringField(dst, false, "cardType", p.CardType)
	dst = appendStringField(dst, false, "cardId", p.CardID)
	dst = appendIntField(dst, false, "timestamp", p.Timestamp)
	dst = appendStringField(dst, false, "nonceStr", p.NonceStr)
	dst = appendStringField(dst, false, "signType", p.SignType)
	dst = appendStringField(dst, false, "cardSign", p.CardSign)
	return append(dst, '}')
}

// MarshalJSON encodes the parameters without reflection or HTML escaping.
func (p ChooseCardParams) MarshalJSON() ([]byte, error) { return p.AppendJSON(nil), nil }

// Validate checks the request's fields.
func (r ChooseCardRequest) Validate() error {
	if err := checkText("app_id", r.AppID, true, MaxFieldLen); err != nil {
		return err
	}
	if err := checkText("shop_id", r.ShopID, false, MaxFieldLen); err != nil {
		return err
	}
	if err := checkText("card_type", r.CardType, false, MaxFieldLen); err != nil {
		return err
	}
	return checkText("card_id", r.CardID, false, MaxCardIDLen)
}

// ChooseCard builds the wx.chooseCard parameters, signed with the card
// api_ticket (getticket?type=wx_card). signType is always SHA1.
func (s *Signer) ChooseCard(apiTicket string, req ChooseCardRequest) (ChooseCardParams, error) {
	if err := ValidateTicket("api_ticket", apiTicket); err != nil {
		return ChooseCardParams{}, err
	}
	if err := req.Validate(); err != nil {
		return ChooseCardParams{}, err
	}
	ts, err := s.timestamp()
	if err != nil {
		return ChooseCardParams{}, err
	}
	nonce, err := s.nextNonce("nonce_str")
	if err != nil {
		return ChooseCardParams{}, err
	}
	return ChooseCardParams{
		ShopID:    req.ShopID,
		CardType:  req.CardType,
		CardID:    req.CardID,
		Timestamp: ts,
		NonceStr:  nonce,
		SignType:  "SHA1",
		CardSign:  ChooseCardSignature(apiTicket, req.AppID, req.ShopID, ts, nonce, req.CardID, req.CardType),
	}, nil
}
