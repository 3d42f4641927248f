package edge

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The error body is written with signer.AppendJSONString, which escapes
// U+2028 and U+2029 where this package's former encoder wrote them raw; in
// everything else the two agreed byte for byte. Request text reaches a
// message only through quoteForMessage, whose strconv.Quote escapes those
// two runes itself, so bodies are unchanged; and whatever a message holds,
// its body decodes back to it.
func TestErrorBodyCarriesTheMessage(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnl\ncr\r", "\x00\x08\x0c\x1f\x7f", "<>&", "中文", "\u2028\u2029", "bad\xffutf8", "\xe2\x80"} {
		quoted := quoteForMessage(s)
		assert.NotContains(t, quoted, "\u2028", "%q", s)
		assert.NotContains(t, quoted, "\u2029", "%q", s)
		for _, msg := range []string{s, "unknown field " + quoted} {
			res := &Response{}
			writeError(res, badRequest(CodeInvalidJSON, msg))
			var body struct {
				Error struct{ Code, Message string }
			}
			require.NoError(t, json.Unmarshal(res.Body, &body), "%q", msg)
			assert.Equal(t, CodeInvalidJSON, body.Error.Code)
			std, err := json.Marshal(msg)
			require.NoError(t, err)
			var want string
			require.NoError(t, json.Unmarshal(std, &want))
			assert.Equal(t, want, body.Error.Message, "%q", msg)
		}
	}
}
