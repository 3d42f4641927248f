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
		"emulator/v1/push/faults", "emulator/v1/wallet/delete", "emulator/v1/wallet/gift",
	}
	seeds := []string{
		`{}`, `[]`, `null`, `{"card_id":"p"}`, `{"code":"1","card_id":null}`, `{"card":{"card_type":"GROUPON","groupon":{"base_info":{}}}}`,
		`{"card":{"card_type":"MEMBER_CARD","member_card":{"base_info":{"sku":{"quantity":"9e99"}}}}}`,
		`{"offset":-1,"count":1e3,"status_list":[1]}`, `{"info":{"merchant_id":"x"}}`, `{"openid":"o","cardList":[{"cardId":"p","cardExt":"{}"}]}`,
		`{"action_name":"QR_MULTIPLE_CARD","action_info":{"multiple_card":{"card_list":[null]}}}`,
		`{"card_id":"p","general_coupon":{"base_info":null}}`, `{"rules":[{"path":"x","count":1,"errcode":1}]}`,
		`{"lose_answers":3}`, `{"card_id":"p","code":"1","friend_openid":"o"}`,
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
		req := httptest.NewRequest("POST", withToken("/"+path, token), strings.NewReader(body))
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

// FuzzWebAuth sends arbitrary queries to web authorization's paths: the
// consent page answers HTML (a redirect only to the redirect_uri given, with
// a code and the state), the sns/ endpoints JSON with an errcode or a token;
// nothing panics.
func FuzzWebAuth(f *testing.F) {
	paths := []string{"connect/oauth2/authorize", "sns/oauth2/access_token", "sns/oauth2/refresh_token", "sns/userinfo", "sns/auth"}
	seeds := []string{
		"appid=wx0123456789abcdef&redirect_uri=https%3A%2F%2Fa.example%2Fcb&response_type=code&scope=snsapi_base&state=s",
		"appid=wx0123456789abcdef&redirect_uri=https%3A%2F%2Fa.example%2Fcb&response_type=code&scope=snsapi_userinfo&state=s&consent=allow&emulator_user=%00",
		"appid=wx0123456789abcdef&redirect_uri=javascript%3Aalert(1)&response_type=code&scope=snsapi_base",
		"appid=wx0123456789abcdef&secret=s&code=x&grant_type=authorization_code",
		"appid=wx0123456789abcdef&grant_type=refresh_token&refresh_token=%FF",
		"access_token=a&openid=o&lang=xx", "%zz", "",
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		path := paths[int(which)%len(paths)]
		emu, _ := fuzzEmulator(t)
		req := httptest.NewRequest("GET", "/"+path, nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if path == "connect/oauth2/authorize" {
			if rec.Code == http.StatusFound {
				loc, err := url.Parse(rec.Header().Get("Location"))
				want, _ := url.Parse(req.URL.Query().Get("redirect_uri"))
				if err != nil || want == nil || loc.Host != want.Host || loc.Scheme != want.Scheme {
					t.Fatalf("redirected to %q for redirect_uri %q", rec.Header().Get("Location"), req.URL.Query().Get("redirect_uri"))
				}
				return
			}
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("authorize answered %d %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			return
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: answer is not JSON: %q", path, rec.Body.String())
		}
		if _, ok := out["errcode"]; !ok && out["access_token"] == nil && out["openid"] == nil {
			t.Fatalf("%s: neither errcode nor an answer in %q", path, rec.Body.String())
		}
	})
}
