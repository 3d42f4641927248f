package edge

import (
	"context"

	"github.com/wxcard/wxcard/signer"
)

// serveChooseCard signs wx.chooseCard parameters with the card api_ticket.
// Every field is optional (an empty one widens the choice); the card id
// allow-list applies only when a card_id is given.
func serveChooseCard(ctx context.Context, s *settings, r *Request, res *Response) *apiError {
	var req chooseCardRequest
	if e := decodeBody(s, r, &req); e != nil {
		return e
	}
	req, e := s.policy.resolveChooseCard(req)
	if e != nil {
		return e
	}
	sreq := signer.ChooseCardRequest{AppID: s.appID, ShopID: req.ShopID, CardType: req.CardType, CardID: req.CardID}
	if err := sreq.Validate(); err != nil {
		return invalidField(err)
	}
	if req.CardID != "" && s.allowedCards != nil {
		if _, ok := s.allowedCards[req.CardID]; !ok {
			return cardNotAllowed("card_id", req.CardID)
		}
	}
	ticket, err := s.tickets.CardTicket(ctx)
	if err != nil {
		return s.ticketUnavailable(ctx, "card api_ticket", err)
	}
	params, err := s.signer.ChooseCard(ticket, sreq)
	if err != nil {
		return signingError(ctx, s, err)
	}
	buf := params.AppendJSON(make([]byte, 0, 256))
	writeJSON(res, statusOK, append(buf, '\n'))
	return nil
}
