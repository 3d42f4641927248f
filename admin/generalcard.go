package admin

import "context"

// Activate activates a general card (GENERAL_CARD) a user has received;
// the fields are those of a member card, with CardNumber accepted in place
// of MembershipNumber.
//
//	POST /card/generalcard/activate {"membership_number","code","card_id"?,…}
func (s *GeneralCardService) Activate(ctx context.Context, info ActivateInfo) error {
	if err := info.validate(true); err != nil {
		return err
	}
	return s.client.post(ctx, "card/generalcard/activate", info, nil, writeCall)
}

// DeactivateGeneralCardRequest names the general card GeneralCard.Deactivate
// deactivates. Both fields are required.
type DeactivateGeneralCardRequest struct {
	CardID string `json:"card_id"`
	Code   string `json:"code"`
}

// Deactivate undoes Activate (WeChat spells the path "unactivate").
//
//	POST /card/generalcard/unactivate {"card_id","code"}
func (s *GeneralCardService) Deactivate(ctx context.Context, req DeactivateGeneralCardRequest) error {
	if err := checkID("card_id", req.CardID); err != nil {
		return err
	}
	if err := checkID("code", req.Code); err != nil {
		return err
	}
	return s.client.post(ctx, "card/generalcard/unactivate", req, nil, writeCall)
}

// UpdateUser changes an activated general card's points, balance or
// custom values.
//
//	POST /card/generalcard/updateuser {"code","card_id",…}
func (s *GeneralCardService) UpdateUser(ctx context.Context, info UpdateUserInfo) (*UpdateUserResult, error) {
	if err := info.validate(); err != nil {
		return nil, err
	}
	return postFor[UpdateUserResult](ctx, s.client, "card/generalcard/updateuser", info, writeCall)
}
