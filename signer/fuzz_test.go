package signer_test

import (
	"encoding/json"
	"testing"

	"github.com/wxcard/wxcard/signer"
)

// The fuzz targets check two properties on any input: nothing panics, and
// whatever a builder accepts re-verifies through an independent path.

func FuzzAddCard(f *testing.F) {
	f.Add(testTicket, testCardID, "", "", "", int64(0), int64(testTime), "nonce")
	f.Add("t", "p", "code", "openid", "outer", int64(1414590000), int64(0), "n")
	f.Add("", "", "\x00", "\xff", "中文", int64(-1), int64(-5), "")
	f.Fuzz(func(t *testing.T, ticket, cardID, code, openID, outer string, fixedBegin, now int64, nonce string) {
		s, err := signer.New(signer.WithClock(fixedClock(now)), signer.WithNonceSource(func() (string, error) { return nonce, nil }))
		if err != nil {
			t.Fatal(err)
		}
		card := signer.Card{CardID: cardID, Code: code, OpenID: openID, OuterStr: outer, FixedBeginTimestamp: fixedBegin}
		list, err := s.AddCard(ticket, []signer.Card{card})
		if err != nil {
			return
		}
		if signer.ValidateCard(card) != nil || signer.ValidateTicket("api_ticket", ticket) != nil {
			t.Fatalf("AddCard accepted what the validators reject: %+v", card)
		}
		var ext signer.CardExt
		if err := json.Unmarshal([]byte(list[0].CardExt), &ext); err != nil {
			t.Fatalf("cardExt is not JSON: %v\n%s", err, list[0].CardExt)
		}
		if ext.Code != code || ext.OpenID != openID || ext.OuterStr != outer || ext.NonceStr != nonce {
			t.Fatalf("cardExt fields differ from the input: %+v", ext)
		}
		v, err := signer.VerifyCardExt(ticket, cardID, list[0].CardExt)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if !v.Valid || v.Expected != naiveSortedSHA1(ticket, ext.Timestamp, cardID, code, openID, nonce) {
			t.Fatalf("does not re-verify: %+v", v)
		}
	})
}

func FuzzChooseCard(f *testing.F) {
	f.Add(testTicket, "123456", "", "GROUPON", "", int64(testTime), "Wm3WZYTPz0wzccnW")
	f.Add("", "\n", "\xff", "", "", int64(-1), "")
	f.Fuzz(func(t *testing.T, ticket, appID, shop, cardType, cardID string, now int64, nonce string) {
		s, err := signer.New(signer.WithClock(fixedClock(now)), signer.WithNonceSource(func() (string, error) { return nonce, nil }))
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.ChooseCard(ticket, signer.ChooseCardRequest{AppID: appID, ShopID: shop, CardType: cardType, CardID: cardID})
		if err != nil {
			return
		}
		var back signer.ChooseCardParams
		if err := json.Unmarshal(p.AppendJSON(nil), &back); err != nil || back != p {
			t.Fatalf("JSON round trip: %v %+v", err, back)
		}
		want := naiveSortedSHA1(ticket, appID, shop, back.NonceStr, cardID, cardType, jsonInt(p.Timestamp))
		if p.CardSign != want || p.SignType != "SHA1" {
			t.Fatalf("cardSign %s, want %s", p.CardSign, want)
		}
	})
}

func FuzzJSConfig(f *testing.F) {
	f.Add(testTicket, testAppID, "http://mp.weixin.qq.com?params=value#xxxx", "addCard", int64(testTime), "Wm3WZYTPz0wzccnW")
	f.Add("t", "a", "https://[::1]:80/%zz", "", int64(0), "n")
	f.Add("t", "a", "//host/path", "\x00", int64(1), "n")
	f.Fuzz(func(t *testing.T, ticket, appID, url, api string, now int64, nonce string) {
		s, err := signer.New(signer.WithClock(fixedClock(now)), signer.WithNonceSource(func() (string, error) { return nonce, nil }))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := s.JSConfig(ticket, signer.JSConfigRequest{AppID: appID, URL: url, JSAPIList: []string{api}})
		if err != nil {
			return
		}
		if signer.ValidatePageURL(url) != nil {
			t.Fatalf("accepted a URL the validator rejects: %q", url)
		}
		var back signer.JSConfig
		if err := json.Unmarshal(cfg.AppendJSON(nil), &back); err != nil || back.Signature != cfg.Signature || back.AppID != appID {
			t.Fatalf("JSON round trip: %v %+v", err, back)
		}
		if want := naiveJSSDK(ticket, nonce, now, url); cfg.Signature != want {
			t.Fatalf("signature %s, want %s", cfg.Signature, want)
		}
	})
}

func FuzzSortedSHA1(f *testing.F) {
	f.Add("a", "b", "c", "", "中", "\xff", "x")
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g, h string) {
		values := []string{a, b, c, d, e, g, h}
		for n := 0; n <= len(values); n++ {
			if got, want := signer.SortedSHA1(values[:n]...), naiveSortedSHA1(values[:n]...); got != want {
				t.Fatalf("n=%d: %s, want %s", n, got, want)
			}
		}
		if parsed, err := signer.ParseCardExt(a + b); err == nil {
			v, err := signer.VerifyCardExt(c+"t", d+"p", a+b)
			if err == nil && v.Valid != parsed.SignedBy(c+"t", d+"p") {
				t.Fatalf("SignedBy disagrees with VerifyCardExt: %+v", v)
			}
		}
	})
}

func jsonInt(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
