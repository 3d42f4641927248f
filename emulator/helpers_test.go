package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

const (
	testAppID  = "wx0123456789abcdef"
	testSecret = "0123456789abcdef0123456789abcdef"
)

// testEpoch is 2026-03-01 10:00 UTC (18:00 in Beijing).
var testEpoch = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

type harness struct {
	t     *testing.T
	emu   *emulator.Emulator
	srv   *httptest.Server
	token string
}

func newHarness(t *testing.T, opts ...emulator.Option) *harness {
	t.Helper()
	base := []emulator.Option{
		emulator.WithApp(testAppID, testSecret),
		emulator.WithClock(func() time.Time { return testEpoch }),
		emulator.WithRandSeed(1),
	}
	emu, err := emulator.New(append(base, opts...)...)
	require.NoError(t, err)
	srv := httptest.NewServer(emu)
	t.Cleanup(func() {
		srv.Close()
		checkReopens(t, emu, base...)
	})
	return &harness{t: t, emu: emu, srv: srv}
}

// newPersistedHarness is newHarness with a snapshot file; at the end of
// the test the snapshot must reopen to exactly the state in memory, which
// proves that every change the test made was written.
func newPersistedHarness(t *testing.T, opts ...emulator.Option) *harness {
	t.Helper()
	return newHarness(t, append([]emulator.Option{emulator.WithSnapshotFile(filepath.Join(t.TempDir(), "state.db"))}, opts...)...)
}

// checkReopens closes emu and, when it has a snapshot file, opens it again
// and compares the whole state.
func checkReopens(t *testing.T, emu *emulator.Emulator, opts ...emulator.Option) {
	t.Helper()
	if emu.Closed() {
		return // the test closed it to hand the file on
	}
	path := emu.SnapshotPath()
	want, err := emu.StateJSON()
	require.NoError(t, err)
	require.NoError(t, emu.Close())
	if path == "" {
		return
	}
	again, err := emulator.New(append(opts, emulator.WithSnapshotFile(path))...)
	require.NoError(t, err, "the snapshot reopens")
	defer again.Close()
	got, err := again.StateJSON()
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(got), "the snapshot holds every change made in memory")
}

// resp is a decoded JSON answer.
type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r resp) errcode() int {
	v, ok := r.body["errcode"]
	if !ok {
		return 0
	}
	return int(v.(float64))
}

func (r resp) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

