package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/internal/testreq"
)

// The local server as an attacker would try it, against the real binary: a
// page on another site posting to the demo's backend through the user's
// browser, a page on a rebinding DNS name, flags that only fail late.

// userCode puts an approved card into a simulated user's wallet and returns
// its code and encrypt_code.
func userCode(t *testing.T, base string) (cardID, code, encryptCode string) {
	t.Helper()
	card := approvedCard(t, base)
	var list cardListAnswer
	body := map[string]any{"cards": []map[string]string{{"card_id": card.CardID}}}
	require.Equal(t, http.StatusOK, httpJSON(t, http.MethodPost, base+"/v1/addcard", body, &list).StatusCode)
	added := walletAdd(t, base, "oVictim", list)
	require.Len(t, added.CardList, 1)
	require.True(t, added.CardList[0].IsSuccess, "%+v", added.CardList[0])
	return card.CardID, added.CardList[0].Code, added.CardList[0].EncryptCode
}

// stateChangingRoutes are every POST route of the demo, the stand-in and
// the emulator's control, with a body each would accept.
func stateChangingRoutes(cardID, code, encryptCode string) map[string]string {
	return map[string]string{
		"/demo/api/consume":                   `{"code":"` + code + `"}`,
		"/demo/api/decrypt":                   `{"encrypt_code":"` + encryptCode + `"}`,
		"/demo/api/grant":                     `{"card_id":"` + cardID + `","openid":"oVictim"}`,
		"/standin/v1/config":                  `{}`,
		"/standin/v1/choosecard":              `{}`,
		"/wechat/emulator/v1/wallet/add":      `{"openid":"oAttacker","cardList":[]}`,
		"/wechat/emulator/v1/encrypt":         `{"code":"` + code + `"}`,
		"/wechat/emulator/v1/clock":           `{"advance":"24h"}`,
		"/wechat/emulator/v1/faults":          `{"busy_rate":1}`,
		"/wechat/emulator/v1/cards/x/approve": `{}`,
	}
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	t.Parallel()
	p := startServer(t, nil, "-addr", "127.0.0.1:0", "-store", "memory")
	cardID, code, encryptCode := userCode(t, p.URL)
	routes := stateChangingRoutes(cardID, code, encryptCode)

	// What a page on https://attacker.example can send without a CORS
	// preflight: text/plain, a form, multipart; with its Origin, or with
	// none (a form from a sandboxed frame sends "null").
	simple := []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}
	for path, body := range routes {
		for _, origin := range []string{"https://attacker.example", "null", ""} {
			for _, ct := range simple {
				status, errCode := testreq.Status(t, http.MethodPost, p.URL+path, "", origin, ct, body)
				assert.Contains(t, []int{http.StatusForbidden, http.StatusUnsupportedMediaType}, status, "%s from %q as %s", path, origin, ct)
				assert.Contains(t, []string{"forbidden_origin", "unsupported_media_type"}, errCode, "%s from %q as %s", path, origin, ct)
			}
		}
		// JSON from a foreign origin: the preflight is refused, and so is
		// the request itself should a client skip it.
		status, errCode := testreq.Status(t, http.MethodOptions, p.URL+path, "", "https://attacker.example", "", "")
		assert.Equal(t, http.StatusForbidden, status, "preflight %s", path)
		assert.Equal(t, "forbidden_origin", errCode, "preflight %s", path)
		status, errCode = testreq.Status(t, http.MethodPost, p.URL+path, "", "https://attacker.example", "application/json", body)
		assert.Equal(t, http.StatusForbidden, status, path)
		assert.Equal(t, "forbidden_origin", errCode, path)
	}

	// Nothing happened: the clock did not move, no fault was installed,
	// and the victim's code is still there for the real till to consume.
	var clock struct{ Offset string }
	httpJSON(t, http.MethodGet, p.URL+"/wechat/emulator/v1/clock", nil, &clock)
	assert.Equal(t, "0s", clock.Offset)
	var faults struct {
		BusyRate float64 `json:"busy_rate"`
	}
	httpJSON(t, http.MethodGet, p.URL+"/wechat/emulator/v1/faults", nil, &faults)
	assert.Zero(t, faults.BusyRate)
	var consumed map[string]string
	resp := httpJSON(t, http.MethodPost, p.URL+"/demo/api/consume", map[string]string{"code": code}, &consumed)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", consumed)
	assert.Equal(t, cardID, consumed["card_id"])

	// A loopback page (the demo, a merchant page on another local port)
	// still gets through, preflight and all.
	status, _ := testreq.Status(t, http.MethodOptions, p.URL+"/demo/api/decrypt", "", "http://localhost:3000", "", "")
	assert.Equal(t, http.StatusNoContent, status)
	status, _ = testreq.Status(t, http.MethodPost, p.URL+"/demo/api/decrypt", "", "http://localhost:3000", "application/json", routes["/demo/api/decrypt"])
	assert.Equal(t, http.StatusOK, status)
}

