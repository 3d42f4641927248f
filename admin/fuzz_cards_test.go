package admin

import (
	"encoding/json"
	"testing"
)

// FuzzCardResponses feeds arbitrary bytes to every custom decoder of the
// card services and to the checks open-ended payloads go through: none may
// panic, and what decodes must re-encode.
func FuzzCardResponses(f *testing.F) {
	for _, name := range []string{"card_get.json", "card_code_get.json", "card_code_get_legacy.json",
		"card_membercard_userinfo_get.json", "card_getapplyprotocol.json", "card_submerchant.json"} {
		b, err := readFixture(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"card":{"card_type":"CASH","cash":null}}`))
	f.Add([]byte(`{"can_consume":"yes","card":{"can_consume":1}}`))
	f.Add([]byte(`{"name":"x","value":{"a":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var card struct {
			Card Card `json:"card"`
		}
		if json.Unmarshal(data, &card) == nil {
			var g GeneralCoupon
			_ = card.Card.Decode(&g)
			if _, err := encodeJSON(card.Card.BaseInfo); err != nil {
				t.Fatalf("decoded base_info does not encode: %v", err)
			}
		}
		var info CodeInfo
		_ = json.Unmarshal(data, &info)
		var user MemberUser
		_ = json.Unmarshal(data, &user)
		var cats struct {
			Category []Category `json:"category"`
		}
		_ = json.Unmarshal(data, &cats)
		var m struct {
			Info SubMerchant `json:"info"`
		}
		_ = json.Unmarshal(data, &m)
		var b flexBool
		_ = json.Unmarshal(data, &b)

		// Open-ended payloads: accepted only as JSON objects.
		if _, obj, err := checkCardType(CardTypeGroupon, json.RawMessage(data), true); err == nil {
			if len(obj) == 0 || obj[0] != '{' || !json.Valid(obj) {
				t.Fatalf("accepted a payload that is not a JSON object: %q", obj)
			}
		}
		var codes []string
		if json.Unmarshal(data, &codes) == nil && len(codes) > 0 {
			half := codes[:len(codes)/2]
			left := leftover(codes, half)
			if len(left)+len(half) < len(codes) {
				t.Fatalf("leftover lost codes: %v minus %v gave %v", codes, half, left)
			}
		}
	})
}
