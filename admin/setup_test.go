package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setup is the go-github harness for the service tests: a client whose
// base URL is basePath on a fake WeChat (helpers_test.go), which issues
// real tokens and answers 40001 to any other. Tests mount the endpoint
// under test with f.handle; a request to an unmounted path, or to an
// absolute path outside basePath, fails the test.
func setup(t *testing.T) (*Client, *fakeWeChat) {
	t.Helper()
	f := newFakeWeChat(t)
	return newTestClient(t, f), f
}

// fixture returns testdata/name.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := readFixture(name)
	require.NoError(t, err)
	return b
}

func readFixture(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }

// recorded is one request an endpoint handler saw.
type recorded struct {
	method string
	query  map[string][]string
	body   string
}

// recorder mounts path and answers every request with answer(n) (n counts
// from 0), after checking the access token like WeChat does. It keeps the
// requests for assertions.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

func record(t *testing.T, f *fakeWeChat, path string, answer func(n int, body string) []byte) *recorder {
	t.Helper()
	rec := &recorder{}
	f.handle(path, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading body: %v", err)
		}
		rec.mu.Lock()
		n := len(rec.reqs)
		rec.reqs = append(rec.reqs, recorded{r.Method, r.URL.Query(), string(body)})
		rec.mu.Unlock()
		if !f.authorized(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json; encoding=utf-8")
		_, _ = w.Write(answer(n, string(body)))
	})
	return rec
}

// serve answers every request to path with testdata/name.
func serve(t *testing.T, f *fakeWeChat, path, name string) *recorder {
	b := fixture(t, name)
	return record(t, f, path, func(int, string) []byte { return b })
}

// opCase is one operation of a service: how to call it, what must go on
// the wire, and what its canned answers decode to.
type opCase struct {
	name   string
	method string // http.MethodGet or http.MethodPost
	path   string // relative to the base URL
	// body is the exact JSON the call must send ("" for GET).
	body string
	// query holds extra query parameters that must be sent beside
	// access_token.
	query map[string]string
	// fixture is the testdata file answered on success.
	fixture string
	call    func(ctx context.Context, c *Client) (any, error)
	// check asserts the decoded result of the success answer.
	check func(t *testing.T, got any)
	// errcode is the error the errcode subtest answers (testdata/error_N.json).
	errcode int
}

// runOps runs, for each case, a success subtest (method, path, query with
// a valid access_token, exact body, decoded result) and an errcode subtest
// (an *APIError naming the endpoint, and no repeat of the call).
func runOps(t *testing.T, cases []opCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("ok", func(t *testing.T) {
				c, f := setup(t)
				rec := serve(t, f, tc.path, tc.fixture)
				got, err := tc.call(t.Context(), c)
				require.NoError(t, err)
				reqs := rec.all()
				require.Len(t, reqs, 1, "exactly one request")
				r := reqs[0]
				assert.Equal(t, tc.method, r.method)
				require.Len(t, r.query["access_token"], 1)
				assert.NotEmpty(t, r.query["access_token"][0])
				for k, v := range tc.query {
					assert.Equal(t, []string{v}, r.query[k], "query %s", k)
				}
				assert.Len(t, r.query, 1+len(tc.query), "no other query parameters")
				assert.Equal(t, tc.body, r.body, "request body")
				if tc.check != nil {
					tc.check(t, got)
				}
			})
			t.Run("errcode", func(t *testing.T) {
				c, f := setup(t)
				code := tc.errcode
				if code == 0 {
					code = 40073
				}
				rec := serve(t, f, tc.path, "error_"+itoa(code)+".json")
				_, err := tc.call(t.Context(), c)
				var apiErr *APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, code, apiErr.Code)
				assert.Equal(t, tc.path, apiErr.Op)
				assert.NotEmpty(t, apiErr.Msg)
				assert.Len(t, rec.all(), 1, "an errcode other than a token rejection is not retried")
			})
			// The call may have been applied before the connection broke:
			// neither the client nor net/http may send a POST again. (A GET
			// reads only; net/http may resend it on a reused connection.)
			t.Run("connection lost is not retried", func(t *testing.T) {
				if tc.method == http.MethodGet {
					return
				}
				c, f := setup(t)
				var calls atomic.Int32
				f.handle(tc.path, func(w http.ResponseWriter, r *http.Request) {
					if !f.authorized(w, r) {
						return
					}
					calls.Add(1)
					hangUp(t, w)
				})
				_, err := tc.call(t.Context(), c)
				require.Error(t, err)
				var apiErr *APIError
				assert.False(t, errors.As(err, &apiErr), "a transport error, not an errcode: %v", err)
				assert.EqualValues(t, 1, calls.Load(), "sent exactly once")
			})
			t.Run("no secrets in errors", func(t *testing.T) {
				c, f := setup(t)
				f.handle(tc.path, func(w http.ResponseWriter, r *http.Request) {
					if !f.authorized(w, r) {
						return
					}
					// An upstream that echoes what it was sent.
					writeErrcode(w, 40097, "invalid args: access_token="+r.URL.Query().Get("access_token")+" secret="+testSecret)
				})
				_, err := tc.call(t.Context(), c)
				var apiErr *APIError
				require.ErrorAs(t, err, &apiErr)
				assert.NotContains(t, err.Error(), "ACCESS_TOKEN_")
				assert.NotContains(t, err.Error(), testSecret)
			})
		})
	}
}

// validationCase is a call that must be refused before any I/O.
type validationCase struct {
	name  string
	field string // the ValidationError's Field
	call  func(ctx context.Context, c *Client) error
}

// runValidation checks each call fails with a *ValidationError on field
// and that nothing, not even a token fetch, reached the network.
func runValidation(t *testing.T, cases []validationCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, f := setup(t)
			err := tc.call(t.Context(), c)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidInput), "errors.Is ErrInvalidInput: %v", err)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			if tc.field != "" {
				assert.Equal(t, tc.field, ve.Field, "%v", err)
			}
			assert.Zero(t, f.tokenFetches(), "no token fetched")
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func ptr[T any](v T) *T { return &v }