func TestForeignHostIsRefused(t *testing.T) {
	t.Parallel()
	p := startServer(t, nil, "-addr", "127.0.0.1:0", "-store", "memory", "-public-hosts", "cards.test")
	cardID, code, encryptCode := userCode(t, p.URL)

	// Every route that reads or changes the emulator's state, read and
	// write, WeChat's own paths included.
	type call struct{ method, path, body string }
	var calls []call
	for path, body := range stateChangingRoutes(cardID, code, encryptCode) {
		calls = append(calls, call{http.MethodPost, path, body})
	}
	calls = append(calls,
		call{http.MethodGet, "/demo/api/cards", ""},
		call{http.MethodGet, "/standin/v1/cards", ""},
		call{http.MethodGet, "/wechat/emulator/v1/state", ""},
		call{http.MethodGet, "/wechat/emulator/v1/clock", ""},
		call{http.MethodGet, "/wechat/cgi-bin/token?grant_type=client_credential&appid=" + p.AppID + "&secret=" + p.Secret, ""},
		call{http.MethodPost, "/wechat/card/code/consume?access_token=x", `{"code":"` + code + `"}`},
	)
	for _, c := range calls {
		for _, host := range []string{"attacker.example", "attacker.example:" + portOf(p.URL), "localhost.:" + portOf(p.URL), "127.0.0.1.nip.io"} {
			status, errCode := testreq.Status(t, c.method, p.URL+c.path, host, "", "application/json", c.body)
			assert.Equal(t, http.StatusForbidden, status, "%s %s Host %s", c.method, c.path, host)
			assert.Equal(t, "host_not_allowed", errCode, "%s %s Host %s", c.method, c.path, host)
		}
	}
	// Loopback names and the configured public host are served.
	for _, host := range []string{"localhost:" + portOf(p.URL), "127.0.0.1", "[::1]:" + portOf(p.URL), "cards.test", "CARDS.test:443"} {
		status, _ := testreq.Status(t, http.MethodGet, p.URL+"/wechat/emulator/v1/state", host, "", "", "")
		assert.Equal(t, http.StatusOK, status, host)
	}
	// The config API is not a state route: a deployment names itself.
	status, _ := testreq.Status(t, http.MethodGet, p.URL+"/healthz", "attacker.example", "", "", "")
	assert.Equal(t, http.StatusOK, status)
}

func portOf(base string) string {
	return base[strings.LastIndex(base, ":")+1:]
}

// TestNonLoopbackBindTurnsTheDemoOff: bound for the network, the demo's
// backend (which consumes codes with the server's own token) is off with
// the control routes, and -emulator-control=true brings both back.
func TestNonLoopbackBindTurnsTheDemoOff(t *testing.T) {
	t.Parallel()
	p := startServer(t, nil, "-addr", "0.0.0.0:0", "-store", "memory")
	assert.NotContains(t, p.Stdout.String(), "Demo merchant page")
	assert.Contains(t, p.Stdout.String(), "off, with the demo and the stand-in")
	for _, path := range []string{"/demo/api/consume", "/demo/api/decrypt", "/demo/api/grant", "/standin/v1/config", "/demo/", "/wx-standin.js"} {
		status, errCode := testreq.Status(t, http.MethodPost, p.URL+path, "", "", "application/json", `{}`)
		assert.Equal(t, http.StatusNotFound, status, path)
		assert.Equal(t, "demo_off", errCode, path)
	}
	p.stop(t)

	on := startServer(t, nil, "-addr", "0.0.0.0:0", "-store", "memory", "-emulator-control=true")
	assert.Contains(t, on.Stdout.String(), "drive the emulator and the demo's backend")
	status, errCode := testreq.Status(t, http.MethodPost, on.URL+"/demo/api/consume", "", "", "application/json", `{}`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_request", errCode)
	on.stop(t)
}

// TestLateFlagMistakesExitWith2: values that pass flag parsing but that a
// part refuses later are usage errors, with a message naming the flag,
// never a panic.
func TestLateFlagMistakesExitWith2(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("p", 65)
	tests := []struct {
		name    string
		args    []string
		message string
	}{
		{"origin in upper case", []string{"-allowed-origins", "http://A.example"}, `"http://A.example" is not an origin`},
		{"origin with a trailing ?", []string{"-allowed-origins", "http://a.example?"}, `"http://a.example?" is not an origin`},
		{"origin with a trailing #", []string{"-allowed-origins", "http://a.example#"}, `"http://a.example#" is not an origin`},
		{"origin with a user", []string{"-allowed-origins", "http://user@a.example"}, `"http://user@a.example" is not an origin`},
		{"allowed card id over 64 bytes", []string{"-allowed-card-ids", long}, "-allowed-card-ids[0]"},
		{"allowed card id with a control byte", []string{"-allowed-card-ids", "pA\x01B"}, "-allowed-card-ids[0]"},
		{"public card id over 64 bytes", []string{"-public-card-ids", "pOK," + long}, "-public-card-ids[1]"},
		{"public card id with a control byte", []string{"-public-card-ids", "p\x7fB"}, "-public-card-ids[0]"},
		{"jsconfig prefix without a scheme", []string{"-jsconfig-url-prefixes", "shop.example.com/"}, "-jsconfig-url-prefixes[0]"},
		{"public host with a scheme", []string{"-public-hosts", "http://cards.test"}, "-public-hosts"},
		{"negative rate limit", []string{"-rate-limit", "-1"}, "-rate-limit"},
		{"rate limit without burst", []string{"-rate-burst", "0"}, "-rate-burst"},
		{"log sample not a number", []string{"-log-sample", "lots"}, "-log-sample"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := launch(t, nil, append([]string{"-addr", "127.0.0.1:0", "-store", "memory"}, tc.args...)...)
			code, _ := p.exit(t, 15*time.Second)
			out := p.Stdout.String() + p.Stderr.String()
			assert.Equal(t, 2, code, out)
			assert.Contains(t, out, tc.message)
			assert.NotContains(t, out, "panic")
			assert.NotContains(t, out, "goroutine")
			assert.NotContains(t, out, "Ready on")
		})
	}
}
