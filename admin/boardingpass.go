package admin

import (
	"context"
	"encoding/json"
)

// BoardingPassCheckin updates a boarding pass (BOARDING_PASS card) at
// check-in. Code is required, CardID for custom-code cards.
type BoardingPassCheckin struct {
	Code          string `json:"code"`
	CardID        string `json:"card_id,omitempty"`
	PassengerName string `json:"passenger_name,omitempty"`
	Class         string `json:"class,omitempty"`
	Seat          string `json:"seat,omitempty"`
	ETKTBNR       string `json:"etkt_bnr,omitempty"` // e-ticket number
	QRCodeData    string `json:"qrcode_data,omitempty"`
	Gate          string `json:"gate,omitempty"`
	BoardingTime  int64  `json:"boarding_time,omitempty"`
	IsCancel      bool   `json:"is_cancel,omitempty"`
}

// Checkin updates a boarding pass at check-in: seat, class, boarding
// QR code. params is a BoardingPassCheckin or any value encoding to a JSON
// object with a "code".
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Special_ticket.html
//
//	POST /card/boardingpass/checkin {"code","card_id"?,"passenger_name","class","seat","etkt_bnr",…}
func (s *BoardingPassService) Checkin(ctx context.Context, params any) error {
	return s.client.postUserCardUpdate(ctx, "card/boardingpass/checkin", params)
}

// postUserCardUpdate sends an open-ended update of one user card after
// checking it encodes to an object naming a code.
func (c *Client) postUserCardUpdate(ctx context.Context, path string, params any) error {
	obj, err := encodeObject("params", params)
	if err != nil {
		return err // also a nil pointer, which encodes to null
	}
	// The typed updates (MeetingTicketUpdate…) check their own fields.
	if v, ok := params.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return err
		}
	}
	var ids struct {
		Code   any `json:"code"`
		CardID any `json:"card_id"`
	}
	if err := json.Unmarshal(obj, &ids); err != nil {
		return invalidArg("params", "is not a JSON object")
	}
	code, ok := ids.Code.(string)
	if !ok {
		return invalidArg("code", "is required (a string)")
	}
	if err := checkID("code", code); err != nil {
		return err
	}
	if ids.CardID != nil {
		cardID, ok := ids.CardID.(string)
		if !ok {
			return invalidArg("card_id", "must be a string")
		}
		if err := checkOptionalID("card_id", cardID); err != nil {
			return err
		}
	}
	return c.post(ctx, path, obj, nil, writeCall)
}
