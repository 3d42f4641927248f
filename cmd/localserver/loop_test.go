package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/events"
	"github.com/wxcard/wxcard/internal/testbalancer"
	"github.com/wxcard/wxcard/kv/kvtest"
)

// The merchant loop against the real binary, offline: the user signs in
// through the emulated web authorization, the backend signs a card for that
// openid, the simulated phone adds it, the backend's server URL receives
// user_get_card with the code, the till consumes it, and user_consume_card
// arrives. The first push of each event has its answer lost, so WeChat's
// retry follows; the callback still runs once per event.

type pushedEvent struct {
	ID     int64  `json:"id"`
	Event  string `json:"event"`
	OpenID string `json:"openid"`
	CardID string `json:"card_id"`
	Code   string `json:"code"`
	Mode   string `json:"mode"`
	XML    string `json:"xml"`
}

type pushLog struct {
	Target struct {
		URL  string `json:"url"`
		Mode string `json:"mode"`
	} `json:"target"`
	Pushes []struct {
		Event    string `json:"event"`
		Code     string `json:"code"`
		Status   string `json:"status"`
		Attempts []struct {
			Outcome string `json:"outcome"`
		} `json:"attempts"`
	} `json:"pushes"`
}

// signInBrowser runs the sign-in redirect chain in a browser-like client and
// returns it (with the session cookie) and the openid.
func signInBrowser(t *testing.T, base string) (*http.Client, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	res, err := browser.Get(base + "/demo/auth/login?next=/demo/")
	require.NoError(t, err)
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "/demo/", res.Request.URL.Path, "back on the page it started from")

	res, err = browser.Get(base + "/demo/api/me")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var me struct{ OpenID, Nickname string }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&me))
	require.Len(t, me.OpenID, 28)
	return browser, me.OpenID
}

// waitPushes returns the emulator's push log once every push queued so
// far has landed (the route waits; nothing here polls).
func waitPushes(t *testing.T, base string) pushLog {
	t.Helper()
	var log pushLog
	res := httpJSON(t, "GET", base+"/wechat/emulator/v1/push?wait=15s", nil, &log)
	require.Equal(t, http.StatusOK, res.StatusCode)
	return log
}

func receivedEvents(t *testing.T, base, event string) []pushedEvent {
	t.Helper()
	var body struct {
		Mode   string        `json:"mode"`
		Events []pushedEvent `json:"events"`
	}
	httpJSON(t, "GET", base+"/demo/api/events", nil, &body)
	var out []pushedEvent
	for _, ev := range body.Events {
		if ev.Event == event {
			out = append(out, ev)
		}
	}
	return out
}

