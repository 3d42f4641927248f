package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tCode = "110201201245"

func TestCodeOperations(t *testing.T) {
	t.Parallel()
	runOps(t, []opCase{
		{
			name: "Deposit", method: http.MethodPost, path: "card/code/deposit", fixture: "card_code_deposit.json",
			body: `{"card_id":"` + tCardID + `","code":["11111","22222","33333","4444!"]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Code.Deposit(ctx, tCardID, []string{"11111", "22222", "33333", "4444!"})
			},
			check: func(t *testing.T, got any) {
				assert.Equal(t, &DepositResult{Succeeded: []string{"11111", "22222"}, Duplicate: []string{"33333"},
					Failed: []string{"4444!"}, Unconfirmed: []string{}}, got)
			},
			errcode: 40109,
		},
		{
			name: "DepositedCount", method: http.MethodPost, path: "card/code/getdepositcount", fixture: "card_code_getdepositcount.json",
			body:  `{"card_id":"` + tCardID + `"}`,
			call:  func(ctx context.Context, c *Client) (any, error) { return c.Code.DepositedCount(ctx, tCardID) },
			check: func(t *testing.T, got any) { assert.Equal(t, 123, got) },
		},
		{
			name: "Check", method: http.MethodPost, path: "card/code/checkcode", fixture: "card_code_checkcode.json",
			body: `{"card_id":"` + tCardID + `","code":["11111","22222","33333"]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Code.Check(ctx, tCardID, []string{"11111", "22222", "33333"})
			},
			check: func(t *testing.T, got any) {
				assert.Equal(t, &CheckResult{Exist: []string{"11111", "22222"}, NotExist: []string{"33333"}, Unchecked: []string{}}, got)
			},
		},
		{
			name: "Get", method: http.MethodPost, path: "card/code/get", fixture: "card_code_get.json",
			body: `{"code":"` + tCode + `","card_id":"` + tCardID + `","check_consume":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Code.Get(ctx, GetCodeRequest{Code: tCode, CardID: tCardID, CheckConsume: true})
			},
			check: func(t *testing.T, got any) {
				assert.Equal(t, &CodeInfo{
					Card: CodeCard{CardID: "pbLatjk4T4Hx-QFQGL4zGQy27_Qg", BeginTime: 1457452800, EndTime: 1463155199,
						Code: tCode, MembershipNumber: tCode, Bonus: ptr(int64(120)), Balance: ptr(int64(3500))},
					OpenID: tOpenID, CanConsume: true, UserCardStatus: UserCardNormal, OuterStr: "shop-entrance",
				}, got)
			},
			errcode: 40127,
		},
		{
			name: "Get/legacy layout without card_id", method: http.MethodPost, path: "card/code/get", fixture: "card_code_get_legacy.json",
			body: `{"code":"` + tCode + `","check_consume":false}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.Code.Get(ctx, GetCodeRequest{Code: tCode}) },
			check: func(t *testing.T, got any) {
				info := got.(*CodeInfo)
				assert.Equal(t, "pFS7Fjg8kV1IdDz01r4SQwMkuCKc", info.Card.CardID)
				assert.Equal(t, UserCardConsumed, info.UserCardStatus)
				assert.False(t, info.CanConsume)
				assert.Nil(t, info.Card.Bonus)
			},
			errcode: 40056,
		},
		{
			name: "Consume", method: http.MethodPost, path: "card/code/consume", fixture: "card_code_consume.json",
			body: `{"code":"` + tCode + `","card_id":"` + tCardID + `"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Code.Consume(ctx, ConsumeCodeRequest{Code: tCode, CardID: tCardID})
			},
			check: func(t *testing.T, got any) {
				assert.Equal(t, &ConsumeResult{CardID: "pFS7Fjg8kV1IdDz01r4SQwMkuCKc", OpenID: tOpenID}, got)
			},
			errcode: 40099,
		},
		{
			name: "Consume/without card_id", method: http.MethodPost, path: "card/code/consume", fixture: "card_code_consume.json",
			body: `{"code":"` + tCode + `"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Code.Consume(ctx, ConsumeCodeRequest{Code: tCode})
			},
			check:   func(t *testing.T, got any) { assert.Equal(t, tOpenID, got.(*ConsumeResult).OpenID) },
			errcode: 40127,
		},
		{
			name: "Decrypt", method: http.MethodPost, path: "card/code/decrypt", fixture: "card_code_decrypt.json",
			body: `{"encrypt_code":"XXIzTtMqCxwOaawoE91+VJdsFmv7b8g0VZIZkqf4GWA60Fzpc8ksZ/5ZZ0DVkXdE="}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Code.Decrypt(ctx, "XXIzTtMqCxwOaawoE91+VJdsFmv7b8g0VZIZkqf4GWA60Fzpc8ksZ/5ZZ0DVkXdE=")
			},
			check:   func(t *testing.T, got any) { assert.Equal(t, "751234212312", got) },
			errcode: 40056,
		},
		{
			name: "Update", method: http.MethodPost, path: "card/code/update", fixture: "ok.json",
			body: `{"code":"12345678","new_code":"3495739475","card_id":"` + tCardID + `"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Code.Update(ctx, UpdateCodeRequest{Code: "12345678", NewCode: "3495739475", CardID: tCardID})
			},
			errcode: 40056,
		},
		{
			name: "Update/without card_id", method: http.MethodPost, path: "card/code/update", fixture: "ok.json",
			body: `{"code":"12345678","new_code":"3495739475"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Code.Update(ctx, UpdateCodeRequest{Code: "12345678", NewCode: "3495739475"})
			},
		},
		{
			name: "Disable/with reason", method: http.MethodPost, path: "card/code/unavailable", fixture: "ok.json",
			body: `{"code":"` + tCode + `","card_id":"` + tCardID + `","reason":"退款 <订单 42>"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Code.Disable(ctx, DisableCodeRequest{Code: tCode, CardID: tCardID, Reason: "退款 <订单 42>"})
			},
			errcode: 40127,
		},
		{
			name: "Disable/bare", method: http.MethodPost, path: "card/code/unavailable", fixture: "ok.json",
			body: `{"code":"` + tCode + `"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Code.Disable(ctx, DisableCodeRequest{Code: tCode})
			},
		},
	})
}

func TestCodeValidation(t *testing.T) {
	t.Parallel()
	runValidation(t, []validationCase{
		{"Deposit/empty card", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Code.Deposit(ctx, "", []string{"1"})
			return err
		}},
		{"Deposit/no codes", "code", func(ctx context.Context, c *Client) error {
			_, err := c.Code.Deposit(ctx, tCardID, nil)
			return err
		}},
		{"Deposit/empty code in the last chunk", "code item", func(ctx context.Context, c *Client) error {
			codes := numbered(250)
			codes[249] = ""
			_, err := c.Code.Deposit(ctx, tCardID, codes)
			return err
		}},
		{"Check/empty code", "code item", func(ctx context.Context, c *Client) error {
			_, err := c.Code.Check(ctx, tCardID, []string{"1", ""})
			return err
		}},
		{"Check/empty card", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Code.Check(ctx, "", []string{"1"})
			return err
		}},
		{"DepositedCount/empty card", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Code.DepositedCount(ctx, "")
			return err
		}},
		{"Get/empty code", "code", func(ctx context.Context, c *Client) error {
			_, err := c.Code.Get(ctx, GetCodeRequest{CardID: tCardID, CheckConsume: true})
			return err
		}},
		{"Get/long card id", "card_id", func(ctx context.Context, c *Client) error {
			_, err := c.Code.Get(ctx, GetCodeRequest{Code: tCode, CardID: strings.Repeat("p", 200), CheckConsume: true})
			return err
		}},
		{"Consume/empty code", "code", func(ctx context.Context, c *Client) error {
			_, err := c.Code.Consume(ctx, ConsumeCodeRequest{CardID: tCardID})
			return err
		}},
		{"Consume/control char", "code", func(ctx context.Context, c *Client) error {
			_, err := c.Code.Consume(ctx, ConsumeCodeRequest{Code: "12\x00", CardID: tCardID})
			return err
		}},
		{"Decrypt/empty", "encrypt_code", func(ctx context.Context, c *Client) error {
			_, err := c.Code.Decrypt(ctx, "")
			return err
		}},
		{"Decrypt/huge", "encrypt_code", func(ctx context.Context, c *Client) error {
			_, err := c.Code.Decrypt(ctx, strings.Repeat("A", 2000))
			return err
		}},
		{"Update/empty new", "new_code", func(ctx context.Context, c *Client) error { return c.Code.Update(ctx, UpdateCodeRequest{Code: tCode}) }},
		{"Update/same", "new_code", func(ctx context.Context, c *Client) error {
			return c.Code.Update(ctx, UpdateCodeRequest{Code: tCode, NewCode: tCode})
		}},
		{"Update/empty code", "code", func(ctx context.Context, c *Client) error { return c.Code.Update(ctx, UpdateCodeRequest{NewCode: "2"}) }},
		{"Disable/empty code", "code", func(ctx context.Context, c *Client) error {
			return c.Code.Disable(ctx, DisableCodeRequest{CardID: tCardID})
		}},
		{"Disable/huge reason", "reason", func(ctx context.Context, c *Client) error {
			return c.Code.Disable(ctx, DisableCodeRequest{Code: tCode, CardID: tCardID, Reason: strings.Repeat("r", 1025)})
		}},
	})
}

func numbered(n int) []string {
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("C%05d", i)
	}
	return codes
}

func decodeCodes(t *testing.T, body string) []string {
	t.Helper()
	var req codesBody
	require.NoError(t, json.Unmarshal([]byte(body), &req))
	assert.Equal(t, tCardID, req.CardID)
	return req.Code
}

// depositAnswer sorts a chunk like WeChat: codes ending in 7 were
// deposited before, codes ending in 3 are refused, the rest stored.
func depositAnswer(t *testing.T, body string) []byte {
	res := map[string]any{"errcode": 0, "errmsg": "ok", "succ_code": []string{}, "duplicate_code": []string{}, "fail_code": []string{}}
	for _, c := range decodeCodes(t, body) {
		key := "succ_code"
		switch c[len(c)-1] {
		case '7':
			key = "duplicate_code"
		case '3':
			key = "fail_code"
		}
		res[key] = append(res[key].([]string), c)
	}
	b, _ := json.Marshal(res)
	return b
}

// sameCodes asserts that the lists together hold exactly the codes given.
func sameCodes(t *testing.T, want []string, lists ...[]string) {
	t.Helper()
	var got []string
	for _, l := range lists {
		got = append(got, l...)
	}
	w := slices.Clone(want)
	slices.Sort(w)
	slices.Sort(got)
	assert.Equal(t, w, got, "every code in exactly one list")
}

func TestDepositChunks(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 99, 100, 101, 250} {
		t.Run(itoa(n), func(t *testing.T) {
			c, f := setup(t)
			rec := record(t, f, "card/code/deposit", func(_ int, body string) []byte { return depositAnswer(t, body) })
			codes := numbered(n)
			res, err := c.Code.Deposit(t.Context(), tCardID, codes)
			require.NoError(t, err)
			reqs := rec.all()
			require.Len(t, reqs, (n+99)/100)
			var sent []string
			for i, r := range reqs {
				chunk := decodeCodes(t, r.body)
				assert.Equal(t, min(100, n-i*100), len(chunk), "chunk %d", i)
				sent = append(sent, chunk...)
			}
			assert.Equal(t, codes, sent, "codes are sent once each, in order")
			sameCodes(t, codes, res.Succeeded, res.Duplicate, res.Failed, res.Unconfirmed)
			assert.Empty(t, res.Unconfirmed)
			for _, code := range res.Duplicate {
				assert.True(t, strings.HasSuffix(code, "7"))
			}
			for _, code := range res.Failed {
				assert.True(t, strings.HasSuffix(code, "3"))
			}
		})
	}
}

func TestDepositPartialFailure(t *testing.T) {
	t.Parallel()
	codes := numbered(350)
	tests := []struct {
		name string
		// answer for the second call; the first and others succeed.
		fail     func(w http.ResponseWriter)
		isErr    error
		requests int
	}{
		{"quota", func(w http.ResponseWriter) { writeErrcode(w, 45009, "reach max api daily quota limit") }, ErrQuotaExceeded, 2},
		{"busy is not retried", func(w http.ResponseWriter) { writeErrcode(w, -1, "system error") }, ErrSystemBusy, 2},
		{"connection lost is not retried", func(w http.ResponseWriter) { hangUp(t, w) }, nil, 2},
		{"HTML error page", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html>502</html>"))
		}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := setup(t)
			var calls atomic.Int32
			f.handle("card/code/deposit", func(w http.ResponseWriter, r *http.Request) {
				body := readAll(t, r.Body)
				if calls.Add(1) == 2 {
					tt.fail(w)
					return
				}
				_, _ = w.Write(depositAnswer(t, body))
			})
			res, err := c.Code.Deposit(t.Context(), tCardID, codes)
			require.Error(t, err)
			require.NotNil(t, res, "what succeeded is returned with the error")
			var be *BatchError
			require.ErrorAs(t, err, &be)
			assert.Equal(t, "card/code/deposit", be.Op)
			assert.Equal(t, 1, be.Batch)
			assert.Equal(t, 4, be.Batches)
			assert.Equal(t, 100, be.Done)
			if tt.isErr != nil {
				assert.ErrorIs(t, err, tt.isErr)
			}
			assert.Equal(t, tt.requests, int(calls.Load()), "a failed deposit call is not repeated and later ones are not made")
			assert.Equal(t, codes[100:], res.Unconfirmed)
			sameCodes(t, codes[:100], res.Succeeded, res.Duplicate, res.Failed)
			sameCodes(t, codes, res.Succeeded, res.Duplicate, res.Failed, res.Unconfirmed)
			assert.Contains(t, err.Error(), "call 2 of 4 failed after 100 codes")
			assert.NotContains(t, err.Error(), "ACCESS_TOKEN_", "no token in the error")
		})
	}
}

// hangUp closes the connection without an answer: the call may have run.
func hangUp(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	require.True(t, ok)
	conn, _, err := hj.Hijack()
	require.NoError(t, err)
	_ = conn.Close()
}

// Codes WeChat's answer leaves out, and repeated codes, are never lost.
func TestDepositUnmentionedAndRepeatedCodes(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	record(t, f, "card/code/deposit", func(int, string) []byte {
		return []byte(`{"errcode":0,"errmsg":"ok","succ_code":["A","B"],"duplicate_code":["A"],"fail_code":[]}`)
	})
	codes := []string{"A", "B", "A", "C", "B"}
	res, err := c.Code.Deposit(t.Context(), tCardID, codes)
	require.NoError(t, err)
	assert.Equal(t, []string{"B", "C"}, res.Unconfirmed)
	sameCodes(t, codes, res.Succeeded, res.Duplicate, res.Failed, res.Unconfirmed)
}

func TestCheckChunks(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	rec := record(t, f, "card/code/checkcode", func(_ int, body string) []byte {
		res := map[string]any{"errcode": 0, "errmsg": "ok", "exist_code": []string{}, "not_exist_code": []string{}}
		for _, code := range decodeCodes(t, body) {
			key := "exist_code"
			if code[len(code)-1] == '0' {
				key = "not_exist_code"
			}
			res[key] = append(res[key].([]string), code)
		}
		b, _ := json.Marshal(res)
		return b
	})
	codes := numbered(201)
	res, err := c.Code.Check(t.Context(), tCardID, codes)
	require.NoError(t, err)
	require.Len(t, rec.all(), 3)
	assert.Len(t, decodeCodes(t, rec.all()[2].body), 1)
	assert.Len(t, res.NotExist, 21)
	assert.Empty(t, res.Unchecked)
	sameCodes(t, codes, res.Exist, res.NotExist)
}

// Check is a read: a busy answer is retried; a lasting failure returns
// what was learnt with the rest unchecked.
func TestCheckBusyAndFailure(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	var calls atomic.Int32
	f.handle("card/code/checkcode", func(w http.ResponseWriter, r *http.Request) {
		codes := decodeCodes(t, readAll(t, r.Body))
		n := calls.Add(1)
		switch {
		case n == 2: // busy once, then fine
			writeErrcode(w, -1, "system error")
		case n >= 4: // the third chunk fails for good
			writeErrcode(w, 40073, "invalid card id")
		default:
			writeJSON(w, map[string]any{"errcode": 0, "exist_code": codes, "not_exist_code": []string{}})
		}
	})
	codes := numbered(300)
	res, err := c.Code.Check(t.Context(), tCardID, codes)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	assert.ErrorIs(t, err, ErrInvalidCardID)
	assert.Equal(t, 2, be.Batch)
	assert.Equal(t, int32(4), calls.Load(), "the busy answer was retried once; the errcode was not")
	assert.Equal(t, codes[:200], res.Exist)
	assert.Equal(t, codes[200:], res.Unchecked)
}

// Consume is a write: never repeated after a lost connection or a busy
// answer (the code may be consumed already), repeated once after WeChat
// rejected the token (which proves it did nothing).
func TestConsumeRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		first    func(t *testing.T, f *fakeWeChat, w http.ResponseWriter, r *http.Request)
		requests int
		ok       bool
	}{
		{"connection lost", func(t *testing.T, _ *fakeWeChat, w http.ResponseWriter, _ *http.Request) { hangUp(t, w) }, 1, false},
		{"busy", func(t *testing.T, _ *fakeWeChat, w http.ResponseWriter, _ *http.Request) {
			writeErrcode(w, -1, "system error")
		}, 1, false},
		{"token rejected", func(t *testing.T, f *fakeWeChat, w http.ResponseWriter, r *http.Request) {
			f.revoke(r.URL.Query().Get("access_token"))
			f.authorized(w, r)
		}, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := setup(t)
			var calls atomic.Int32
			f.handle("card/code/consume", func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					tt.first(t, f, w, r)
					return
				}
				if !f.authorized(w, r) {
					return
				}
				_, _ = w.Write(fixture(t, "card_code_consume.json"))
			})
			res, err := c.Code.Consume(t.Context(), ConsumeCodeRequest{Code: tCode, CardID: tCardID})
			assert.Equal(t, tt.requests, int(calls.Load()))
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, tOpenID, res.OpenID)
			} else {
				require.Error(t, err)
				assert.Nil(t, res)
			}
		})
	}
}

func TestLeftover(t *testing.T) {
	t.Parallel()
	assert.Empty(t, leftover([]string{"a", "b"}, []string{"b"}, []string{"a"}))
	assert.Equal(t, []string{"a"}, leftover([]string{"a", "a"}, []string{"a"}))
	assert.Equal(t, []string{"b"}, leftover([]string{"a", "b"}, []string{"a", "z"}))
}

// An answer naming a code that was never sent, or one code in two lists,
// cannot add a code to the result or count one twice.
func TestAnswersNamingUnsentCodes(t *testing.T) {
	t.Parallel()
	codes := []string{"A", "B", "C"}
	t.Run("deposit", func(t *testing.T) {
		c, f := setup(t)
		record(t, f, "card/code/deposit", func(int, string) []byte {
			return []byte(`{"errcode":0,"errmsg":"ok","succ_code":["A","Z","A"],"duplicate_code":["A","B"],"fail_code":["Y"]}`)
		})
		res, err := c.Code.Deposit(t.Context(), tCardID, codes)
		require.NoError(t, err)
		assert.Equal(t, []string{"A"}, res.Succeeded)
		assert.Equal(t, []string{"B"}, res.Duplicate)
		assert.Empty(t, res.Failed)
		assert.Equal(t, []string{"C"}, res.Unconfirmed)
	})
	t.Run("check", func(t *testing.T) {
		c, f := setup(t)
		record(t, f, "card/code/checkcode", func(int, string) []byte {
			return []byte(`{"errcode":0,"errmsg":"ok","exist_code":["Z","B","B"],"not_exist_code":["B","A"]}`)
		})
		res, err := c.Code.Check(t.Context(), tCardID, codes)
		require.NoError(t, err)
		assert.Equal(t, []string{"B"}, res.Exist)
		assert.Equal(t, []string{"A"}, res.NotExist)
		assert.Equal(t, []string{"C"}, res.Unchecked)
	})
}
