package emulator_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

// benchEmulator is an emulator with a token, a wx_card ticket and an
// approved coupon with a large stock, driven in-process (no sockets).
type benchEmulator struct {
	emu    *emulator.Emulator
	token  string
	ticket string
	cardID string
}

func (b *benchEmulator) serve(method, path string, body []byte) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	b.emu.ServeHTTP(rec, req)
	return rec
}

func newBenchEmulator(tb testing.TB) *benchEmulator {
	tb.Helper()
	return newBenchEmulatorWith(tb)
}

func newBenchEmulatorWith(tb testing.TB, opts ...emulator.Option) *benchEmulator {
	tb.Helper()
	emu, err := emulator.New(append([]emulator.Option{emulator.WithApp(testAppID, testSecret), emulator.WithAutoApprove(true),
		emulator.WithClock(func() time.Time { return testEpoch }), emulator.WithRandSeed(3)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	b := &benchEmulator{emu: emu}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(b.serve("GET", tokenQuery(testAppID, testSecret), nil).Body.Bytes(), &tok)
	b.token = url.QueryEscape(tok.AccessToken)
	var tk struct {
		Ticket string `json:"ticket"`
	}
	json.Unmarshal(b.serve("GET", "/cgi-bin/ticket/getticket?type=wx_card&access_token="+b.token, nil).Body.Bytes(), &tk)
	b.ticket = tk.Ticket
	body, _ := json.Marshal(couponBody(func(bi map[string]any) {
		bi["sku"] = map[string]any{"quantity": 100000000}
	}))
	var created struct {
		CardID string `json:"card_id"`
	}
	json.Unmarshal(b.serve("POST", "/card/create?access_token="+b.token, body).Body.Bytes(), &created)
	b.cardID = created.CardID
	if b.ticket == "" || b.cardID == "" {
		tb.Fatal("bench setup failed")
	}
	return b
}

// BenchmarkEmulatorCodeGet serves card/code/get in-process: token check,
// JSON decode, lookup, JSON encode.
func BenchmarkEmulatorCodeGet(b *testing.B) {
	be := newBenchEmulator(b)
	s, _ := signer.New(signer.WithClock(be.emu.Now))
	list, _ := s.AddCard(be.ticket, []signer.Card{{CardID: be.cardID}})
	add, _ := json.Marshal(map[string]any{"openid": "oBench", "cardList": list})
	var out emulator.WalletResponse
	json.Unmarshal(be.serve("POST", "/emulator/v1/wallet/add", add).Body.Bytes(), &out)
	body := []byte(`{"code":"` + out.CardList[0].Code + `","check_consume":true}`)
	path := "/card/code/get?access_token=" + be.token
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rec := be.serve("POST", path, body); rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkEmulatorJSONFloor is the floor under BenchmarkEmulatorCodeGet: the
// same request decoded and a response of the same shape encoded, through
// the same httptest request and recorder, with no emulator in between.
func BenchmarkEmulatorJSONFloor(b *testing.B) {
	body := []byte(`{"code":"123456789012","check_consume":true}`)
	type cardInfo struct {
		CardID    string `json:"card_id"`
		BeginTime int64  `json:"begin_time"`
		EndTime   int64  `json:"end_time"`
	}
	type answer struct {
		Errcode        int      `json:"errcode"`
		Errmsg         string   `json:"errmsg"`
		Card           cardInfo `json:"card"`
		OpenID         string   `json:"openid"`
		CanConsume     bool     `json:"can_consume"`
		UserCardStatus string   `json:"user_card_status"`
	}
	resp := answer{0, "ok", cardInfo{"pAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1, 2}, "oBench", true, "NORMAL"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("POST", "/card/code/get?access_token=x", bytes.NewReader(body))
		var in struct {
			Code         string `json:"code"`
			CheckConsume *bool  `json:"check_consume"`
		}
		if err := json.NewDecoder(req.Body).Decode(&in); err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		enc := json.NewEncoder(rec)
		enc.SetEscapeHTML(false)
		enc.Encode(resp)
	}
}

// BenchmarkEmulatorWalletAdd adds one signed card per call for a new user:
// request decode, cardExt parse and verification, every wallet rule,
// state change and response.
func BenchmarkEmulatorWalletAdd(b *testing.B) {
	be := newBenchEmulator(b)
	s, _ := signer.New(signer.WithClock(be.emu.Now))
	bodies := make([][]byte, b.N)
	for i := range bodies {
		list, err := s.AddCard(be.ticket, []signer.Card{{CardID: be.cardID}})
		if err != nil {
			b.Fatal(err)
		}
		bodies[i], _ = json.Marshal(map[string]any{"openid": "o" + strconv.Itoa(i), "cardList": list})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := be.serve("POST", "/emulator/v1/wallet/add", bodies[i])
		if rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte(`"isSuccess":true`)) {
			b.Fatal(rec.Body.String())
		}
	}
}

// BenchmarkEmulatorVerifyOnly is the signature check alone, the part of
// wallet/add that WeChat's client also does.
func BenchmarkEmulatorVerifyOnly(b *testing.B) {
	be := newBenchEmulator(b)
	s, _ := signer.New(signer.WithClock(be.emu.Now))
	list, _ := s.AddCard(be.ticket, []signer.Card{{CardID: be.cardID}})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v, err := signer.VerifyCardExt(be.ticket, be.cardID, list[0].CardExt); err != nil || !v.Valid {
			b.Fatal("invalid")
		}
	}
}

// BenchmarkEmulatorNew is the cost of a fresh emulator (tests make many).
func BenchmarkEmulatorNew(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := emulator.New(emulator.WithApp(testAppID, testSecret)); err != nil {
			b.Fatal(err)
		}
	}
}
