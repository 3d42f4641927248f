package admin

import (
	"context"
	"net/http"
	"testing"
)

func TestGeneralCardOperations(t *testing.T) {
	t.Parallel()
	runOps(t, append(activationCases("generalcard", func(c *Client) activator { return c.GeneralCard }, 40071, 40056), []opCase{
		{
			name: "Activate/card_number", method: http.MethodPost, path: "card/generalcard/activate", fixture: "ok.json",
			body: `{"card_number":"824173711396","code":"824173711396","card_id":"` + tCardID + `","init_custom_field_value1":"100"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.GeneralCard.Activate(ctx, ActivateInfo{CardNumber: "824173711396", Code: "824173711396", CardID: tCardID, InitCustomFieldValue1: "100"})
			},
		},
		{
			name: "Deactivate", method: http.MethodPost, path: "card/generalcard/unactivate", fixture: "ok.json",
			body: `{"card_id":"` + tCardID + `","code":"110201201245"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.GeneralCard.Deactivate(ctx, DeactivateGeneralCardRequest{CardID: tCardID, Code: tCode})
			},
			errcode: 40127,
		},
	}...))
}

func TestGeneralCardValidation(t *testing.T) {
	t.Parallel()
	runValidation(t, []validationCase{
		{"Activate/no number", "membership_number", func(ctx context.Context, c *Client) error {
			return c.GeneralCard.Activate(ctx, ActivateInfo{Code: tCode})
		}},
		{"Activate/no code", "code", func(ctx context.Context, c *Client) error {
			return c.GeneralCard.Activate(ctx, ActivateInfo{CardNumber: "1"})
		}},
		{"Deactivate/no card", "card_id", func(ctx context.Context, c *Client) error {
			return c.GeneralCard.Deactivate(ctx, DeactivateGeneralCardRequest{Code: tCode})
		}},
		{"Deactivate/no code", "code", func(ctx context.Context, c *Client) error {
			return c.GeneralCard.Deactivate(ctx, DeactivateGeneralCardRequest{CardID: tCardID})
		}},
		{"UpdateUser/no code", "code", func(ctx context.Context, c *Client) error {
			return errOf(c.GeneralCard.UpdateUser(ctx, UpdateUserInfo{CardID: tCardID}))
		}},
	})
}
