package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxcard/wxcard/emulator"
)

// FuzzWeChatRequest sends arbitrary bodies to every WeChat path with a
// valid token: the emulator must never panic, and must always answer JSON
// with an errcode on WeChat paths (or a JSON error on control routes).
func FuzzWeChatRequest(f *testing.F) {
	paths := []string{
		"cgi-bin/stable_token", "card/create", "card/get", "card/batchget", "card/update", "card/delete",
		"card/qrcode/create", "card/landingpage/create", "card/mpnews/gethtml", "card/testwhitelist/set",
		"card/user/getcardlist", "card/paycell/set", "card/selfconsumecell/set", "card/modifystock",
		"card/code/deposit", "card/code/getdepositcount", "card/code/checkcode", "card/code/get",
		"card/code/consume", "card/code/decrypt", "card/code/update", "card/code/unavailable",
		"card/generalcard/activate", "card/generalcard/unactivate", "card/generalcard/updateuser",
		"card/membercard/activate", "card/membercard/activateuserform/set", "card/membercard/userinfo/get",
		"card/membercard/updateuser", "card/membercard/activatetempinfo/get", "card/membercard/activate/geturl",
		"card/submerchant/submit", "card/submerchant/update", "card/submerchant/get", "card/submerchant/batchget",
		"card/boardingpass/checkin", "card/meetingticket/updateuser", "card/movieticket/updateuser",
		"emulator/v1/wallet/add", "emulator/v1/encrypt", "emulator/v1/clock", "emulator/v1/faults",
	}
	seeds := []string{
		`{}`, `[]`, `null`, `{"card_id":"p"}`, `{"code":"1","card_id":null}`, `{"card":{"card_type":"GROUPON","groupon":{"base_info":{}}}}`,
		`{"card":{"card_type":"MEMBER_CARD","member_card":{"base_info":{"sku":{"quantity":"9e99"}}}}}`,
		`{"offset":-1,"count":1e3,"status_list":[1]}`, `{"info":{"merchant_id":"x"}}`, `{"openid":"o","cardList":[{"cardId":"p","cardExt":"{}"}]}`,
		`{"action_name":"QR_MULTIPLE_CARD","action_info":{"multiple_card":{"card_list":[null]}}}`,
		`{"card_id":"p","general_coupon":{"base_info":null}}`, `{"rules":[{"path":"x","count":1,"errcode":1}]}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		if strings.HasSuffix(path, "emulator/v1/faults") {
			return // would inject faults into later iterations
		}
		// A fresh emulator per input keeps the target deterministic, which
		// coverage-guided fuzzing needs.
		emu, token := fuzzEmulator(t)
		req := httptest.NewRequest("POST", "/"+path+"?access_token="+url.QueryEscape(token), strings.NewReader(body))
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: answer is not JSON: %q", path, rec.Body.String())
		}
		if strings.HasPrefix(path, "emulator/") {
			if rec.Code != http.StatusOK && out["error"] == nil {
				t.Fatalf("%s: %d without an error object", path, rec.Code)
			}
			return
		}
		if _, ok := out["errcode"]; !ok && path != "cgi-bin/stable_token" {
			t.Fatalf("%s: no errcode in %q", path, rec.Body.String())
		}
	})
}

func fuzzEmulator(t *testing.T) (*emulator.Emulator, string) {
	emu, err := emulator.New(emulator.WithApp("wx0123456789abcdef", "s"), emulator.WithAutoApprove(true),
		emulator.WithClock(func() time.Time { return testEpoch }), emulator.WithRandSeed(7))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, httptest.NewRequest("GET", "/cgi-bin/token?grant_type=client_credential&appid=wx0123456789abcdef&secret=s", nil))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil {
		t.Fatal(err)
	}
	return emu, tok.AccessToken
}
