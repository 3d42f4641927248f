package admin

import (
	"context"
	"net/http"
	"testing"
)

func TestMeetingTicketOperations(t *testing.T) {
	t.Parallel()
	runOps(t, []opCase{
		{
			name: "UpdateUser", method: http.MethodPost, path: "card/meetingticket/updateuser", fixture: "ok.json",
			body: `{"code":"717523732898","card_id":"` + tCardID + `","zone":"C区","entrance":"东北门","seat_number":"2排15号","begin_time":1448006400,"end_time":1448013600}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.MeetingTicket.UpdateUser(ctx, &MeetingTicketUpdate{Code: "717523732898", CardID: tCardID,
					Zone: "C区", Entrance: "东北门", SeatNumber: "2排15号", BeginTime: 1448006400, EndTime: 1448013600})
			},
			errcode: 40071,
		},
	})
}
