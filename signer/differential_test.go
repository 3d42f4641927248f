package signer_test

import (
	"crypto/sha1"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/signer"
)

// naiveSortedSHA1 is the rule written as plainly as possible, to check the
// optimised implementation against.
func naiveSortedSHA1(values ...string) string {
	sorted := append([]string(nil), values...)
	sort.Strings(sorted)
	return fmt.Sprintf("%x", sha1.Sum([]byte(strings.Join(sorted, ""))))
}

func naiveJSSDK(ticket, nonce string, ts int64, url string) string {
	url, _, _ = strings.Cut(url, "#")
	s := "jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + strconv.FormatInt(ts, 10) + "&url=" + url
	return fmt.Sprintf("%x", sha1.Sum([]byte(s)))
}

// randomValue draws from the shapes that break signers: empty, ASCII,
// non-ASCII, shared prefixes, long values past the stack buffer.
func randomValue(r *rand.Rand) string {
	switch r.IntN(8) {
	case 0:
		return ""
	case 1:
		return strconv.FormatInt(r.Int64N(1<<40), 10)
	case 2:
		return "中文卡券" + strconv.Itoa(r.IntN(100))
	case 3:
		return strings.Repeat("x", r.IntN(700))
	case 4:
		return "p" + strconv.Itoa(r.IntN(10))
	case 5:
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	default:
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_#?&="
		b := make([]byte, 1+r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
}

func TestDifferentialAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 12000; i++ {
		ticket, cardID, code, openID, nonce := randomValue(r), randomValue(r), randomValue(r), randomValue(r), randomValue(r)
		appID, shop, cardType, url := randomValue(r), randomValue(r), randomValue(r), randomValue(r)
		ts := r.Int64N(1 << 34)
		if r.IntN(10) == 0 {
			ts = -ts
		}
		tsStr := strconv.FormatInt(ts, 10)

		require.Equal(t, naiveSortedSHA1(ticket, tsStr, cardID, code, openID, nonce),
			signer.CardExtSignature(ticket, ts, cardID, code, openID, nonce), "case %d", i)
		require.Equal(t, naiveSortedSHA1(ticket, appID, shop, tsStr, nonce, cardID, cardType),
			signer.ChooseCardSignature(ticket, appID, shop, ts, nonce, cardID, cardType), "case %d", i)
		require.Equal(t, naiveJSSDK(ticket, nonce, ts, url), signer.JSSDKSignature(ticket, nonce, ts, url), "case %d", i)

		// The Append variants must keep what dst holds and grow it when
		// its spare capacity is short of 40 bytes.
		prefix := append(make([]byte, 0, 7+r.IntN(60)), "prefix:"...)
		require.Equal(t, "prefix:"+naiveSortedSHA1(ticket, tsStr, cardID, code, openID, nonce),
			string(signer.AppendCardExtSignature(prefix, ticket, ts, cardID, code, openID, nonce)), "case %d", i)
		require.Equal(t, "prefix:"+naiveSortedSHA1(ticket, appID, shop, tsStr, nonce, cardID, cardType),
			string(signer.AppendChooseCardSignature(prefix, ticket, appID, shop, ts, nonce, cardID, cardType)), "case %d", i)
		require.Equal(t, "prefix:"+naiveJSSDK(ticket, nonce, ts, url),
			string(signer.AppendJSSDKSignature(prefix, ticket, nonce, ts, url)), "case %d", i)
		require.Equal(t, "prefix:"+naiveSortedSHA1(ticket, code, nonce),
			string(signer.AppendSortedSHA1(prefix, ticket, code, nonce)), "case %d", i)

		n := r.IntN(12)
		values := make([]string, n)
		for j := range values {
			values[j] = randomValue(r)
		}
		before := append(make([]string, 0, n), values...)
		require.Equal(t, naiveSortedSHA1(values...), signer.SortedSHA1(values...), "case %d", i)
		require.Equal(t, before, values, "SortedSHA1 must not reorder the caller's slice")
	}
}
