package edge

import (
	"net/http"

	"github.com/wxcard/wxcard/signer"
)

// serveChooseCard signs wx.chooseCard parameters with the card api_ticket.
// Every field is optional (an empty one widens the choice); the card id
// allow-list applies only when a card_id is given.
func serveChooseCard(s *settings, w http.ResponseWriter, r *http.Request) *apiError {
	var req chooseCardRequest
	if e := decodeBody(s, w, r, &req); e != nil {
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
			return &apiError{status: http.StatusForbidden, code: CodeCardNotAllowed,
				message: "card_id " + quoteForMessage(req.CardID) + " is not one this service signs"}
		}
	}
	ticket, err := s.tickets.CardTicket(r.Context())
	if err != nil {
		s.logTicketFailure(r, "card api_ticket", err)
		return upstreamError(r.Context(), err, "card api_ticket")
	}
	params, err := s.signer.ChooseCard(ticket, sreq)
	if err != nil {
		return signingError(s, r, err)
	}
	buf := params.AppendJSON(make([]byte, 0, 256))
	writeJSON(w, http.StatusOK, append(buf, '\n'))
	return nil
}
