package emulator

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzEntityKey: a stored key is parsed back into the parts it was built
// from, and no byte string makes the parser panic.
func FuzzEntityKey(f *testing.F) {
	f.Add("wx0123456789abcdef", "pc0IwDnK5SNqa7UpcYbOeMaF8-jZ", "CODE-1", []byte{0x12, 'w'})
	f.Add("", "", "", []byte{})
	f.Add("a\x00b", "", seqKey(7), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, app, card, key string, raw []byte) {
		en := entity{bucket: bucketCodes, app: app, card: card, key: key}
		got, err := parseEntityKey(bucketCodes, entityKey(en))
		require.NoError(t, err)
		require.Equal(t, en, got)
		parseEntityKey(bucketCodes, raw)
	})
}

func TestSeqKeyOrder(t *testing.T) {
	t.Parallel()
	for _, seq := range []int{0, 1, 255, 256, 1 << 20} {
		require.Equal(t, seq, seqOf(seqKey(seq)))
		require.Less(t, seqKey(seq), seqKey(seq+1), "keys sort as their numbers")
	}
	require.Equal(t, -1, seqOf("short"))
}
