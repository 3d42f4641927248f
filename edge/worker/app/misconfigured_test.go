package app_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge/worker/app"
)

// The body's message is encoded by signer.AppendJSONString. It writes \b
// and \f as \u0008 and \u000c where encoding/json (used here before) writes
// \b and \f; both decode to the same text, which is what this checks for
// every kind of character an error message could hold.
func TestMisconfiguredBodyCarriesTheErrorText(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"WXCARD_SECRET is not set", `q"uote \ back`, "\b\f\t\n\r\x00\x1f\x7f", "<>&", "中文", "\u2028\u2029", "bad\xffutf8"} {
		rec := httptest.NewRecorder()
		app.MisconfiguredHandler(errors.New(text)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		raw, err := io.ReadAll(rec.Body)
		require.NoError(t, err)
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		require.NoError(t, json.Unmarshal(raw, &body), "%q", text)
		assert.Equal(t, "worker_misconfigured", body.Error.Code)
		std, err := json.Marshal(text)
		require.NoError(t, err)
		var want string
		require.NoError(t, json.Unmarshal(std, &want))
		assert.Equal(t, want, body.Error.Message, "%q", text)
	}
}
