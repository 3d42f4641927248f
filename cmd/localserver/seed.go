package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wxcard/wxcard/admin"
)

// seedResult says what seeding did, for the banner.
type seedResult struct {
	created  int
	approved int
	skipped  string // why nothing was created
}

func (r seedResult) String() string {
	switch {
	case r.skipped != "":
		return "none created: " + r.skipped
	case r.created == 0:
		return "not created"
	}
	return fmt.Sprintf("%d created for the demo (%d approved, %d left in review)", r.created, r.approved, r.created-r.approved)
}

// demoCard is one card the server creates in an empty emulator.
type demoCard struct {
	cardType string
	approve  bool
	attrs    map[string]any
}

// demoLogos are the demo brands' logos, served by the server itself at
// /demo/logo/{name}.svg so the demo needs no image host. The logo_url a card
// carries is that short URL: WeChat allows 128 bytes (and wants logos
// uploaded to mmbiz.qpic.cn), which rules out a data: URL.
var demoLogos = map[string]struct{ glyph, color string }{
	"coffee": {"咖", "#63b359"},
	"books":  {"书", "#509fc9"},
	"market": {"湖", "#9062c0"},
	"bakery": {"面", "#ee903c"},
}

// logoSVG draws a round logo with one glyph.
func logoSVG(glyph, color string) string {
	return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="32" fill="#fff"/>` +
		`<text x="32" y="43" font-size="30" font-weight="700" text-anchor="middle" fill="` + color + `" font-family="sans-serif">` + glyph + `</text></svg>`
}

// serveDemoLogo answers GET /demo/logo/{name}.svg.
func serveDemoLogo(w http.ResponseWriter, r *http.Request) {
	logo, ok := demoLogos[strings.TrimSuffix(r.PathValue("name"), ".svg")]
	if !ok || !strings.HasSuffix(r.PathValue("name"), ".svg") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "max-age=86400")
	io.WriteString(w, logoSVG(logo.glyph, logo.color))
}

func baseInfo(logoURL, brand, title, subTitle, color, notice, description, codeType string, quantity, getLimit int) map[string]any {
	return map[string]any{
		"logo_url":    logoURL,
		"brand_name":  brand,
		"title":       title,
		"sub_title":   subTitle,
		"color":       color,
		"notice":      notice,
		"description": description,
		"code_type":   codeType,
		"sku":         map[string]any{"quantity": quantity},
		"date_info":   map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30, "fixed_begin_term": 0},
		"get_limit":   getLimit,
		"can_share":   false,
	}
}

// demoCards are what a small merchant would issue: a cash voucher, a
// discount, a member card, and a gift still waiting for WeChat's review.
func demoCards(baseURL string) []demoCard {
	logo := func(name string) string { return baseURL + "/demo/logo/" + name + ".svg" }
	return []demoCard{
		{cardType: "CASH", approve: true, attrs: map[string]any{
			"base_info":   baseInfo(logo("coffee"), "湖畔咖啡", "10元代金券", "满50元可用", "Color010", "结账时出示券码", "满50元减10元，每人限领3张。", "CODE_TYPE_QRCODE", 500, 3),
			"least_cost":  5000,
			"reduce_cost": 1000,
		}},
		{cardType: "DISCOUNT", approve: true, attrs: map[string]any{
			"base_info": baseInfo(logo("books"), "北风书店", "全场8折券", "新书旧书都可用", "Color030", "付款前出示券码", "全场图书8折，特价书除外。", "CODE_TYPE_BARCODE", 200, 2),
			"discount":  20,
		}},
		{cardType: "MEMBER_CARD", approve: true, attrs: map[string]any{
			"base_info":      baseInfo(logo("market"), "湖畔集市", "湖畔会员卡", "积分当钱花", "Color050", "结账时出示会员卡", "消费1元积1分，100分抵1元。", "CODE_TYPE_QRCODE", 1000, 1),
			"prerogative":    "会员购物享95折，生日月双倍积分。",
			"supply_bonus":   true,
			"supply_balance": false,
		}},
		{cardType: "GIFT", approve: false, attrs: map[string]any{
			"base_info": baseInfo(logo("bakery"), "青柠面包", "免费可颂一个", "审核中", "Color080", "到店出示券码兑换", "凭券兑换黄油可颂一个。", "CODE_TYPE_TEXT", 100, 1),
			"gift":      "黄油可颂一个",
		}},
	}
}

// seedDemoCards creates the demo cards through the admin client, as a
// merchant's backend would, when the emulator has no cards at all; then
// approves them through the emulator's control route, as WeChat's reviewers
// would.
func seedDemoCards(ctx context.Context, client *admin.Client, baseURL string, log *slog.Logger) (seedResult, error) {
	emulatorURL := baseURL + "/wechat"
	var res seedResult
	list, err := client.Card.List(ctx, 0, 1)
	if err != nil {
		return res, fmt.Errorf("listing cards: %w", err)
	}
	if list.Total > 0 {
		res.skipped = fmt.Sprintf("the emulator already has %d cards", list.Total)
		return res, nil
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, c := range demoCards(baseURL) {
		id, err := client.Card.Create(ctx, admin.CardType(c.cardType), c.attrs)
		if err != nil {
			return res, fmt.Errorf("creating a %s card: %w", c.cardType, err)
		}
		res.created++
		if !c.approve {
			// With -auto-approve the emulator passed it already; the
			// banner counts what is really in review.
			if got, err := client.Card.Get(ctx, id); err == nil && got.BaseInfo.Status == admin.CardStatusVerifyOK {
				res.approved++
			}
			continue
		}
		if err := approve(ctx, hc, emulatorURL, id); err != nil {
			return res, err
		}
		res.approved++
	}
	log.Debug("demo cards created", "created", res.created, "approved", res.approved)
	return res, nil
}

// approve plays WeChat's reviewer: POST /emulator/v1/cards/{id}/approve.
func approve(ctx context.Context, hc *http.Client, emulatorURL, cardID string) error {
	u := emulatorURL + "/emulator/v1/cards/" + url.PathEscape(cardID) + "/approve"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader("{}"))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("approving %s: %w", cardID, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("approving %s: HTTP %d", cardID, resp.StatusCode)
	}
	return nil
}
