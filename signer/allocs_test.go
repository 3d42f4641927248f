package signer_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

// The allocation budget is part of the contract: one allocation (the
// returned string) for the signature functions, none for the Append
// variants. Escape analysis decides this, and a harmless-looking edit (a
// helper that is not inlined, say) can move a stack buffer to the heap.
func TestSignatureAllocations(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation changes escape analysis")
	}
	buf := make([]byte, 0, 64)
	signed := signer.SignCardExt(testTicket, benchTS, benchNonce, signer.Card{CardID: benchCardID})
	parsed, err := signer.ParseCardExt(signed.String())
	require.NoError(t, err)
	withFragment := benchURL + "#frag"
	long := make([]string, 9)
	for i := range long {
		long[i] = benchNonce
	}
	for _, tc := range []struct {
		name string
		want float64
		run  func()
	}{
		{"CardExtSignature", 1, func() {
			benchSink = signer.CardExtSignature(testTicket, benchTS, benchCardID, benchCode, benchOpenID, benchNonce)
		}},
		{"AppendCardExtSignature", 0, func() {
			buf = signer.AppendCardExtSignature(buf[:0], testTicket, benchTS, benchCardID, benchCode, benchOpenID, benchNonce)
		}},
		{"CardExtSignature/millisecond timestamp", 1, func() {
			benchSink = signer.CardExtSignature(testTicket, benchTS*1000, benchCardID, "", "", benchNonce)
		}},
		{"ChooseCardSignature", 1, func() {
			benchSink = signer.ChooseCardSignature(testTicket, testAppID, "123456", benchTS, benchNonce, benchCardID, "GROUPON")
		}},
		{"AppendChooseCardSignature", 0, func() {
			buf = signer.AppendChooseCardSignature(buf[:0], testTicket, testAppID, "", benchTS, benchNonce, "", "")
		}},
		{"JSSDKSignature", 1, func() {
			benchSink = signer.JSSDKSignature(testTicket, benchNonce, benchTS, withFragment)
		}},
		{"AppendJSSDKSignature", 0, func() {
			buf = signer.AppendJSSDKSignature(buf[:0], testTicket, benchNonce, benchTS, benchURL)
		}},
		{"SortedSHA1", 1, func() {
			benchSink = signer.SortedSHA1(testTicket, "b", "a")
		}},
		{"ParsedCardExt.SignedBy", 0, func() {
			if !parsed.SignedBy(testTicket, benchCardID) {
				panic("does not verify")
			}
		}},
		{"AppendSortedSHA1", 0, func() {
			buf = signer.AppendSortedSHA1(buf[:0], testTicket, "b", "a", benchCardID, benchOpenID, benchCode, benchNonce, "x")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, testing.AllocsPerRun(200, tc.run))
		})
	}
}
