package errorbody_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/errorbody"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, code, msg string
		status          int
	}{
		{"plain", "bad_signature", "the signature does not match", http.StatusForbidden},
		{"text that JSON must escape", "invalid_body", "want \"xml\" </script> \u2028 多", http.StatusBadRequest},
		{"empty message", "method_not_allowed", "", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			errorbody.Write(rec, tt.status, tt.code, tt.msg)

			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			var got errorbody.Body
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
			assert.Equal(t, tt.code, got.Error.Code)
			assert.Equal(t, tt.msg, got.Error.Message)
		})
	}
}
