package emulator_test

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
)

func TestQRCodeCreateAndShow(t *testing.T) {
	h := newPersistedHarness(t, emulator.WithPublicURL("http://127.0.0.1:9999/wechat"))
	id := h.approvedCoupon(nil)
	r := h.wxOK("card/qrcode/create", map[string]any{
		"action_name": "QR_CARD", "expire_seconds": 1800,
		"action_info": map[string]any{"card": map[string]any{"card_id": id, "outer_str": "qr"}},
	})
	ticket := r.str("ticket")
	assert.True(t, strings.HasSuffix(ticket, "=="), ticket)
	assert.EqualValues(t, 1800, r.body["expire_seconds"])
	assert.True(t, strings.HasPrefix(r.str("url"), "http://127.0.0.1:9999/wechat/q/"), r.str("url"))
	show := r.str("show_qrcode_url")
	assert.Equal(t, "http://127.0.0.1:9999/wechat/cgi-bin/showqrcode?ticket="+url.QueryEscape(ticket), show)
	assert.Contains(t, show, "%3D%3D")

	img := h.do("GET", "/cgi-bin/showqrcode?ticket="+url.QueryEscape(ticket), nil, nil)
	require.Equal(t, http.StatusOK, img.status)
	assert.Equal(t, "image/png", img.header.Get("Content-Type"))
	decoded, err := png.Decode(bytes.NewReader(img.raw))
	require.NoError(t, err)
	assert.Equal(t, 430, decoded.Bounds().Dx())

	// The QR target page lists the card.
	target := h.do("GET", strings.TrimPrefix(r.str("url"), "http://127.0.0.1:9999/wechat"), nil, nil)
	assert.Equal(t, http.StatusOK, target.status)
	assert.Contains(t, string(target.raw), `data-card-id="`+id+`"`)

	h.advance(1801 * time.Second)
	assert.Equal(t, http.StatusNotFound, h.do("GET", "/cgi-bin/showqrcode?ticket="+url.QueryEscape(ticket), nil, nil).status)
	assert.Equal(t, http.StatusNotFound, h.do("GET", strings.TrimPrefix(r.str("url"), "http://127.0.0.1:9999/wechat"), nil, nil).status)
	assert.Equal(t, http.StatusNotFound, h.do("GET", "/cgi-bin/showqrcode?ticket=nope", nil, nil).status)
	assert.Equal(t, http.StatusBadRequest, h.do("GET", "/cgi-bin/showqrcode", nil, nil).status)
	assert.Equal(t, http.StatusMethodNotAllowed, h.do("POST", "/cgi-bin/showqrcode?ticket=x", nil, nil).status)
}

func TestQRCodeMultipleAndValidation(t *testing.T) {
	h := newPersistedHarness(t)
	a := h.approvedCoupon(nil)
	b := h.approvedCoupon(nil)
	r := h.wxOK("card/qrcode/create", map[string]any{
		"action_name": "QR_MULTIPLE_CARD",
		"action_info": map[string]any{"multiple_card": map[string]any{"card_list": []any{map[string]any{"card_id": a}, map[string]any{"card_id": b}}}},
	})
	assert.EqualValues(t, 365*24*3600, r.body["expire_seconds"], "no expire_seconds: a year")
	six := make([]any, 6)
	for i := range six {
		six[i] = map[string]any{"card_id": a}
	}
	tests := []bodyCase{
		{"no action_name", map[string]any{"action_info": map[string]any{}}, emulator.ErrcodeMissingField},
		{"unknown action", map[string]any{"action_name": "QR_SCENE", "action_info": map[string]any{}}, emulator.ErrcodeInvalidActionInfo},
		{"no action_info", map[string]any{"action_name": "QR_CARD"}, emulator.ErrcodeInvalidActionInfo},
		{"QR_CARD without card", map[string]any{"action_name": "QR_CARD", "action_info": map[string]any{}}, emulator.ErrcodeInvalidActionInfo},
		{"QR_CARD without card_id", map[string]any{"action_name": "QR_CARD", "action_info": map[string]any{"card": map[string]any{}}}, emulator.ErrcodeMissingCardID},
		{"QR_CARD unknown card", map[string]any{"action_name": "QR_CARD", "action_info": map[string]any{"card": map[string]any{"card_id": "pNo"}}}, emulator.ErrcodeInvalidCardID},
		{"expire too short", map[string]any{"action_name": "QR_CARD", "expire_seconds": 59, "action_info": map[string]any{"card": map[string]any{"card_id": a}}}, emulator.ErrcodeInvalidArgs},
		{"expire too long", map[string]any{"action_name": "QR_CARD", "expire_seconds": 1801, "action_info": map[string]any{"card": map[string]any{"card_id": a}}}, emulator.ErrcodeInvalidArgs},
		{"six cards", map[string]any{"action_name": "QR_MULTIPLE_CARD", "action_info": map[string]any{"multiple_card": map[string]any{"card_list": six}}}, emulator.ErrcodeInvalidActionInfo},
		{"no multiple_card", map[string]any{"action_name": "QR_MULTIPLE_CARD", "action_info": map[string]any{}}, emulator.ErrcodeInvalidActionInfo},
		{"card not an object", map[string]any{"action_name": "QR_MULTIPLE_CARD", "action_info": map[string]any{"multiple_card": map[string]any{"card_list": []any{"x"}}}}, emulator.ErrcodeInvalidActionInfo},
	}
	h.expectErrcodesAt(t, "card/qrcode/create", tests)
}

