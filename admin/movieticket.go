package admin

import "context"

// MovieTicketUpdate updates a user's movie ticket (MOVIE_TICKET card).
// Code is required, CardID for custom-code cards.
type MovieTicketUpdate struct {
	Code          string   `json:"code"`
	CardID        string   `json:"card_id,omitempty"`
	TicketClass   string   `json:"ticket_class,omitempty"`
	ShowTime      int64    `json:"show_time,omitempty"` // unix seconds
	Duration      int      `json:"duration,omitempty"`  // minutes
	ScreeningRoom string   `json:"screening_room,omitempty"`
	SeatNumber    []string `json:"seat_number,omitempty"`
}

// UpdateUser updates a user's movie ticket: showing, room, seats. params
// is a MovieTicketUpdate or any value encoding to a JSON object with a
// "code".
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Special_ticket.html
//
//	POST /card/movieticket/updateuser {"code","card_id"?,"ticket_class","show_time","duration",…}
func (s *MovieTicketService) UpdateUser(ctx context.Context, params any) error {
	return s.client.postUserCardUpdate(ctx, "card/movieticket/updateuser", params)
}

func (p MovieTicketUpdate) validate() error {
	if p.ShowTime < 0 {
		return invalidArg("show_time", "must not be negative")
	}
	if p.Duration < 0 {
		return invalidArg("duration", "must not be negative")
	}
	return nil
}
