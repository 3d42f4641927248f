package emulator

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStateRouteReleasesLock: state that validation would refuse at load
// (here planted afterwards: card_order naming a missing card) must not
// wedge the emulator. GET /emulator/v1/state used to panic while holding
// the lock, after which every request, and shutdown, waited forever.
func TestStateRouteReleasesLock(t *testing.T) {
	t.Parallel()
	e, err := New(WithApp("wx0123456789abcdef", "0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	a := e.st.Apps[e.st.DevApp]
	a.CardOrder = append(a.CardOrder, "pMissing")
	a.Cards["pNull"] = nil
	a.CardOrder = append(a.CardOrder, "pNull")

	for range 2 {
		rec := httptest.NewRecorder()
		func() {
			defer func() { recover() }() // what net/http does with a panic
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/emulator/v1/state", nil))
		}()
		require.True(t, e.mu.TryLock(), "the lock is free after the request")
		e.mu.Unlock()
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/emulator/v1/clock", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
}

// TestLockedReleasesOnPanic: locked, which every unlocking path of the
// control routes goes through, releases the lock when its function panics.
func TestLockedReleasesOnPanic(t *testing.T) {
	t.Parallel()
	e, err := New()
	require.NoError(t, err)
	assert.Panics(t, func() { e.locked(func() { panic("handler bug") }) })
	require.True(t, e.mu.TryLock())
	e.mu.Unlock()
}
