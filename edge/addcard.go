package edge

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/wxcard/wxcard/signer"
)

type addCardRequest struct {
	Cards []cardRequest `json:"cards"`
}

// serveAddCard signs a cardList for wx.addCard with the card api_ticket.
// Input is validated before the ticket is fetched, so bad requests never
// cost an upstream call.
func serveAddCard(ctx context.Context, s *settings, r *Request, res *Response) *apiError {
	var req addCardRequest
	if e := decodeBody(s, r, &req); e != nil {
		return e
	}
	switch {
	case len(req.Cards) == 0:
		return badRequest(CodeMissingCards, `"cards" must list at least one card`)
	case len(req.Cards) > s.maxCards:
		return badRequest(CodeTooManyCards, "at most "+strconv.Itoa(s.maxCards)+" cards per request, got "+strconv.Itoa(len(req.Cards)))
	}
	resolved, e := s.policy.resolveCards(req.Cards)
	if e != nil {
		return e
	}
	cards, err := signer.ValidateCards(resolved)
	if err != nil {
		var ve *signer.ValidationError
		if errors.As(err, &ve) && ve.Reason == signer.ReasonRequired && strings.HasSuffix(ve.Field, ".card_id") {
			return badRequest(CodeMissingCardID, ve.Field+" "+ve.Reason)
		}
		return invalidField(err)
	}
	if s.allowedCards != nil {
		for i, c := range resolved {
			if _, ok := s.allowedCards[c.CardID]; !ok {
				return cardNotAllowed("cards["+strconv.Itoa(i)+"].card_id", c.CardID)
			}
		}
	}
	ticket, err := s.tickets.CardTicket(ctx)
	if err != nil {
		return s.ticketUnavailable(ctx, "card api_ticket", err)
	}
	list, err := s.signer.AddValidCards(ticket, cards)
	if err != nil {
		return signingError(ctx, s, err)
	}
	buf := make([]byte, 0, 64+len(list)*256)
	buf = append(buf, `{"cardList":`...)
	buf = list.AppendJSON(buf)
	buf = append(buf, "}\n"...)
	writeJSON(res, statusOK, buf)
	return nil
}

// invalidField turns a signer validation error into a 400. The signer's
// messages name the field and the rule, never the value.
func invalidField(err error) *apiError {
	var ve *signer.ValidationError
	if errors.As(err, &ve) {
		return badRequest(CodeInvalidField, ve.Field+" "+ve.Reason)
	}
	return badRequest(CodeInvalidField, "the request has an invalid value")
}

// signingError handles a failure after the input was validated: the ticket
// itself was unusable (an upstream problem) or the nonce source failed.
func signingError(ctx context.Context, s *settings, err error) *apiError {
	var ve *signer.ValidationError
	if errors.As(err, &ve) && (ve.Field == "api_ticket" || ve.Field == "jsapi_ticket") {
		s.log.WarnContext(ctx, "edge: upstream returned an unusable ticket", "field", ve.Field, "reason", ve.Reason)
		return &apiError{status: statusBadGateway, code: CodeUpstreamUnavailable,
			message: "WeChat returned an unusable ticket"}
	}
	s.log.ErrorContext(ctx, "edge: signing failed", "error", err.Error())
	return &apiError{status: statusInternalServerError, code: CodeInternal, message: "signing failed"}
}
