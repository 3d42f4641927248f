package admin

import (
	"context"

	"github.com/wxcard/wxcard/signer"
)

// AddCard builds the cardList for wx.addCard: every card signed with the
// cached card api_ticket, each with its own nonce.
func (s *JSSDKService) AddCard(ctx context.Context, cards []signer.Card) (signer.CardList, error) {
	if ctx == nil {
		return nil, invalidArg("ctx", "is nil")
	}
	// Validate before fetching anything: bad input must not cost a ticket.
	valid, err := signer.ValidateCards(cards)
	if err != nil {
		return nil, fromSigner(err)
	}
	ticket, err := s.client.CardTicket(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.client.signer.AddValidCards(ticket, valid)
	return list, fromSigner(err)
}

// Config builds the wx.config parameters for a page, signed with the cached
// jsapi_ticket. req.AppID may be left empty; it is the client's.
func (s *JSSDKService) Config(ctx context.Context, req signer.JSConfigRequest) (signer.JSConfig, error) {
	return signWithTicket(ctx, s.client, &req, &req.AppID, s.client.JSAPITicket, s.client.signer.JSConfig)
}

// ChooseCard builds the wx.chooseCard parameters, signed with the cached
// card api_ticket. req.AppID may be left empty; it is the client's.
func (s *JSSDKService) ChooseCard(ctx context.Context, req signer.ChooseCardRequest) (signer.ChooseCardParams, error) {
	return signWithTicket(ctx, s.client, &req, &req.AppID, s.client.CardTicket, s.client.signer.ChooseCard)
}

// signWithTicket is Config and ChooseCard, which differ only in the request,
// the ticket and the signer method. The request is validated before the
// ticket is fetched: bad input must not cost a ticket. appID points into
// *req, so the client's app id filled in is the one signed.
func signWithTicket[Req interface{ Validate() error }, P any](ctx context.Context, c *Client, req *Req, appID *string,
	ticket func(context.Context) (string, error), sign func(string, Req) (P, error)) (P, error) {
	var zero P
	if ctx == nil {
		return zero, invalidArg("ctx", "is nil")
	}
	if err := c.ownAppID(appID); err != nil {
		return zero, err
	}
	if err := (*req).Validate(); err != nil {
		return zero, fromSigner(err)
	}
	t, err := ticket(ctx)
	if err != nil {
		return zero, err
	}
	p, err := sign(t, *req)
	return p, fromSigner(err)
}

// ownAppID fills an empty app id with the client's and refuses another
// one: a payload signed for a different app can never verify.
func (c *Client) ownAppID(appID *string) error {
	switch *appID {
	case "":
		*appID = c.appID
	case c.appID:
	default:
		return invalidArg("app_id", "differs from the client's app id")
	}
	return nil
}
