package e2e_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
)

// TestAdminQRCodeAndLandingPage: a QR code created through the client is
// downloadable as a PNG through the client, and a landing page is served.
func TestAdminQRCodeAndLandingPage(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	client := w.NewClient(t, admin.WithMPBaseURL(w.URL+"/"))
	cardID, err := client.Card.Create(ctx, admin.CardTypeGeneralCoupon, coupon(10, false))
	require.NoError(t, err)
	w.control("/emulator/v1/cards/"+cardID+"/approve", nil, nil)

	qr, err := client.Card.CreateQRCode(ctx, admin.CreateQRCodeRequest{Card: &admin.QRCodeCard{CardID: cardID}, ExpireSeconds: 600})
	require.NoError(t, err)
	assert.Equal(t, 600, qr.ExpireSeconds)
	img, contentType, err := client.Card.QRCode(ctx, qr.Ticket)
	require.NoError(t, err)
	assert.Equal(t, "image/png", contentType)
	_, err = png.Decode(bytes.NewReader(img))
	require.NoError(t, err)
	_, _, err = client.Card.QRCode(ctx, "no-such-ticket")
	assert.Error(t, err)

	page, err := client.Card.CreateLandingPage(ctx, admin.LandingPage{
		Banner: "http://mmbiz.qpic.cn/banner.png", PageTitle: "春日上新", Scene: admin.SceneNearBy,
		Cards: []admin.LandingCard{{CardID: cardID, ThumbURL: "http://mmbiz.qpic.cn/t.png"}},
	})
	require.NoError(t, err)
	assert.EqualValues(t, 1, page.PageID)
	res, err := http.Get(w.URL + "/bizmall/cardlandingpage?biz=" + appID + "&page_id=1")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)

	html, err := client.Card.HTML(ctx, cardID)
	require.NoError(t, err)
	assert.Contains(t, html, cardID)
}
