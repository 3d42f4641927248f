package emulator_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

// TestStateViewPagesUserCards: the state view counts deposited codes and
// shows one page of each card's user cards, so it stays small with a
// million codes.
func TestStateViewPagesUserCards(t *testing.T) {
	t.Parallel()
	h := newPersistedHarness(t)
	id := h.approvedCoupon(func(bi map[string]any) {
		bi["use_custom_code"] = true
		bi["get_limit"] = 1000
	})
	codes := make([]string, 100)
	for i := range codes {
		codes[i] = fmt.Sprintf("PAGE-%03d", i)
	}
	h.wxOK("card/code/deposit", map[string]any{"card_id": id, "code": codes})
	h.wxOK("card/modifystock", map[string]any{"card_id": id, "increase_stock_value": 6})
	for i := range 5 {
		require.True(t, h.addOne("oPager", signer.Card{CardID: id, Code: codes[i]}).IsSuccess)
	}

	card := func(r resp) map[string]any {
		t.Helper()
		require.Equal(t, http.StatusOK, r.status, string(r.raw))
		apps := r.body["apps"].([]any)
		require.Len(t, apps, 1)
		cards := apps[0].(map[string]any)["cards"].([]any)
		require.Len(t, cards, 1)
		return cards[0].(map[string]any)
	}
	userCodes := func(c map[string]any) []string {
		var out []string
		for _, u := range c["user_cards"].([]any) {
			out = append(out, u.(map[string]any)["code"].(string))
		}
		return out
	}

	all := card(h.do("GET", "/emulator/v1/state", nil, nil))
	assert.EqualValues(t, 100, all["deposited_codes"])
	assert.EqualValues(t, 95, all["unclaimed_codes"])
	assert.EqualValues(t, 5, all["user_cards_total"])
	assert.Equal(t, codes[:5], userCodes(all))
	assert.NotContains(t, string(h.do("GET", "/emulator/v1/state", nil, nil).raw), "PAGE-099", "deposited codes are counted, not listed")

	page := card(h.do("GET", "/emulator/v1/state?card_id="+id+"&offset=2&limit=2", nil, nil))
	assert.Equal(t, codes[2:4], userCodes(page))
	assert.EqualValues(t, 2, page["user_cards_offset"])
	assert.EqualValues(t, 5, page["user_cards_total"])
	require.True(t, h.addOne("oOther", signer.Card{CardID: id, Code: codes[5]}).IsSuccess)
	mine := card(h.do("GET", "/emulator/v1/state?openid=oPager&offset=3", nil, nil))
	assert.Equal(t, codes[3:5], userCodes(mine))
	assert.EqualValues(t, 5, mine["user_cards_total"], "the total counts that user's cards")
	other := card(h.do("GET", "/emulator/v1/state?openid=oOther", nil, nil))
	assert.Equal(t, codes[5:6], userCodes(other))
	past := card(h.do("GET", "/emulator/v1/state?offset=10", nil, nil))
	assert.Empty(t, userCodes(past))

	for _, tc := range []struct{ query, code string }{
		{"limit=1001", "invalid_request"},
		{"limit=-1", "invalid_request"},
		{"offset=x", "invalid_request"},
		{"card_id=pNope", "unknown_card"},
	} {
		r := h.do("GET", "/emulator/v1/state?"+tc.query, nil, nil)
		assert.Equal(t, tc.code, r.body["error"].(map[string]any)["code"], tc.query)
	}
	assert.Equal(t, emulator.StatusVerifyOK, all["status"])
}
