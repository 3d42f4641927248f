package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

func TestBoardingPassOperations(t *testing.T) {
	t.Parallel()
	runOps(t, []opCase{
		{
			name: "Checkin/typed", method: http.MethodPost, path: "card/boardingpass/checkin", fixture: "ok.json",
			body: `{"code":"198374613512","card_id":"` + tCardID + `","passenger_name":"乘客","class":"头等舱","seat":"1B","etkt_bnr":"180000000000","qrcode_data":"M1LIU/XIAO E4F3A1B CANPEKCZ 3105 128Y001A0008 100","boarding_time":1434507600}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.BoardingPass.Checkin(ctx, BoardingPassCheckin{Code: "198374613512", CardID: tCardID,
					PassengerName: "乘客", Class: "头等舱", Seat: "1B", ETKTBNR: "180000000000",
					QRCodeData: "M1LIU/XIAO E4F3A1B CANPEKCZ 3105 128Y001A0008 100", BoardingTime: 1434507600})
			},
			errcode: 40071,
		},
		{
			name: "Checkin/cancel map", method: http.MethodPost, path: "card/boardingpass/checkin", fixture: "ok.json",
			body: `{"code":"198374613512","is_cancel":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.BoardingPass.Checkin(ctx, map[string]any{"code": "198374613512", "is_cancel": true})
			},
		},
	})
}

func TestUserCardUpdateValidation(t *testing.T) {
	t.Parallel()
	var nilPass *BoardingPassCheckin
	var nilMeeting *MeetingTicketUpdate
	runValidation(t, []validationCase{
		{"Checkin/nil", "params", func(ctx context.Context, c *Client) error { return c.BoardingPass.Checkin(ctx, nil) }},
		{"Checkin/nil pointer", "params", func(ctx context.Context, c *Client) error { return c.BoardingPass.Checkin(ctx, nilPass) }},
		{"Checkin/no code", "code", func(ctx context.Context, c *Client) error {
			return c.BoardingPass.Checkin(ctx, BoardingPassCheckin{CardID: tCardID, Seat: "1A"})
		}},
		{"Checkin/numeric code", "code", func(ctx context.Context, c *Client) error {
			return c.BoardingPass.Checkin(ctx, json.RawMessage(`{"code":123}`))
		}},
		{"Checkin/numeric card_id", "card_id", func(ctx context.Context, c *Client) error {
			return c.BoardingPass.Checkin(ctx, map[string]any{"code": "1", "card_id": 5})
		}},
		{"Checkin/string", "params", func(ctx context.Context, c *Client) error { return c.BoardingPass.Checkin(ctx, "code") }},
		{"Meeting/nil pointer", "params", func(ctx context.Context, c *Client) error {
			return c.MeetingTicket.UpdateUser(ctx, nilMeeting)
		}},
		{"Meeting/end before begin", "end_time", func(ctx context.Context, c *Client) error {
			return c.MeetingTicket.UpdateUser(ctx, &MeetingTicketUpdate{Code: "1", BeginTime: 20, EndTime: 10})
		}},
		{"Meeting/no code", "code", func(ctx context.Context, c *Client) error {
			return c.MeetingTicket.UpdateUser(ctx, MeetingTicketUpdate{Zone: "C"})
		}},
		{"Movie/negative duration", "duration", func(ctx context.Context, c *Client) error {
			return c.MovieTicket.UpdateUser(ctx, MovieTicketUpdate{Code: "1", Duration: -1})
		}},
		{"Movie/no code", "code", func(ctx context.Context, c *Client) error {
			return c.MovieTicket.UpdateUser(ctx, map[string]any{"card_id": tCardID})
		}},
	})
}
