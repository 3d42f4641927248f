package admin

import (
	"context"
	"net/http"
	"testing"
)

func TestMovieTicketOperations(t *testing.T) {
	t.Parallel()
	runOps(t, []opCase{
		{
			name: "UpdateUser", method: http.MethodPost, path: "card/movieticket/updateuser", fixture: "ok.json",
			body: `{"code":"277834412301","card_id":"` + tCardID + `","ticket_class":"4D","show_time":1408493192,"duration":120,"screening_room":"5号影厅","seat_number":["5排14号","5排15号"]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.MovieTicket.UpdateUser(ctx, MovieTicketUpdate{Code: "277834412301", CardID: tCardID,
					TicketClass: "4D", ShowTime: 1408493192, Duration: 120, ScreeningRoom: "5号影厅", SeatNumber: []string{"5排14号", "5排15号"}})
			},
			errcode: 40056,
		},
	})
}