func TestLandingPage(t *testing.T) {
	h := newPersistedHarness(t)
	a := h.approvedCoupon(nil)
	pending := h.createCard(couponBody(nil))
	page := map[string]any{
		"banner": "http://mmbiz.qpic.cn/banner.png", "page_title": "春季<特惠>", "can_share": true, "scene": "SCENE_H5",
		"card_list": []any{map[string]any{"card_id": a, "thumb_url": "http://mmbiz.qpic.cn/t.png"}},
	}
	r := h.wxOK("card/landingpage/create", page)
	assert.EqualValues(t, 1, r.body["page_id"])
	u, err := url.Parse(r.str("url"))
	require.NoError(t, err)
	assert.Equal(t, "wechat_redirect", u.Fragment)
	html := h.do("GET", u.RequestURI(), nil, nil)
	assert.Equal(t, http.StatusOK, html.status)
	assert.Contains(t, string(html.raw), "春季&lt;特惠&gt;", "titles are HTML-escaped")
	assert.Contains(t, string(html.raw), a)
	assert.Equal(t, http.StatusNotFound, h.do("GET", "/bizmall/cardlandingpage?biz="+testAppID+"&page_id=2", nil, nil).status)

	edit := func(k string, v any) map[string]any {
		out := map[string]any{}
		for key, val := range page {
			out[key] = val
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	tests := []bodyCase{
		{"no banner", edit("banner", nil), emulator.ErrcodeMissingField},
		{"no title", edit("page_title", nil), emulator.ErrcodeMissingField},
		{"no scene", edit("scene", nil), emulator.ErrcodeMissingField},
		{"bad scene", edit("scene", "SCENE_TV"), emulator.ErrcodeInvalidArgs},
		{"no cards", edit("card_list", []any{}), emulator.ErrcodeMissingField},
		{"unknown card", edit("card_list", []any{map[string]any{"card_id": "pNo", "thumb_url": "x"}}), emulator.ErrcodeInvalidCardID},
		{"card under review", edit("card_list", []any{map[string]any{"card_id": pending, "thumb_url": "x"}}), emulator.ErrcodeInvalidCardStatus},
		{"no thumb", edit("card_list", []any{map[string]any{"card_id": a}}), emulator.ErrcodeMissingField},
	}
	h.expectErrcodesAt(t, "card/landingpage/create", tests)
}

func TestURLsFollowTheRequestHost(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	r := h.wxOK("card/qrcode/create", map[string]any{"action_name": "QR_CARD", "action_info": map[string]any{"card": map[string]any{"card_id": id}}})
	assert.True(t, strings.HasPrefix(r.str("show_qrcode_url"), h.srv.URL+"/cgi-bin/showqrcode?ticket="), r.str("show_qrcode_url"))
	target := h.do("GET", strings.TrimPrefix(r.str("url"), h.srv.URL), nil, nil)
	assert.Equal(t, http.StatusOK, target.status)
}
