// Package emulatortest starts the WeChat emulator for tests: an httptest
// server on a loopback port serving an emulator.Emulator, and an
// admin.Client pointed at it that shares the emulator's clock. It also
// records what went over the wire (calls per path, every token and ticket
// handed out) and can stall getticket, for the tests of caches in front of
// WeChat.
package emulatortest

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/signer"
)

// Default credentials of the app Start registers when WithApp is not given.
const (
	DefaultAppID  = "wx0123456789abcdef"
	DefaultSecret = "emulator-test-secret-0123456789"
)

// Server is a running emulator, reached over HTTP at URL, with an admin
// client for its app. The Recorder wraps the emulator and counts calls.
type Server struct {
	*Recorder
	Emu    *emulator.Emulator
	URL    string
	AppID  string
	Secret string
	// Client is an admin client for AppID on URL, whose clock (and so its
	// signer's) is the emulator's.
	Client *admin.Client
}

type settings struct {
	appID, secret string
	emuOpts       []emulator.Option
	clientOpts    []admin.Option
}

// Option varies what Start sets up.
type Option func(*settings)

// WithApp registers the app under test with these credentials instead of
// DefaultAppID and DefaultSecret.
func WithApp(appID, secret string) Option {
	return func(s *settings) { s.appID, s.secret = appID, secret }
}

// WithEmulator adds options for emulator.New (after the app).
func WithEmulator(opts ...emulator.Option) Option {
	return func(s *settings) { s.emuOpts = append(s.emuOpts, opts...) }
}

// WithClient adds options for Server.Client (after the base URL and clock).
func WithClient(opts ...admin.Option) Option {
	return func(s *settings) { s.clientOpts = append(s.clientOpts, opts...) }
}

// Start runs an emulator until the test ends and returns it with a ready
// admin client.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	st := settings{appID: DefaultAppID, secret: DefaultSecret}
	for _, o := range opts {
		o(&st)
	}
	emu, err := emulator.New(append([]emulator.Option{emulator.WithApp(st.appID, st.secret)}, st.emuOpts...)...)
	require.NoError(t, err)
	rec := NewRecorder(emu, st.secret)
	// httptest listens on 127.0.0.1: loopback only.
	srv := httptest.NewServer(rec)
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, emu.Close(), "closing the emulator's snapshot")
	})
	s := &Server{Recorder: rec, Emu: emu, URL: srv.URL, AppID: st.appID, Secret: st.secret}
	s.Client = s.NewClient(t, st.clientOpts...)
	return s
}

// NewClient returns another admin client for the app, as a second server
// process would have, with opts after the base URL and the clock.
func (s *Server) NewClient(t testing.TB, opts ...admin.Option) *admin.Client {
	t.Helper()
	c, err := admin.NewClient(s.AppID, s.Secret, append([]admin.Option{admin.WithBaseURL(s.URL), admin.WithClock(s.Emu.Now)}, opts...)...)
	require.NoError(t, err)
	return c
}

// Approve passes a card's review.
func (s *Server) Approve(t testing.TB, cardID string) {
	t.Helper()
	require.NoError(t, s.Emu.Approve(t.Context(), s.AppID, cardID))
}

// AddToWallet plays the phone: openID's WeChat client runs wx.addCard with
// list. Cards refused are in the response; only a call that could not run
// fails the test.
func (s *Server) AddToWallet(t testing.TB, openID string, list signer.CardList) emulator.WalletResponse {
	t.Helper()
	res, err := s.Emu.AddToWallet(t.Context(), s.AppID, openID, list)
	require.NoError(t, err)
	return res
}
