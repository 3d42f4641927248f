package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/events"
)

// The emulator pushes card events to a server URL the way WeChat does, here
// in safe mode, and retries a push whose answer was lost: the handler runs
// the callback once.
func ExampleNewHandler_emulator() {
	const (
		appID, secret = "wx2c2769f8efd9abc2", "dev-secret"
		token         = "pushToken1"
		aesKey        = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	)
	received := make(chan events.CardEvent, 10)
	h, err := events.NewHandler(token, func(ctx context.Context, msg *events.Message) error {
		if ev, err := msg.CardEvent(); err == nil {
			received <- ev
		}
		return nil
	}, events.WithSafeMode(aesKey, appID))
	if err != nil {
		log.Fatal(err)
	}
	backend := httptest.NewServer(h)
	defer backend.Close()

	emu, err := emulator.New(emulator.WithApp(appID, secret), emulator.WithAutoApprove(true))
	if err != nil {
		log.Fatal(err)
	}
	wechat := httptest.NewServer(emu)
	defer wechat.Close()
	ctx := context.Background()
	err = emu.SetPushConfig(ctx, appID, emulator.PushConfig{URL: backend.URL, Token: token, EncodingAESKey: aesKey, Mode: emulator.PushSafe})
	if err != nil {
		log.Fatal(err)
	}
	emu.SetPushFaults(emulator.PushFaults{LoseAnswers: 1})

	// The merchant creates a card; with auto-approve it passes review at
	// once and card_pass_check is pushed.
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	postJSON(wechat.URL+"/cgi-bin/stable_token", map[string]string{"grant_type": "client_credential", "appid": appID, "secret": secret}, &tok)
	var created struct{ Errcode int }
	postJSON(wechat.URL+"/card/create?access_token="+tok.AccessToken, map[string]any{"card": map[string]any{
		"card_type": "GENERAL_COUPON", "general_coupon": map[string]any{"default_detail": "满100减10", "base_info": map[string]any{
			"logo_url": "http://mmbiz.qpic.cn/logo.png", "brand_name": "咖啡店", "code_type": "CODE_TYPE_QRCODE",
			"title": "十元券", "color": "Color010", "notice": "出示二维码", "description": "每人限领一张",
			"sku": map[string]any{"quantity": 10}, "date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30},
		}},
	}}, &created)
	fmt.Println("errcode:", created.Errcode)

	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := emu.WaitPushes(wctx); err != nil {
		log.Fatal(err)
	}
	for _, p := range emu.Pushes(appID) {
		fmt.Println(p.Event, p.Status, len(p.Attempts), "attempts")
	}
	close(received)
	for ev := range received {
		fmt.Printf("callback: %s for card %s\n", ev.EventType(), ev.(*events.CardPassCheck).CardID[:1])
	}
	// Output:
	// errcode: 0
	// card_pass_check delivered 2 attempts
	// callback: card_pass_check for card p
}

func postJSON(u string, body, out any) {
	data, err := json.Marshal(body)
	if err != nil {
		log.Fatal(err)
	}
	res, err := http.Post(u, "application/json", bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			log.Fatal(err)
		}
	}
}
