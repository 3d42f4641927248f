package admin

import (
	"context"
	"errors"

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
		var se *signer.ValidationError
		if errors.As(err, &se) {
			return nil, invalidArg(se.Field, se.Reason)
		}
		return nil, err
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
	if ctx == nil {
		return signer.JSConfig{}, invalidArg("ctx", "is nil")
	}
	if err := s.client.ownAppID(&req.AppID); err != nil {
		return signer.JSConfig{}, err
	}
	if err := req.Validate(); err != nil {
		return signer.JSConfig{}, fromSigner(err)
	}
	ticket, err := s.client.JSAPITicket(ctx)
	if err != nil {
		return signer.JSConfig{}, err
	}
	cfg, err := s.client.signer.JSConfig(ticket, req)
	return cfg, fromSigner(err)
}

// ChooseCard builds the wx.chooseCard parameters, signed with the cached
// card api_ticket. req.AppID may be left empty; it is the client's.
func (s *JSSDKService) ChooseCard(ctx context.Context, req signer.ChooseCardRequest) (signer.ChooseCardParams, error) {
	if ctx == nil {
		return signer.ChooseCardParams{}, invalidArg("ctx", "is nil")
	}
	if err := s.client.ownAppID(&req.AppID); err != nil {
		return signer.ChooseCardParams{}, err
	}
	if err := req.Validate(); err != nil {
		return signer.ChooseCardParams{}, fromSigner(err)
	}
	ticket, err := s.client.CardTicket(ctx)
	if err != nil {
		return signer.ChooseCardParams{}, err
	}
	p, err := s.client.signer.ChooseCard(ticket, req)
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
