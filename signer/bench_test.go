package signer_test

import (
	"crypto/sha1"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/wxcard/wxcard/signer"
)

// Each signature benchmark has a baseline that hashes the very bytes the
// signature hashes with crypto/sha1 and nothing else: the physical limit.
// make bench prints the ratios (bench/pairs.tsv).

var (
	benchCardID = "pjZ8Yt1XGILfi-FUsewpnnolGgZk"
	benchCode   = "1434008071"
	benchOpenID = "oEZ5Ft-8Tvn6KUdBmpe3KOfAAqHw"
	benchNonce  = "Wm3WZYTPz0wzccnW"
	benchTS     = int64(1414587457)
	benchURL    = "https://shop.example.com/h5/coupon?from=menu&id=12345"
	benchSink   string
	benchBytes  []byte
	benchSum    [sha1.Size]byte
)

func sortedJoin(values ...string) []byte {
	sorted := append([]string(nil), values...)
	sort.Strings(sorted)
	return []byte(strings.Join(sorted, ""))
}

func benchSHA1(b *testing.B, data []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		benchSum = sha1.Sum(data)
	}
}

func BenchmarkCardExtSignature(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchSink = signer.CardExtSignature(testTicket, benchTS, benchCardID, benchCode, benchOpenID, benchNonce)
	}
}

func BenchmarkAppendCardExtSignature(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 40)
	for b.Loop() {
		buf = signer.AppendCardExtSignature(buf[:0], testTicket, benchTS, benchCardID, benchCode, benchOpenID, benchNonce)
	}
	benchBytes = buf
}

func BenchmarkCardExtSHA1SameBytes(b *testing.B) {
	benchSHA1(b, sortedJoin(testTicket, strconv.FormatInt(benchTS, 10), benchCardID, benchCode, benchOpenID, benchNonce))
}

func BenchmarkChooseCardSignature(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchSink = signer.ChooseCardSignature(testTicket, testAppID, "123456", benchTS, benchNonce, benchCardID, "GROUPON")
	}
}

func BenchmarkAppendChooseCardSignature(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 40)
	for b.Loop() {
		buf = signer.AppendChooseCardSignature(buf[:0], testTicket, testAppID, "123456", benchTS, benchNonce, benchCardID, "GROUPON")
	}
	benchBytes = buf
}

func BenchmarkChooseCardSHA1SameBytes(b *testing.B) {
	benchSHA1(b, sortedJoin(testTicket, testAppID, "123456", strconv.FormatInt(benchTS, 10), benchNonce, benchCardID, "GROUPON"))
}

func BenchmarkJSSDKSignature(b *testing.B) {
	b.ReportAllocs()
	url := benchURL + "#section"
	for b.Loop() {
		benchSink = signer.JSSDKSignature(testTicket, benchNonce, benchTS, url)
	}
}

func BenchmarkAppendJSSDKSignature(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 40)
	url := benchURL + "#section"
	for b.Loop() {
		buf = signer.AppendJSSDKSignature(buf[:0], testTicket, benchNonce, benchTS, url)
	}
	benchBytes = buf
}

func BenchmarkJSSDKSHA1SameBytes(b *testing.B) {
	benchSHA1(b, []byte("jsapi_ticket="+testTicket+"&noncestr="+benchNonce+"&timestamp="+strconv.FormatInt(benchTS, 10)+"&url="+benchURL))
}

// BenchmarkSHA1SameBytes is the card_ext baseline under the name the issue uses.
func BenchmarkSHA1SameBytes(b *testing.B) {
	BenchmarkCardExtSHA1SameBytes(b)
}

// BenchmarkNaiveCardExtSignature is what a user would write without wxcard:
// sort.Strings, strings.Join, fmt-style hex.
func BenchmarkNaiveCardExtSignature(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchSink = naiveSortedSHA1(testTicket, strconv.FormatInt(benchTS, 10), benchCardID, benchCode, benchOpenID, benchNonce)
	}
}

func BenchmarkAddCard1(b *testing.B) {
	s := exampleSigner()
	cards := []signer.Card{{CardID: benchCardID, Code: benchCode, OpenID: benchOpenID}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.AddCard(testTicket, cards); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAddCard1RandomNonce(b *testing.B) {
	var s signer.Signer
	cards := []signer.Card{{CardID: benchCardID, Code: benchCode, OpenID: benchOpenID}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.AddCard(testTicket, cards); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSConfig(b *testing.B) {
	s := exampleSigner()
	req := signer.JSConfigRequest{AppID: testAppID, URL: benchURL, JSAPIList: []string{"addCard", "chooseCard"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.JSConfig(testTicket, req); err != nil {
			b.Fatal(err)
		}
	}
}
