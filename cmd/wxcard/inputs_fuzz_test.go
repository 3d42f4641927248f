package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

// FuzzDocuments: the JSON documents operators pass (a card definition, the
// arguments of wx.config or wx.chooseCard) never panic the parsers, and a
// card definition accepted has a type and a JSON value of attributes.
func FuzzDocuments(f *testing.F) {
	f.Add(`{"card":{"card_type":"CASH","cash":{"base_info":{}}}}`)
	f.Add(`{"card_type":"gift","gift":{}}`)
	f.Add(`{"timestamp":1700000000,"nonceStr":"n","signature":"s"}`)
	f.Add(`{"timestamp":"1","nonceStr":null,"cardSign":[1]}`)
	f.Add(`{"card":null}`)
	f.Fuzz(func(t *testing.T, doc string) {
		if typ, attrs, err := parseCardDefinition([]byte(doc)); err == nil {
			assert.NotEmpty(t, typ)
			assert.True(t, json.Valid(attrs))
		}
		_, _ = textFields(doc, "timestamp", "nonceStr", "signature", "cardSign")
	})
}
