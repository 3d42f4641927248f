// Package vectors reads the signature test vectors that every signer in
// wxcard must pass: signer/testdata/signatures.json, collected from public
// sources (WeChat's documentation and the peers' test suites; ARCHITECTURE.md
// says where each part runs them).
package vectors

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// File is the vectors file: worked examples of each signature, and wrong
// signatures that a correct signer must never produce.
type File struct {
	CardExt    []CardExt    `json:"card_ext"`
	ChooseCard []ChooseCard `json:"choose_card"`
	JSSDK      []JSSDK      `json:"jssdk"`
	Negative   []Negative   `json:"negative"`
}

// CardExt is a wx.addCard cardExt signature example.
type CardExt struct {
	Source    string `json:"source"`
	APITicket string `json:"api_ticket"`
	Timestamp string `json:"timestamp"`
	CardID    string `json:"card_id"`
	Code      string `json:"code"`
	OpenID    string `json:"openid"`
	NonceStr  string `json:"nonce_str"`
	Signature string `json:"signature"`
}

// ChooseCard is a wx.chooseCard cardSign example.
type ChooseCard struct {
	Source     string `json:"source"`
	APITicket  string `json:"api_ticket"`
	AppID      string `json:"app_id"`
	LocationID string `json:"location_id"`
	Timestamp  string `json:"timestamp"`
	NonceStr   string `json:"nonce_str"`
	CardID     string `json:"card_id"`
	CardType   string `json:"card_type"`
	CardSign   string `json:"card_sign"`
}

// JSSDK is a wx.config signature example.
type JSSDK struct {
	Source      string `json:"source"`
	JSAPITicket string `json:"jsapi_ticket"`
	NonceStr    string `json:"noncestr"`
	Timestamp   string `json:"timestamp"`
	URL         string `json:"url"`
	Signature   string `json:"signature"`
}

// Negative is a signature that a known mistake produces (Kind names the
// signature it is a wrong answer for).
type Negative struct {
	Why            string `json:"why"`
	Kind           string `json:"kind"`
	WrongSignature string `json:"wrong_signature"`
}

// Load reads and checks the vectors file at path: every section must hold
// at least one vector, so that a truncated copy fails loudly instead of
// letting the tests pass on nothing.
func Load(path string) (File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return File{}, err
	}
	var f File
	if err := json.Unmarshal(raw, &f); err != nil {
		return File{}, fmt.Errorf("vectors: %s: %w", path, err)
	}
	if len(f.CardExt) == 0 || len(f.ChooseCard) == 0 || len(f.JSSDK) == 0 || len(f.Negative) == 0 {
		return File{}, errors.New("vectors: " + path + ": a section is empty")
	}
	return f, nil
}