func (h *harness) do(method, path string, body any, header map[string]string) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(h.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	require.NoError(h.t, err)
	if method == http.MethodPost {
		// The control routes take JSON only; WeChat's paths ignore it.
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := h.srv.Client().Do(req)
	require.NoError(h.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		require.NoError(h.t, json.Unmarshal(raw, &out.body), string(raw))
	}
	return out
}

// accessToken fetches (once) a cgi-bin/token token for the test app.
func (h *harness) accessToken() string {
	h.t.Helper()
	if h.token == "" {
		r := h.do("GET", "/cgi-bin/token?"+url.Values{"grant_type": {"client_credential"}, "appid": {testAppID}, "secret": {testSecret}}.Encode(), nil, nil)
		require.Equal(h.t, 0, r.errcode(), string(r.raw))
		h.token = r.str("access_token")
	}
	return h.token
}

// wx POSTs body to a WeChat path with the access token.
func (h *harness) wx(path string, body any) resp {
	h.t.Helper()
	return h.do("POST", withToken("/"+path, h.accessToken()), body, nil)
}

// wxOK is wx that requires errcode 0.
func (h *harness) wxOK(path string, body any) resp {
	h.t.Helper()
	r := h.wx(path, body)
	require.Equal(h.t, 0, r.errcode(), "%s: %s", path, r.raw)
	return r
}

func (h *harness) wxGet(path string, q url.Values) resp {
	h.t.Helper()
	if q == nil {
		q = url.Values{}
	}
	q.Set("access_token", h.accessToken())
	return h.do("GET", "/"+path+"?"+q.Encode(), nil, nil)
}

func (h *harness) ticket(typ string) string {
	h.t.Helper()
	r := h.wxGet("cgi-bin/ticket/getticket", url.Values{"type": {typ}})
	require.Equal(h.t, 0, r.errcode(), string(r.raw))
	return r.str("ticket")
}

// couponBody is a valid GENERAL_COUPON definition; edit tweaks base_info.
func couponBody(edit func(bi map[string]any)) map[string]any {
	bi := map[string]any{
		"logo_url":    "http://mmbiz.qpic.cn/logo.png",
		"brand_name":  "测试商户",
		"code_type":   "CODE_TYPE_QRCODE",
		"title":       "十元代金券",
		"color":       "Color010",
		"notice":      "出示二维码",
		"description": "不可与其他优惠同享",
		"sku":         map[string]any{"quantity": 100},
		"date_info": map[string]any{
			"type":            "DATE_TYPE_FIX_TIME_RANGE",
			"begin_timestamp": testEpoch.Add(-time.Hour).Unix(),
			"end_timestamp":   testEpoch.Add(30 * 24 * time.Hour).Unix(),
		},
		"get_limit": 3,
	}
	if edit != nil {
		edit(bi)
	}
	return map[string]any{"card": map[string]any{
		"card_type":      "GENERAL_COUPON",
		"general_coupon": map[string]any{"base_info": bi, "default_detail": "十元"},
	}}
}

func (h *harness) createCard(body map[string]any) string {
	h.t.Helper()
	return h.wxOK("card/create", body).str("card_id")
}

func (h *harness) approve(cardID string) {
	h.t.Helper()
	r := h.do("POST", "/emulator/v1/cards/"+cardID+"/approve", nil, nil)
	require.Equal(h.t, http.StatusOK, r.status, string(r.raw))
}

// approvedCoupon creates and approves a coupon.
func (h *harness) approvedCoupon(edit func(bi map[string]any)) string {
	h.t.Helper()
	id := h.createCard(couponBody(edit))
	h.approve(id)
	return id
}

// signCards builds a cardList with the signer, on the emulator's clock.
func (h *harness) signCards(ticket string, cards ...signer.Card) signer.CardList {
	h.t.Helper()
	s, err := signer.New(signer.WithClock(h.emu.Now))
	require.NoError(h.t, err)
	list, err := s.AddCard(ticket, cards)
	require.NoError(h.t, err)
	return list
}

func (h *harness) walletAdd(openID string, list signer.CardList) emulator.WalletResponse {
	h.t.Helper()
	r := h.do("POST", "/emulator/v1/wallet/add", map[string]any{"openid": openID, "cardList": list}, nil)
	require.Equal(h.t, http.StatusOK, r.status, string(r.raw))
	var out emulator.WalletResponse
	require.NoError(h.t, json.Unmarshal(r.raw, &out))
	return out
}

// addOne signs and adds one card, returning its result.
func (h *harness) addOne(openID string, c signer.Card) emulator.WalletResult {
	h.t.Helper()
	out := h.walletAdd(openID, h.signCards(h.ticket("wx_card"), c))
	require.Len(h.t, out.CardList, 1)
	return out.CardList[0]
}

// claim is addOne for the usual case: cardID with the code the emulator
// generates, no openid or outer_str in the cardExt.
func (h *harness) claim(openID, cardID string) emulator.WalletResult {
	h.t.Helper()
	return h.addOne(openID, signer.Card{CardID: cardID})
}

// advance moves the emulated clock and forgets the access token, which may
// have expired.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	require.NoError(h.t, h.emu.Advance(context.Background(), d))
	h.token = ""
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// withToken adds the access_token query a WeChat API call carries to path
// (a path or a whole URL without a query).
func withToken(path, token string) string {
	return path + "?access_token=" + url.QueryEscape(token)
}

// callCase is one call of a WeChat path and the errcode it must answer.
type callCase struct {
	name    string
	path    string
	body    any
	errcode int
}

// bodyCase is a callCase whose path the table shares.
type bodyCase struct {
	name    string
	body    any
	errcode int
}

// expectErrcodes POSTs each case's body to its path, in a subtest named
// after the case, and checks the errcode.
func (h *harness) expectErrcodes(t *testing.T, cases []callCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.errcode, h.wx(tc.path, tc.body).errcode())
		})
	}
}

// expectErrcodesAt is expectErrcodes with every case on path.
func (h *harness) expectErrcodesAt(t *testing.T, path string, cases []bodyCase) {
	t.Helper()
	all := make([]callCase, len(cases))
	for i, c := range cases {
		all[i] = callCase{c.name, path, c.body, c.errcode}
	}
	h.expectErrcodes(t, all)
}
