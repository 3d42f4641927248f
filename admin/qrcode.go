package admin

import (
	"context"
	"errors"
	"net/url"
)

// DefaultMPBaseURL is the root of the host that serves QR code images
// (cgi-bin/showqrcode).
const DefaultMPBaseURL = "https://mp.weixin.qq.com/"

// Limits of card/qrcode/create.
const (
	MinQRCodeExpireSeconds = 60
	MaxQRCodeExpireSeconds = 1800
	// MaxQRCodeCards is how many cards one QR_MULTIPLE_CARD code holds.
	MaxQRCodeCards = 5
)

// WithMPBaseURL sets the root of the host serving QR code images
// (https://mp.weixin.qq.com/ by default). Without it, a client whose
// WithBaseURL points somewhere other than WeChat (the emulator, a test
// server) uses that base for showqrcode too, so an offline setup never
// reaches out to mp.weixin.qq.com by accident.
func WithMPBaseURL(raw string) Option {
	return func(c *Client) error {
		var tmp Client
		if err := WithBaseURL(raw)(&tmp); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				return invalidArg("mp_base_url", ve.Reason)
			}
			return err
		}
		c.mpBaseURL = tmp.baseURL
		return nil
	}
}

// mpBase is the root showqrcode URLs are built on.
func (c *Client) mpBase() *url.URL {
	if c.mpBaseURL != nil {
		return c.mpBaseURL
	}
	if c.baseURL.String() != DefaultBaseURL {
		return c.baseURL
	}
	u, _ := url.Parse(DefaultMPBaseURL)
	return u
}

// QRCodeCard is one card in a QR code.
type QRCodeCard struct {
	CardID string `json:"card_id"`
	// Code is required for a custom-code card that is not in deposit mode.
	Code string `json:"code,omitempty"`
	// OpenID limits the card to one user.
	OpenID string `json:"openid,omitempty"`
	// IsUniqueCode makes the code usable by one scan only.
	IsUniqueCode bool `json:"is_unique_code,omitempty"`
	// OuterStr comes back in the user_get_card event, to tell channels
	// apart (OuterID is its older, numeric form).
	OuterStr string `json:"outer_str,omitempty"`
	OuterID  int64  `json:"outer_id,omitempty"`
}

// CreateQRCodeRequest describes a QR code that adds cards to a wallet.
// Set exactly one of Card (a QR_CARD code) and MultipleCards (a
// QR_MULTIPLE_CARD code, 1 to 5 cards).
type CreateQRCodeRequest struct {
	Card          *QRCodeCard
	MultipleCards []QRCodeCard
	// ExpireSeconds is the code's lifetime, 60..1800; 0 leaves it out
	// (a code that does not expire).
	ExpireSeconds int
}

func (r *CreateQRCodeRequest) validate() error {
	switch {
	case r.Card == nil && len(r.MultipleCards) == 0:
		return invalidArg("card", "one of Card and MultipleCards is required")
	case r.Card != nil && len(r.MultipleCards) > 0:
		return invalidArg("card", "set Card or MultipleCards, not both")
	case len(r.MultipleCards) > MaxQRCodeCards:
		return invalidArg("multiple_card.card_list", "holds more than 5 cards")
	}
	if r.ExpireSeconds != 0 && (r.ExpireSeconds < MinQRCodeExpireSeconds || r.ExpireSeconds > MaxQRCodeExpireSeconds) {
		return invalidArg("expire_seconds", "must be between 60 and 1800, or 0 for none")
	}
	cards := r.MultipleCards
	if r.Card != nil {
		cards = []QRCodeCard{*r.Card}
	}
	for _, c := range cards {
		if err := checkID("card_id", c.CardID); err != nil {
			return err
		}
		if err := checkOptionalID("code", c.Code); err != nil {
			return err
		}
		if err := checkOptionalID("openid", c.OpenID); err != nil {
			return err
		}
	}
	return nil
}

// QRCode is a created card QR code.
type QRCode struct {
	// Ticket fetches the image (Card.QRCode, Card.QRCodeURL).
	Ticket        string `json:"ticket"`
	ExpireSeconds int    `json:"expire_seconds"`
	// URL is the content of the code; render it yourself if you like.
	URL string `json:"url"`
	// ShowQRCodeURL is WeChat's link to the image.
	ShowQRCodeURL string `json:"show_qrcode_url"`
}

// CreateQRCode creates a QR code that puts one card (QR_CARD) or up to
// five (QR_MULTIPLE_CARD) into the wallet of whoever scans it.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Distributing_Coupons_Vouchers_and_Cards.html
//
//	POST /card/qrcode/create {"action_name":"QR_CARD","expire_seconds"?,"action_info":{"card":{…}}}
//	POST /card/qrcode/create {"action_name":"QR_MULTIPLE_CARD","action_info":{"multiple_card":{"card_list":[…]}}}
func (s *CardService) CreateQRCode(ctx context.Context, req CreateQRCodeRequest) (*QRCode, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	type multiple struct {
		CardList []QRCodeCard `json:"card_list"`
	}
	type actionInfo struct {
		Card         *QRCodeCard `json:"card,omitempty"`
		MultipleCard *multiple   `json:"multiple_card,omitempty"`
	}
	body := struct {
		ActionName    string     `json:"action_name"`
		ExpireSeconds int        `json:"expire_seconds,omitempty"`
		ActionInfo    actionInfo `json:"action_info"`
	}{ExpireSeconds: req.ExpireSeconds}
	if req.Card != nil {
		body.ActionName = "QR_CARD"
		body.ActionInfo.Card = req.Card
	} else {
		body.ActionName = "QR_MULTIPLE_CARD"
		body.ActionInfo.MultipleCard = &multiple{req.MultipleCards}
	}
	return postFor[QRCode](ctx, s.client, "card/qrcode/create", body, writeCall)
}

// QRCodeURL returns the address of a QR code's image: showqrcode on
// mp.weixin.qq.com (see WithMPBaseURL) with the ticket URL-encoded, which
// EasyWeChat's getQrCodeUrl forgets (tickets end in "==").
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Distributing_Coupons_Vouchers_and_Cards.html
//
//	GET https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=…
func (s *CardService) QRCodeURL(ticket string) (string, error) {
	if err := checkTicket(ticket); err != nil {
		return "", err
	}
	u := s.client.mpBase().ResolveReference(&url.URL{Path: "cgi-bin/showqrcode"})
	u.RawQuery = url.Values{"ticket": {ticket}}.Encode()
	return u.String(), nil
}

func checkTicket(ticket string) error {
	switch {
	case ticket == "":
		return invalidArg("ticket", "is required")
	case len(ticket) > 1024:
		return invalidArg("ticket", "is longer than 1024 bytes")
	}
	return nil
}

// QRCode downloads a QR code's image (no access token is needed) and
// returns its bytes and content type ("image/jpeg" at WeChat). An unknown
// or expired ticket is an error (*HTTPError 404 or *APIError).
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Distributing_Coupons_Vouchers_and_Cards.html
//
//	GET https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=…
func (s *CardService) QRCode(ctx context.Context, ticket string) (image []byte, contentType string, err error) {
	u, err := s.QRCodeURL(ticket)
	if err != nil {
		return nil, "", err
	}
	body, ct, err := s.client.getRaw(ctx, "cgi-bin/showqrcode", u)
	if err != nil {
		return nil, "", err
	}
	if len(body) == 0 {
		return nil, "", &DecodeError{Op: "cgi-bin/showqrcode", ContentType: ct, Err: errors.New("empty image")}
	}
	return body, ct, nil
}
