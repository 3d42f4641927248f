package emulator_test

import (
	"encoding/json"
	"net/http"
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
	consumeURL := withToken(h.srv.URL+"/card/code/consume", h.accessToken())
	body, err := json.Marshal(map[string]any{"code": code})
	require.NoError(t, err)
	const n = 50
	// Each goroutine records the errcode it got, or transportFailed; the
	// test goroutine asserts (require must not run off it).
	const transportFailed = -1000
	codes := make([]int, n)
	atOnce(n, func(i int) {
		codes[i] = transportFailed
		var out struct {
			Errcode *int `json:"errcode"`
		}
		if postJSON(consumeURL, body, &out) && out.Errcode != nil {
			codes[i] = *out.Errcode
		}
	})
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
	atOnce(users, func(i int) {
		body, _ := json.Marshal(map[string]any{"openid": "o" + strconv.Itoa(i), "cardList": lists[i]})
		var out emulator.WalletResponse
		if postJSON(h.srv.URL+"/emulator/v1/wallet/add", body, &out) && len(out.CardList) == 1 {
			results[i] = out.CardList[0]
		}
	})
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

// atOnce runs f(0) … f(n-1) in n goroutines released together, so that the
// calls race, and returns when all are done. f must not call require.
func atOnce(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// postJSON POSTs body and decodes the JSON answer into out; false when
// either fails. It reports no test failure, so goroutines may call it.
func postJSON(u string, body []byte, out any) bool {
	res, err := http.Post(u, "application/json", bytesReader(body))
	if err != nil {
		return false
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(out) == nil
}
