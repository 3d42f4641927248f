package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/edge/worker/app"
	"github.com/wxcard/wxcard/emulator"
	"github.com/wxcard/wxcard/emulator/emulatortest"
	"github.com/wxcard/wxcard/kv"
	"github.com/wxcard/wxcard/signer"
)

const (
	appID  = "wxapp0123456789ab"
	secret = "SECRET-0123456789abcdef0123456789"
	// 32 bytes each, base64url.
	grantSecret  = "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o"
	grantSecret2 = "ZGtyeYCHjpWco6qxuL_GzdTb4unw9_4FDBMaISgvNj0"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadSettings(t *testing.T) {
	s, err := app.LoadSettings(env(map[string]string{
		app.EnvAppID: " " + appID + " ", app.EnvSecret: secret, app.EnvBaseURL: "http://127.0.0.1:9/",
		app.EnvAllowedOrigins: "https://a.example, https://b.example\nhttp://127.0.0.1:8080",
		app.EnvAllowedCardIDs: "c1,,c2 c3",
		app.EnvPublicCardIDs:  "pCard1", app.EnvJSConfigURLPrefixes: "https://a.example/ https://b.example/cards/",
		app.EnvGrantKeys: "k1:" + grantSecret + ", k2:" + grantSecret2,
	}))
	require.NoError(t, err)
	assert.Equal(t, appID, s.AppID)
	assert.Equal(t, []string{"https://a.example", "https://b.example", "http://127.0.0.1:8080"}, s.AllowedOrigins)
	assert.Equal(t, []string{"c1", "c2", "c3"}, s.AllowedCardIDs)
	assert.Equal(t, []string{"pCard1"}, s.PublicCardIDs)
	assert.Equal(t, []string{"https://a.example/", "https://b.example/cards/"}, s.JSConfigURLPrefixes)
	require.Len(t, s.GrantKeys, 2)
	assert.Equal(t, "k2", s.GrantKeys[1].ID)

	public := "pCard1"
	for name, m := range map[string]map[string]string{
		"no appid":      {app.EnvSecret: secret, app.EnvPublicCardIDs: public},
		"no secret":     {app.EnvAppID: appID, app.EnvPublicCardIDs: public},
		"bad base":      {app.EnvAppID: appID, app.EnvSecret: secret, app.EnvPublicCardIDs: public, app.EnvBaseURL: "ftp://x"},
		"relative":      {app.EnvAppID: appID, app.EnvSecret: secret, app.EnvPublicCardIDs: public, app.EnvBaseURL: "/api"},
		"blank appid":   {app.EnvAppID: "  ", app.EnvSecret: secret, app.EnvPublicCardIDs: public},
		"no policy":     {app.EnvAppID: appID, app.EnvSecret: secret},
		"short key":     {app.EnvAppID: appID, app.EnvSecret: secret, app.EnvGrantKeys: "k1:" + grantSecret[:30]},
		"key no id":     {app.EnvAppID: appID, app.EnvSecret: secret, app.EnvGrantKeys: grantSecret},
		"repeated key":  {app.EnvAppID: appID, app.EnvSecret: secret, app.EnvGrantKeys: "k1:" + grantSecret + " k1:" + grantSecret2},
		"blank keys":    {app.EnvAppID: appID, app.EnvSecret: secret, app.EnvGrantKeys: " , "},
		"blank publics": {app.EnvAppID: appID, app.EnvSecret: secret, app.EnvPublicCardIDs: " "},
	} {
		_, err := app.LoadSettings(env(m))
		require.Error(t, err, name)
		assert.ErrorIs(t, err, app.ErrMisconfigured)
		assert.NotContains(t, err.Error(), secret)
		assert.NotContains(t, err.Error(), grantSecret[:20])
		assert.NotContains(t, err.Error(), grantSecret2[:20])
	}
	_, err = app.LoadSettings(env(map[string]string{app.EnvAppID: appID, app.EnvSecret: secret}))
	assert.Contains(t, err.Error(), app.EnvGrantKeys, "the refusal says how to configure")
	assert.Contains(t, err.Error(), app.EnvPublicCardIDs)
}

func TestHandlerFetchesTicketOnceThroughTheStore(t *testing.T) {
	up := emulatortest.Start(t, emulatortest.WithApp(appID, secret), emulatortest.WithEmulator(emulator.WithTicketPerCall(true)))
	store := kv.NewMemory()
	h, err := app.NewHandler(app.Settings{AppID: appID, Secret: secret, BaseURL: up.URL, PublicCardIDs: []string{"pCard1"}}, http.DefaultClient, store, nil)
	require.NoError(t, err)

	for i := 0; i < 5; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/addcard", strings.NewReader(`{"cards":[{"card_id":"pCard1"}]}`)))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var out struct {
			CardList []struct{ CardID, CardExt string } `json:"cardList"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
		ticket, ok := up.Emu.Ticket(appID, "wx_card")
		require.True(t, ok)
		v, err := signer.VerifyCardExt(ticket, "pCard1", out.CardList[0].CardExt)
		require.NoError(t, err)
		assert.True(t, v.Valid)
	}
	assert.Equal(t, 1, up.TicketFetches("wx_card"))

	// A second handler on the same store (another isolate) fetches nothing.
	h2, err := app.NewHandler(app.Settings{AppID: appID, Secret: secret, BaseURL: up.URL, PublicCardIDs: []string{"pCard1"}}, http.DefaultClient, store, nil)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h2.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/jsconfig?url=https://a.example/", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	rec = httptest.NewRecorder()
	h2.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/addcard", strings.NewReader(`{"cards":[{"card_id":"pCard1"}]}`)))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, 1, up.TicketFetches("wx_card"))
	assert.Equal(t, 1, up.TicketFetches("jsapi"))
	assert.Equal(t, 1, up.TokenFetches())
}

func TestWrongSecretIsReportedWithoutIt(t *testing.T) {
	up := emulatortest.Start(t, emulatortest.WithApp(appID, secret))
	const wrong = "SECRET-wrong-wrong-wrong-wrong"
	h, err := app.NewHandler(app.Settings{AppID: appID, Secret: wrong, BaseURL: up.URL, PublicCardIDs: []string{"pCard1"}}, http.DefaultClient, kv.NewMemory(), nil)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/addcard", strings.NewReader(`{"cards":[{"card_id":"pCard1"}]}`)))
	assert.Equal(t, http.StatusBadGateway, rec.Code)
	assert.Contains(t, rec.Body.String(), `"upstream_rejected"`)
	assert.Contains(t, rec.Body.String(), "40125")
	assert.NotContains(t, rec.Body.String(), wrong)
}

func TestMisconfiguredHandler(t *testing.T) {
	_, err := app.LoadSettings(env(map[string]string{app.EnvAppID: appID}))
	require.Error(t, err)
	rec := httptest.NewRecorder()
	app.MisconfiguredHandler(err).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	body, _ := io.ReadAll(rec.Body)
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e))
	assert.Equal(t, "worker_misconfigured", e.Error.Code)
	assert.Contains(t, e.Error.Message, app.EnvSecret)

	_, err = app.NewHandler(app.Settings{AppID: appID, Secret: secret}, nil, kv.NewMemory(), nil)
	assert.Error(t, err)
	_, err = app.NewHandler(app.Settings{AppID: appID, Secret: secret, AllowedOrigins: []string{"*"}}, http.DefaultClient, kv.NewMemory(), nil)
	assert.ErrorIs(t, err, app.ErrMisconfigured)
}
