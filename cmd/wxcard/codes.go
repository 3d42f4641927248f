package main

import (
	"context"
	"strings"

	"github.com/wxcard/wxcard/admin"
)

func runCodesCheck(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("codes check", "wxcard codes check --card ID (CODE… | --file FILE [--column N|NAME])",
		"Tells which codes are deposited for the card (card/code/checkcode, 100 per call).\nExit status 0 whether or not they are.")
	cardID := fs.String("card", "", "card `id` (required)")
	file := fs.String("file", "", "read the codes from this `file` (one per line, or a CSV column)")
	column := fs.String("column", "", "with --file: the CSV `column` (1-based number or header name)")
	rest, err := parseCommand(fs, args, 0, -1)
	if err != nil {
		return err
	}
	if *cardID == "" {
		return usagef("codes check: --card is required")
	}
	codes := rest
	if *file != "" {
		if len(rest) > 0 {
			return usagef("codes check: give codes or --file, not both")
		}
		list, err := readCodesFile("codes check", *file, *column)
		if err != nil {
			return err
		}
		codes = list.codes
	}
	if len(codes) == 0 {
		return usagef("codes check: no codes given")
	}
	res, err := withClient(ctx, inv, func(c *admin.Client) (*admin.CheckResult, error) { return c.Code.Check(ctx, *cardID, codes) })
	if err != nil {
		return err
	}
	inv.output(map[string]any{"card_id": *cardID, "exist": res.Exist, "not_exist": res.NotExist, "unchecked": res.Unchecked}, func() {
		inv.printf("%d deposited, %d not deposited", len(res.Exist), len(res.NotExist))
		if len(res.Unchecked) > 0 {
			inv.printf(", %d unchecked", len(res.Unchecked))
		}
		inv.printf("\n")
		if len(codes) <= 100 {
			for _, c := range res.Exist {
				inv.printf("  deposited      %s\n", c)
			}
			for _, c := range res.NotExist {
				inv.printf("  not deposited  %s\n", c)
			}
		}
	})
	return nil
}

func runCodesCount(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("codes count", "wxcard codes count --card ID", "How many codes are deposited for the card (card/code/getdepositcount).")
	cardID := fs.String("card", "", "card `id` (required)")
	if _, err := parseCommand(fs, args, 0, 0); err != nil {
		return err
	}
	if *cardID == "" {
		return usagef("codes count: --card is required")
	}
	n, err := withClient(ctx, inv, func(c *admin.Client) (int, error) { return c.Code.DepositedCount(ctx, *cardID) })
	if err != nil {
		return err
	}
	inv.output(map[string]any{"card_id": *cardID, "count": n}, func() { inv.printf("%d\n", n) })
	return nil
}

func runCodeGet(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("code get", "wxcard code get [--card ID] [--check-consume] CODE",
		"Looks a code up (card/code/get): its card, owner, status and whether it can be consumed.\n--card is needed for custom-code cards.")
	cardID := fs.String("card", "", "card `id` (required for custom-code cards)")
	checkConsume := fs.Bool("check-consume", false, "make WeChat answer an error when the code cannot be consumed now")
	rest, err := parseCommand(fs, args, 1, 1)
	if err != nil {
		return err
	}
	info, err := withClient(ctx, inv, func(c *admin.Client) (*admin.CodeInfo, error) {
		return c.Code.Get(ctx, admin.GetCodeRequest{Code: rest[0], CardID: *cardID, CheckConsume: *checkConsume})
	})
	if err != nil {
		return err
	}
	inv.output(info, func() {
		inv.printf("code         %s\ncard         %s\nopenid       %s\nstatus       %s\nconsumable   %t\n",
			rest[0], info.Card.CardID, info.OpenID, info.UserCardStatus, info.CanConsume)
		if info.OuterStr != "" {
			inv.printf("outer_str    %s\n", info.OuterStr)
		}
	})
	return nil
}

func runCodeConsume(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("code consume", "wxcard code consume [--card ID] CODE",
		`Marks a code as used (card/code/consume, 核销). It is never repeated on a
network error: WeChat may have consumed the code before the answer was
lost. Run "wxcard code get CODE" to see whether it is CONSUMED before trying
again (a second consume answers errcode 40099).`)
	cardID := fs.String("card", "", "card `id` (required for custom-code cards)")
	rest, err := parseCommand(fs, args, 1, 1)
	if err != nil {
		return err
	}
	res, err := withClient(ctx, inv, func(c *admin.Client) (*admin.ConsumeResult, error) {
		return c.Code.Consume(ctx, admin.ConsumeCodeRequest{Code: rest[0], CardID: *cardID})
	})
	if err != nil {
		if transient(err) {
			inv.note("wxcard: the answer was lost; the code may be consumed: check with wxcard code get %s\n", strings.TrimSpace(rest[0]))
		}
		return err
	}
	inv.output(map[string]any{"code": rest[0], "card_id": res.CardID, "openid": res.OpenID, "consumed": true}, func() {
		inv.printf("consumed %s (card %s, openid %s)\n", rest[0], res.CardID, res.OpenID)
	})
	return nil
}
