package main

import (
	"context"
	"strings"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/signer"
)

func runTicket(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("ticket", "wxcard ticket [--type wx_card|jsapi] [--show] [--refresh]",
		`Fetches an api ticket through the cache (--store) and prints it masked:
the card api_ticket (wx_card: signs cardExt and cardSign) by default, or the
jsapi ticket (signs wx.config). --show prints the whole value; keep it out
of logs and shared terminals.`)
	typ := fs.String("type", string(admin.TicketWXCard), "wx_card or jsapi")
	show := fs.Bool("show", false, "print the whole ticket instead of a masked one")
	refresh := fs.Bool("refresh", false, "fetch a new ticket even if the cached one is fresh")
	if _, err := parseCommand(fs, args, 0, 0); err != nil {
		return err
	}
	var get func(context.Context) (string, error)
	a, err := func() (*app, error) {
		switch admin.TicketType(*typ) {
		case admin.TicketWXCard, admin.TicketJSAPI:
		default:
			return nil, usagef("ticket: --type %q: want wx_card or jsapi", *typ)
		}
		return inv.open(ctx)
	}()
	if err != nil {
		return err
	}
	defer a.close()
	switch {
	case admin.TicketType(*typ) == admin.TicketWXCard && *refresh:
		get = a.client.RefreshCardTicket
	case admin.TicketType(*typ) == admin.TicketWXCard:
		get = a.client.CardTicket
	case *refresh:
		get = a.client.RefreshJSAPITicket
	default:
		get = a.client.JSAPITicket
	}
	ticket, err := get(ctx)
	if err != nil {
		return err
	}
	shown := mask(ticket)
	if *show {
		shown = ticket
	}
	inv.output(map[string]any{"type": *typ, "appid": a.client.AppID(), "ticket": shown, "masked": !*show}, func() {
		inv.printf("%s\n", shown)
		if !*show {
			inv.note("(masked; --show prints it)\n")
		}
	})
	return nil
}

func runSignAddCard(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("sign addcard", "wxcard sign addcard --card ID [--code C] [--openid O] [--outer-str S]",
		`Signs one wx.addCard cardList item with the current card api_ticket and
prints it: {"cardId","cardExt"}, ready for wx.addCard({cardList:[…]}).`)
	card := signer.Card{}
	fs.StringVar(&card.CardID, "card", "", "card `id` (required)")
	fs.StringVar(&card.Code, "code", "", "the code (custom-code cards)")
	fs.StringVar(&card.OpenID, "openid", "", "bind the card to this user")
	fs.StringVar(&card.OuterStr, "outer-str", "", "attribution string returned in the user_get_card event")
	fs.Int64Var(&card.FixedBeginTimestamp, "fixed-begin", 0, "fixed_begintimestamp (unix seconds)")
	if _, err := parseCommand(fs, args, 0, 0); err != nil {
		return err
	}
	if card.CardID == "" {
		return usagef("sign addcard: --card is required")
	}
	if err := signer.ValidateCard(card); err != nil {
		return err
	}
	list, err := withClient(ctx, inv, func(c *admin.Client) (signer.CardList, error) { return c.JSSDK.AddCard(ctx, []signer.Card{card}) })
	if err != nil {
		return err
	}
	inv.writeJSON(list[0])
	return nil
}

func runSignChooseCard(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("sign choosecard", "wxcard sign choosecard [--card ID] [--card-type T] [--shop-id S]",
		"Signs wx.chooseCard parameters with the current card api_ticket and prints them.")
	var req signer.ChooseCardRequest
	fs.StringVar(&req.CardID, "card", "", "only this card `id`")
	fs.StringVar(&req.CardType, "card-type", "", "only cards of this type (GROUPON, CASH…)")
	fs.StringVar(&req.ShopID, "shop-id", "", "only cards usable in this shop")
	if _, err := parseCommand(fs, args, 0, 0); err != nil {
		return err
	}
	p, err := withClient(ctx, inv, func(c *admin.Client) (signer.ChooseCardParams, error) { return c.JSSDK.ChooseCard(ctx, req) })
	if err != nil {
		return err
	}
	inv.writeJSON(p)
	return nil
}

func runSignJSConfig(ctx context.Context, inv *invocation, args []string) error {
	fs := inv.flagSet("sign jsconfig", "wxcard sign jsconfig --url URL [--apis addCard,chooseCard]",
		"Signs wx.config for a page with the current jsapi ticket and prints the parameters.\nThe URL is the page's location.href; its #fragment is not signed.")
	var req signer.JSConfigRequest
	fs.StringVar(&req.URL, "url", "", "the page `URL` (required)")
	apis := fs.String("apis", "addCard,chooseCard", "comma-separated jsApiList")
	if _, err := parseCommand(fs, args, 0, 0); err != nil {
		return err
	}
	if req.URL == "" {
		return usagef("sign jsconfig: --url is required")
	}
	for _, api := range strings.Split(*apis, ",") {
		if api = strings.TrimSpace(api); api != "" {
			req.JSAPIList = append(req.JSAPIList, api)
		}
	}
	cfg, err := withClient(ctx, inv, func(c *admin.Client) (signer.JSConfig, error) { return c.JSSDK.Config(ctx, req) })
	if err != nil {
		return err
	}
	inv.writeJSON(cfg)
	return nil
}
