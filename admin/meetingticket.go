package admin

import "context"

// MeetingTicketUpdate updates a user's meeting ticket (MEETING_TICKET
// card). Code is required, CardID for custom-code cards.
type MeetingTicketUpdate struct {
	Code       string `json:"code"`
	CardID     string `json:"card_id,omitempty"`
	Zone       string `json:"zone,omitempty"`
	Entrance   string `json:"entrance,omitempty"`
	SeatNumber string `json:"seat_number,omitempty"`
	BeginTime  int64  `json:"begin_time,omitempty"` // unix seconds
	EndTime    int64  `json:"end_time,omitempty"`
}

// UpdateUser updates a user's meeting ticket: zone, entrance, seat, time.
// params is a MeetingTicketUpdate or any value encoding to a JSON object
// with a "code".
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Cards_and_Offer/Special_ticket.html
//
//	POST /card/meetingticket/updateuser {"code","card_id"?,"zone","entrance","seat_number",…}
func (s *MeetingTicketService) UpdateUser(ctx context.Context, params any) error {
	return s.client.postUserCardUpdate(ctx, "card/meetingticket/updateuser", params)
}

func (p MeetingTicketUpdate) validate() error {
	return checkTimeRange("", p.BeginTime, p.EndTime)
}