func TestMerchantLoopOffline(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"plaintext", "safe", "compatible"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			p := startServer(t, nil, "-addr", "127.0.0.1:0", "-store", "memory", "-auto-approve", "-events-mode", mode)
			_, openid := signInBrowser(t, p.URL)

			var cards struct {
				Cards []struct {
					CardID string `json:"card_id"`
				} `json:"cards"`
			}
			httpJSON(t, "GET", p.URL+"/demo/api/cards", nil, &cards)
			require.NotEmpty(t, cards.Cards)
			cardID := cards.Cards[0].CardID

			log := waitPushes(t, p.URL)
			assert.Equal(t, mode, log.Target.Mode)
			assert.Equal(t, p.URL+"/events", log.Target.URL)
			assert.NotEmpty(t, receivedEvents(t, p.URL, "card_pass_check"), "the seeded cards' reviews were pushed")

			// Every first delivery from here on loses its answer.
			res := httpJSON(t, "POST", p.URL+"/wechat/emulator/v1/push/faults", map[string]int{"lose_answers": 1}, nil)
			require.Equal(t, http.StatusOK, res.StatusCode)

			var signed struct {
				CardList json.RawMessage `json:"cardList"`
			}
			res = httpJSON(t, "POST", p.URL+"/v1/addcard", map[string]any{"cards": []map[string]string{{"card_id": cardID, "openid": openid}}}, &signed)
			require.Equal(t, http.StatusOK, res.StatusCode)
			var added struct {
				ErrMsg   string `json:"errMsg"`
				CardList []struct {
					Code      string `json:"code"`
					IsSuccess bool   `json:"isSuccess"`
				} `json:"cardList"`
			}
			res = httpJSON(t, "POST", p.URL+"/wechat/emulator/v1/wallet/add", map[string]any{"openid": openid, "cardList": signed.CardList}, &added)
			require.Equal(t, http.StatusOK, res.StatusCode)
			require.Equal(t, "addCard:ok", added.ErrMsg)
			code := added.CardList[0].Code

			log = waitPushes(t, p.URL)
			got := receivedEvents(t, p.URL, "user_get_card")
			require.Len(t, got, 1, "the retried push ran the callback once")
			assert.Equal(t, code, got[0].Code)
			assert.Equal(t, openid, got[0].OpenID)
			assert.Equal(t, cardID, got[0].CardID)
			assert.Equal(t, mode, got[0].Mode)
			assert.Contains(t, got[0].XML, "<UserCardCode><![CDATA["+code+"]]></UserCardCode>", "the panel shows the decrypted XML")
			assertRetriedOnce(t, log, "user_get_card")

			res = httpJSON(t, "POST", p.URL+"/wechat/emulator/v1/push/faults", map[string]int{"lose_answers": 1}, nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			var consumed struct{ OpenID string }
			res = httpJSON(t, "POST", p.URL+"/demo/api/consume", map[string]string{"code": code, "card_id": cardID}, &consumed)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, openid, consumed.OpenID)

			log = waitPushes(t, p.URL)
			used := receivedEvents(t, p.URL, "user_consume_card")
			require.Len(t, used, 1)
			assert.Equal(t, code, used[0].Code)
			assert.Contains(t, used[0].XML, "<ConsumeSource><![CDATA[FROM_API]]></ConsumeSource>")
			assertRetriedOnce(t, log, "user_consume_card")
			p.stop(t)
		})
	}
}

func assertRetriedOnce(t *testing.T, log pushLog, event string) {
	t.Helper()
	for _, push := range log.Pushes {
		if push.Event != event {
			continue
		}
		assert.Equal(t, "delivered", push.Status)
		require.Len(t, push.Attempts, 2, "%s: the lost answer, then the retry", event)
		assert.Equal(t, "answer_lost", push.Attempts[0].Outcome)
		assert.Equal(t, "success", push.Attempts[1].Outcome)
		return
	}
	t.Errorf("no %s in the push log", event)
}

func TestSignInEndpoints(t *testing.T) {
	t.Parallel()
	p := startServer(t, nil, "-addr", "127.0.0.1:0", "-store", "memory", "-seed=false")
	var who struct {
		SignedIn bool   `json:"signed_in"`
		OpenID   string `json:"openid"`
	}
	res := httpJSON(t, "GET", p.URL+"/demo/api/me", nil, &who)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.False(t, who.SignedIn)
	assert.Empty(t, who.OpenID)

	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	// A callback this browser did not start is refused (login CSRF).
	res = httpJSON(t, "GET", p.URL+"/demo/auth/callback?code=abc&state=0123456789abcdef0123456789abcdef", nil, &body)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Equal(t, "no_login_cookie", body.Error.Code)

	browser, openid := signInBrowser(t, p.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", p.URL+"/demo/api/signout", nil)
	require.NoError(t, err)
	res, err = browser.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode, "sign-out takes a JSON body, like every state-changing demo route")

	// The consent flow picks another simulated user.
	res, err = browser.Get(p.URL + "/demo/auth-profile/login?next=/demo/")
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(page), `id="consent-allow"`)
	q := res.Request.URL.Query()
	q.Set("consent", "allow")
	q.Set("emulator_user", "alice")
	res.Request.URL.RawQuery = q.Encode()
	res, err = browser.Get(res.Request.URL.String())
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, err = browser.Get(p.URL + "/demo/api/me")
	require.NoError(t, err)
	var me struct{ OpenID, Nickname string }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&me))
	res.Body.Close()
	assert.Equal(t, "alice", me.Nickname)
	assert.NotEqual(t, openid, me.OpenID)
}

