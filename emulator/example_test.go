package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

// post sends a JSON body and decodes the JSON answer into out.
func post(u string, body, out any) {
	data, _ := json.Marshal(body)
	res, err := http.Post(u, "application/json", bytes.NewReader(data))
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	json.NewDecoder(res.Body).Decode(out)
}

// createCoupon creates a ten-yuan coupon through card/create (createURL
// carries the access_token) and returns its card_id; the examples about
// what happens to a card start from this one.
func createCoupon(createURL string) string {
	var created struct {
		CardID string `json:"card_id"`
	}
	post(createURL, map[string]any{"card": map[string]any{"card_type": "GENERAL_COUPON", "general_coupon": map[string]any{
		"default_detail": "满100减10",
		"base_info": map[string]any{
			"logo_url": "http://mmbiz.qpic.cn/logo.png", "brand_name": "咖啡店", "code_type": "CODE_TYPE_QRCODE",
			"title": "十元券", "color": "Color010", "notice": "出示二维码", "description": "每人限领一张",
			"sku":       map[string]any{"quantity": 100},
			"date_info": map[string]any{"type": "DATE_TYPE_FIX_TERM", "fixed_term": 30},
		},
	}}}, &created)
	return created.CardID
}

// The whole flow against the emulator with plain HTTP: a token, a coupon,
// its review, the simulated phone adding it, and the code consumed twice.
func Example() {
	clock := func() time.Time { return time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) }
	emu, _ := emulator.New(emulator.WithApp("wx0123456789abcdef", "dev-secret"), emulator.WithClock(clock))
	srv := httptest.NewServer(emu)
	defer srv.Close()

	var tok struct {
		AccessToken string `json:"access_token"`
	}
	post(srv.URL+"/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": "wx0123456789abcdef", "secret": "dev-secret"}, &tok)
	api := func(path string) string {
		return srv.URL + "/" + path + "?access_token=" + url.QueryEscape(tok.AccessToken)
	}

	cardID := createCoupon(api("card/create"))
	var review map[string]string
	post(srv.URL+"/emulator/v1/cards/"+cardID+"/approve", nil, &review)
	fmt.Println("review:", review["status"])

	res, _ := http.Get(api("cgi-bin/ticket/getticket") + "&type=wx_card")
	var ticket struct {
		Ticket string `json:"ticket"`
	}
	json.NewDecoder(res.Body).Decode(&ticket)
	res.Body.Close()

	s, _ := signer.New(signer.WithClock(emu.Now))
	cardList, _ := s.AddCard(ticket.Ticket, []signer.Card{{CardID: cardID}})
	var added emulator.WalletResponse
	post(srv.URL+"/emulator/v1/wallet/add", map[string]any{"openid": "oUser", "cardList": cardList}, &added)
	fmt.Println("wallet:", added.ErrMsg)

	var consumed struct {
		Errcode int    `json:"errcode"`
		OpenID  string `json:"openid"`
	}
	post(api("card/code/consume"), map[string]any{"code": added.CardList[0].Code}, &consumed)
	fmt.Println("consume:", consumed.Errcode, consumed.OpenID)
	consumed.OpenID = ""
	post(api("card/code/consume"), map[string]any{"code": added.CardList[0].Code}, &consumed)
	fmt.Println("again:", consumed.Errcode)
	// Output:
	// review: CARD_STATUS_VERIFY_OK
	// wallet: addCard:ok
	// consume: 0 oUser
	// again: 40099
}

// Mounted under a prefix, with WithPublicURL naming where it is reachable.
func ExampleWithPublicURL() {
	emu, _ := emulator.New(emulator.WithPublicURL("http://127.0.0.1:8080/wechat"))
	mux := http.NewServeMux()
	mux.Handle("/wechat/", http.StripPrefix("/wechat", emu))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/wechat/card/getcolors", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output:
	// 200 {"errcode":41001,"errmsg":"access_token missing"}
}

// A snapshot file keeps the state across restarts; each change is
// committed before it is answered, and the file is locked until Close.
func ExampleWithSnapshotFile() {
	dir, err := os.MkdirTemp("", "emulator-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "emulator.db")

	first, err := emulator.New(emulator.WithSnapshotFile(path))
	if err != nil {
		panic(err)
	}
	appID, _ := first.DevApp()
	_, err = emulator.New(emulator.WithSnapshotFile(path))
	fmt.Println("second emulator on the same file:", errors.Is(err, emulator.ErrSnapshotInUse))
	first.Close()

	again, err := emulator.New(emulator.WithSnapshotFile(path))
	if err != nil {
		panic(err)
	}
	defer again.Close()
	kept, _ := again.DevApp()
	fmt.Println("dev app kept:", kept == appID)
	// Output:
	// second emulator on the same file: true
	// dev app kept: true
}

// Card events pushed to a server URL, here a bare handler that prints what
// arrives in plaintext mode; WaitPushes returns once it has.
func ExampleEmulator_SetPushConfig() {
	received := make(chan string, 4)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		received <- fmt.Sprintf("signature=%t %s", r.URL.Query().Get("signature") != "", strings.Split(strings.Split(string(body), "<Event><![CDATA[")[1], "]")[0])
		io.WriteString(w, "success")
	}))
	defer backend.Close()
	emu, _ := emulator.New(emulator.WithApp("wx0123456789abcdef", "dev-secret"))
	ctx := context.Background()
	err := emu.SetPushConfig(ctx, "wx0123456789abcdef", emulator.PushConfig{URL: backend.URL, Token: "token123", Mode: emulator.PushPlaintext})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	post(srv.URL+"/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": "wx0123456789abcdef", "secret": "dev-secret"}, &tok)
	cardID := createCoupon(srv.URL + "/card/create?access_token=" + url.QueryEscape(tok.AccessToken))
	if err := emu.Reject(ctx, "wx0123456789abcdef", cardID); err != nil {
		panic(err)
	}
	if err := emu.WaitPushes(ctx); err != nil {
		panic(err)
	}
	fmt.Println(<-received)
	fmt.Println(emu.Pushes("wx0123456789abcdef")[0].Status)
	// Output:
	// signature=true card_not_pass_check
	// delivered
}
