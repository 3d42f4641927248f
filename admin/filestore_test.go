//go:build !js && !wasip1

package admin

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/kv"
)

// TestFileStoreSurvivesRestart: a server restarted on the same file keeps
// using the ticket it fetched before, instead of spending another fetch.
func TestFileStoreSurvivesRestart(t *testing.T) {
	t.Parallel()
	f := newFakeWeChat(t)
	path := filepath.Join(t.TempDir(), "wxcard.db")

	store, err := kv.OpenFile(path)
	require.NoError(t, err)
	before, err := newTestClient(t, f, WithStore(store)).CardTicket(t.Context())
	require.NoError(t, err)
	require.NoError(t, store.Close())

	store, err = kv.OpenFile(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	after, err := newTestClient(t, f, WithStore(store)).CardTicket(t.Context())
	require.NoError(t, err)
	assert.Equal(t, before, after)
	assert.EqualValues(t, 1, f.tokenFetches())
	assert.EqualValues(t, 1, f.ticketFetches("wx_card"))
}
