package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

func TestConcurrentConsumeExactlyOnce(t *testing.T) {
	h := newPersistedHarness(t)
	id := h.approvedCoupon(nil)
	code := h.claim("oC", id).Code
	consumeURL := h.srv.URL + "/card/code/consume?access_token=" + url.QueryEscape(h.accessToken())
	body, err := json.Marshal(map[string]any{"code": code})
	require.NoError(t, err)
	const n = 50
	// Each goroutine records the errcode it got, or transportFailed; the
	// test goroutine asserts (require must not run off it).
	const transportFailed = -1000
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			codes[i] = transportFailed
			res, err := http.Post(consumeURL, "application/json", bytesReader(body))
			if err != nil {
				return
			}
			defer res.Body.Close()
			var out struct {
				Errcode *int `json:"errcode"`
			}
			if json.NewDecoder(res.Body).Decode(&out) == nil && out.Errcode != nil {
				codes[i] = *out.Errcode
			}
		}(i)
	}
	close(start)
	wg.Wait()
	counts := map[int]int{}
	for _, c := range codes {
		counts[c]++
	}
	assert.Equal(t, map[int]int{0: 1, emulator.ErrcodeCodeConsumed: n - 1}, counts)
}

func TestConcurrentWalletAddNeverOversells(t *testing.T) {
	h := newPersistedHarness(t)
	const stock, users = 10, 40
	id := h.approvedCoupon(func(bi map[string]any) { bi["sku"] = map[string]any{"quantity": stock} })
	ticket := h.ticket("wx_card")
	lists := make([]signer.CardList, users)
	for i := range lists {
		lists[i] = h.signCards(ticket, signer.Card{CardID: id})
	}
	results := make([]emulator.WalletResult, users)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < users; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			body, _ := json.Marshal(map[string]any{"openid": "o" + strconv.Itoa(i), "cardList": lists[i]})
			res, err := http.Post(h.srv.URL+"/emulator/v1/wallet/add", "application/json", bytesReader(body))
			if err != nil {
				return
			}
			defer res.Body.Close()
			var out emulator.WalletResponse
			if json.NewDecoder(res.Body).Decode(&out) == nil && len(out.CardList) == 1 {
				results[i] = out.CardList[0]
			}
		}(i)
	}
	close(start)
	wg.Wait()
	ok, empty := 0, 0
	for _, r := range results {
		switch {
		case r.IsSuccess:
			ok++
		case r.Errcode == emulator.ErrcodeStockEmpty:
			empty++
		}
	}
	assert.Equal(t, stock, ok)
	assert.Equal(t, users-stock, empty)
	sku := h.wxOK("card/get", map[string]any{"card_id": id}).body["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"].(map[string]any)["sku"].(map[string]any)
	require.EqualValues(t, 0, sku["quantity"])
}
