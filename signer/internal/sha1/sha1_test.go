package sha1

import (
	"crypto/sha1"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func requireSameAsCrypto(t *testing.T, msg []byte) {
	t.Helper()
	want := sha1.Sum(msg)
	require.Equal(t, want, Sum(msg), "Sum, length %d", len(msg))
	var got [2 * Size]byte
	HexSum(&got, msg)
	require.Equal(t, hex.EncodeToString(want[:]), string(got[:]), "HexSum, length %d", len(msg))
}

// Every length up to 300 crosses the one- and two-block tails and several
// whole blocks.
func TestSumMatchesCryptoSHA1(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(r.Uint32())
		}
		requireSameAsCrypto(t, msg)
	}
}

func FuzzSum(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte(strings.Repeat("a", 55)))
	f.Add([]byte(strings.Repeat("a", 56)))
	f.Add([]byte(strings.Repeat("a", 64)))
	f.Fuzz(requireSameAsCrypto)
}

func BenchmarkHexSum(b *testing.B) {
	msg := []byte(strings.Repeat("x", 120))
	var out [2 * Size]byte
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		HexSum(&out, msg)
	}
}