// In wechat mode /events is the real server URL: WeChat's URL check and a
// safe-mode push with the token and key from the environment.
func TestWeChatModeServesTheServerURL(t *testing.T) {
	t.Parallel()
	const token, appID = "eventsToken42", "wx0123456789abcdef"
	key := "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	p := startServer(t, []string{"WXCARD_APPID=" + appID, "WXCARD_SECRET=s3cret", "WXCARD_EVENTS_TOKEN=" + token, "WXCARD_EVENTS_AES_KEY=" + key},
		"-addr", "127.0.0.1:0", "-store", "memory", "-public-card-ids", "pCard", "-base-url", "http://127.0.0.1:9/")
	assert.Contains(t, p.Stdout.String(), "/events  (safe mode)")
	assert.NotContains(t, p.Output(), token)
	assert.NotContains(t, p.Output(), key)

	ts := strconv.FormatInt(time.Now().Unix(), 10)
	q := events.PlainQuery(token, ts, "42")
	q.Set("echostr", "hello")
	res, err := http.Get(p.URL + "/events?" + q.Encode())
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, "hello", string(body), "WeChat's URL check")

	crypter, err := events.NewCrypter(token, key, appID)
	require.NoError(t, err)
	msg := "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oU]]></FromUserName><CreateTime>" + ts +
		"</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[user_del_card]]></Event><CardId><![CDATA[pCard]]></CardId><UserCardCode><![CDATA[1]]></UserCardCode></xml>"
	sealed, err := crypter.Seal([]byte(msg), "gh_1", ts, "43")
	require.NoError(t, err)
	res, err = http.Post(p.URL+"/events?"+sealed.Query.Encode(), "text/xml", bytes.NewReader(sealed.Body))
	require.NoError(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "success", string(body))
	assert.Equal(t, 1, p.countRequests(t, "/events")-1, "one push after the URL check")
	p.stop(t)
}

func TestEventsOffWithoutAToken(t *testing.T) {
	t.Parallel()
	p := startServer(t, []string{"WXCARD_APPID=wx0123456789abcdef", "WXCARD_SECRET=s3cret"},
		"-addr", "127.0.0.1:0", "-store", "memory", "-public-card-ids", "pCard", "-base-url", "http://127.0.0.1:9/")
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	res := httpJSON(t, "POST", p.URL+"/events", map[string]string{}, &body)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Equal(t, "events_off", body.Error.Code)
}

// Two servers share one real redis-server; the emulator in the first pushes
// through a round-robin balancer in front of both. The first delivery (its
// answer lost) lands on one, the retry on the other: the callback runs once
// in all.
func TestRetriedPushRunsOnceAcrossTwoServersSharingRedis(t *testing.T) {
	t.Parallel()
	redis := kvtest.StartRedis(t)
	const appID, token = "wx0123456789abcdef", "sharedToken9"
	key := "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	env := []string{"WXCARD_SECRET=dev-secret", "WXCARD_EVENTS_TOKEN=" + token, "WXCARD_EVENTS_AES_KEY=" + key}
	a := startServer(t, env, "-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-store", redis.URL(), "-mode", "emulator", "-appid", appID)
	b := startServer(t, env, "-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-store", redis.URL(), "-mode", "emulator", "-appid", appID, "-seed=false")
	card := approvedCard(t, a.URL)
	waitPushes(t, a.URL) // the seeded cards' reviews, pushed to a

	balancer := testbalancer.Start(t, a.URL, b.URL)

	res := httpJSON(t, "POST", a.URL+"/wechat/emulator/v1/push", map[string]string{
		"url": balancer.URL + "/events", "token": token, "encoding_aes_key": key, "mode": "safe",
	}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	res = httpJSON(t, "POST", a.URL+"/wechat/emulator/v1/push/faults", map[string]int{"lose_answers": 1}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	res = httpJSON(t, "POST", a.URL+"/wechat/emulator/v1/cards/"+card.CardID+"/approve", map[string]any{"reject": true, "reason": "logo unclear"}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)

	log := waitPushes(t, a.URL)
	var refused int
	for _, p := range []*proc{a, b} {
		refused += len(receivedEvents(t, p.URL, "card_not_pass_check"))
	}
	assert.Equal(t, 1, refused, "one callback for two deliveries to two servers")
	assert.Equal(t, int32(1), balancer.Hits(0))
	assert.Equal(t, int32(1), balancer.Hits(1))
	assertRetriedOnce(t, log, "card_not_pass_check")
	a.stop(t)
	b.stop(t)
}
