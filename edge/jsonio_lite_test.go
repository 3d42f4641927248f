package edge

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// js/wasm builds decode request bodies with decodeJSONLite; native builds
// with encoding/json. These hold the two to the same answers: the same
// decoded request, or the same status, code and message (syntax errors
// after the first value may name another byte offset).

var requestSeeds = []string{
	``, `   `, `null`, `[]`, `"x"`, `7`, `{}`, `{"cards":[{"card_id":"p1"}]}`, `{"cards":null}`, `{"cards":[]}`,
	`{"cards":[null,{"card_id":"p2","code":"c","openid":"o","outer_str":"s","fixed_begintimestamp":1700000000,"balance":100,"grant":"g"}]}`,
	`{"CARDS":[{"Card_ID":"p1","BALANCE":null}]}`, `{"cards":[{"card_id":"a","code":"x"},{"card_id":"b"}],"cards":[{"card_id":"c"}]}`,
	`{"cards":[{"card_id":"a"}],"cards":[],"cards":[{"code":"y"}]}`, `{"cards":{}}`, `{"cards":[5]}`, `{"cards":[{"card_id":5}]}`,
	`{"cards":[{"balance":"1"}]}`, `{"cards":[{"balance":1.5}]}`, `{"cards":[{"fixed_begintimestamp":1e3}]}`,
	`{"cards":[{"fixed_begintimestamp":9223372036854775808}]}`, `{"cards":[{"card_id":"p","extra":1}]}`, `{"x":1,"cards":5}`,
	`{"cards":5,"x":1}`, `{"cards":[{"card_id":"p"}]} {}`, `{"cards":[{"card_id":"p"}]} x`, `{"cards":[{"card_id":"p"}]} ]`,
	`{"cards":[{"card_id":"p"}]} 1`, `{"cards":[{"card_id":"p"}]} "abc`, `{"cards":[{"card_id":"p"}]} tru`, `{"cards":[`,
	`{"cards":[{"card_id":"p"`, `{"cards" 1}`, `{"cards":[1,]}`, `tru`, `1.`, "{\"cards\":[{\"card_id\":\"\xff\\ud800\"}]}",
	`{"shop_id":"s","card_type":"GROUPON","card_id":"p","grant":"g"}`, `{"shop_id":1}`, `{"Shop_Id":"s","shop_id":null}`,
	`{"ſhop_id":"s"}`, `{"cards":[{"card_id":"p"}]}` + strings.Repeat(" ", 10), `{"cards":[[]]}`, `{"cards":[{"balance":-0}]}`,
}

// FuzzDecodeJSONLite holds the lite decoder to encoding/json; plain go test
// runs it on requestSeeds.
func FuzzDecodeJSONLite(f *testing.F) {
	for _, body := range requestSeeds {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > DefaultMaxBodyBytes {
			return
		}
		assertLiteDecode(t, body)
	})
}

func assertLiteDecode(t *testing.T, body []byte) {
	t.Helper()
	var stdAdd, liteAdd addCardRequest
	compareDecode(t, body, &stdAdd, &liteAdd)
	assert.Equal(t, stdAdd, liteAdd, "addcard %q", body)
	var stdChoose, liteChoose chooseCardRequest
	compareDecode(t, body, &stdChoose, &liteChoose)
	assert.Equal(t, stdChoose, liteChoose, "choosecard %q", body)
}

func compareDecode(t *testing.T, body []byte, std, lite requestBody) {
	t.Helper()
	s := &settings{maxBody: DefaultMaxBodyBytes}
	r := &Request{Method: "POST", Path: "/v1/addcard", ContentType: "application/json",
		ContentLength: int64(len(body)), Body: strings.NewReader(string(body))}
	want := decodeBody(s, r, std)
	got := decodeJSONLite(body, lite)
	if want == nil {
		require.Nil(t, got, "%q: %+v", body, got)
		return
	}
	require.NotNil(t, got, "%q: want %+v", body, want)
	assert.Equal(t, want.status, got.status, "%q", body)
	assert.Equal(t, want.code, got.code, "%q", body)
	const offset = "the body is not valid JSON (at byte "
	if strings.HasPrefix(want.message, offset) && strings.HasPrefix(got.message, offset) {
		return
	}
	assert.Equal(t, want.message, got.message, "%q", body)
}
