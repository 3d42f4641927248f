package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/url"
	"strings"
	"time"

	"github.com/wxcard/wxcard/internal/ctxsleep"
)

// callKind says whether a call may be repeated.
type callKind int

const (
	// readCall changes nothing at WeChat (card/get, code/get, getticket): it
	// is repeated after errcode -1 with a jittered backoff.
	readCall callKind = iota
	// writeCall changes state (consume, deposit, update). It is repeated only
	// after WeChat rejected the access token, which proves it did nothing;
	// never after a network error or -1.
	writeCall
)

// checkCtx refuses a nil context. Every public method reaches WeChat, or
// the credential cache, through call, getRaw or a source, and only those
// check it: a nil ctx is reported the same way wherever it comes in.
func checkCtx(ctx context.Context) error {
	if ctx == nil {
		return invalidArg("ctx", "is nil")
	}
	return nil
}

// get calls an API with GET; query may be nil. access_token is added.
// path, relative to the base URL, also names the call in errors and logs.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any) error {
	return c.call(ctx, "GET", path, query, nil, jsonInto(out), readCall)
}

// responseBody receives the JSON of a successful answer.
type responseBody interface {
	decodeResponse(raw []byte) error
}

// anyJSON decodes an answer into any value with encoding/json. The token
// and ticket answers decode themselves instead (wire.go, wire_js.go), so a
// js/wasm build that only fetches tickets, the edge Worker, does not link
// encoding/json's decoder.
type anyJSON struct{ v any }

func (a anyJSON) decodeResponse(raw []byte) error { return json.Unmarshal(raw, a.v) }

// jsonInto wraps out for decode; a nil out discards the answer.
func jsonInto(out any) responseBody {
	if out == nil {
		return nil
	}
	return anyJSON{out}
}

// post calls an API with a JSON body (nil sends no body). access_token is
// added to the query.
func (c *Client) post(ctx context.Context, path string, body, out any, kind callKind) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = encodeJSON(body); err != nil {
			return fmt.Errorf("wxcard: %s: encoding request: %w", path, err)
		}
	}
	return c.call(ctx, "POST", path, nil, payload, jsonInto(out), kind)
}

// getFor calls an API with GET and returns its answer decoded into a new T.
func getFor[T any](ctx context.Context, c *Client, path string) (*T, error) {
	out := new(T)
	if err := c.get(ctx, path, nil, out); err != nil {
		return nil, err
	}
	return out, nil
}

// postFor is post for a call whose answer is decoded into a new T.
func postFor[T any](ctx context.Context, c *Client, path string, body any, kind callKind) (*T, error) {
	out := new(T)
	if err := c.post(ctx, path, body, out, kind); err != nil {
		return nil, err
	}
	return out, nil
}

// getRaw fetches an absolute URL that needs no access token (showqrcode
// images) and returns its body, bounded by the raw size limit. A JSON body
// carrying a non-zero errcode is returned as an *APIError.
func (c *Client) getRaw(ctx context.Context, op, absoluteURL string) ([]byte, string, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, "", err
	}
	u, err := url.Parse(absoluteURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", invalidArg("url", "must be an absolute http or https URL")
	}
	resp, body, err := c.roundTrip(ctx, op, "GET", u, nil, c.maxRaw)
	if err != nil {
		return nil, "", err
	}
	ct := resp.contentType
	if looksLikeJSON(ct, body) {
		if code, msg, ok := peekErrcode(body); ok && code != 0 {
			return nil, "", &APIError{Op: op, Code: code, Msg: scrub(msg, c.appSecret)}
		}
	}
	if resp.statusCode < 200 || resp.statusCode > 299 {
		return nil, "", &HTTPError{Op: op, StatusCode: resp.statusCode, Status: resp.status}
	}
	return body, ct, nil
}

// call is the one path every authenticated API call takes: token, request,
// errcode check, and the two narrow retries (one after a rejected token,
// a few after -1 for reads). The path names the operation: WeChat's docs
// and errors know each API by it.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, payload []byte, out responseBody, kind callKind) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	op := path
	rel, err := url.Parse(path)
	if err != nil || rel.IsAbs() || rel.Host != "" || strings.HasPrefix(path, "/") || rel.RawQuery != "" {
		return fmt.Errorf("wxcard: %s: path %q must be relative to the base URL, without a query", op, path)
	}
	target := c.baseURL.ResolveReference(rel)

	// A token error already names its own endpoint (cgi-bin/stable_token).
	token, err := c.token.get(ctx)
	if err != nil {
		return err
	}
	refreshed := false
	busy := 0
	for {
		err := c.send(ctx, op, method, target, query, token, payload, out)
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			return err
		}
		switch {
		case tokenRejected(apiErr.Code) && !refreshed:
			refreshed = true
			c.log.LogAttrs(ctx, slogWarn, "wxcard: access token rejected; refreshing once",
				attrOp(op), attrCode(apiErr.Code))
			fresh, ierr := c.token.invalidate(ctx, token)
			if ierr != nil {
				return fmt.Errorf("%w (refresh after it failed: %w)", err, ierr)
			}
			token = fresh
			continue
		case apiErr.Code == -1 && kind == readCall && busy < c.busyRetries:
			if werr := ctxsleep.Sleep(ctx, c.backoff(busy)); werr != nil {
				return fmt.Errorf("%w (while waiting to retry: %w)", err, werr)
			}
			busy++
			continue
		}
		return err
	}
}

// send does one authenticated round trip and decodes the answer.
func (c *Client) send(ctx context.Context, op, method string, target *url.URL, query url.Values, token string, payload []byte, out responseBody) error {
	u := *target
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("access_token", token)
	u.RawQuery = q.Encode()
	resp, raw, err := c.roundTrip(ctx, op, method, &u, payload, c.maxBody)
	if err != nil {
		return err
	}
	return c.decode(op, resp, raw, out, token)
}

// roundTrip sends one request (a nil payload sends no body) and reads the
// whole response body through limit. Errors never carry the URL's secrets.
func (c *Client) roundTrip(ctx context.Context, op, method string, u *url.URL, payload []byte, limit int64) (*wireResponse, []byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("wxcard: %s: %w", op, err)
	}
	start := time.Now()
	resp, err := c.transport.do(ctx, method, u.String(), payload)
	if be, ok := errors.AsType[*buildError](err); ok {
		return nil, nil, fmt.Errorf("wxcard: %s: building request: %w", op, redactError(be.err))
	}
	if err != nil {
		c.log.LogAttrs(ctx, slogDebug, "wxcard: request failed", attrOp(op),
			attrURL(u.String()), attrErr(redactError(err)))
		return nil, nil, fmt.Errorf("wxcard: %s: %w", op, redactError(err))
	}
	defer resp.body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.body, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("wxcard: %s: reading response: %w", op, redactError(err))
	}
	if int64(len(raw)) > limit {
		return nil, nil, fmt.Errorf("wxcard: %s: more than %d bytes: %w", op, limit, ErrResponseTooLarge)
	}
	c.log.LogAttrs(ctx, slogDebug, "wxcard: request", attrOp(op), attrString("method", method),
		attrURL(u.String()), attrInt("status", resp.statusCode), attrInt("bytes", len(raw)),
		attrDuration("elapsed", time.Since(start)))
	return resp, raw, nil
}

// decode checks errcode, then the HTTP status, then fills out.
func (c *Client) decode(op string, resp *wireResponse, raw []byte, out responseBody, secrets ...string) error {
	ct := resp.contentType
	code, msg, ok := peekErrcode(raw)
	if !ok {
		if resp.statusCode < 200 || resp.statusCode > 299 {
			return &HTTPError{Op: op, StatusCode: resp.statusCode, Status: resp.status}
		}
		return &DecodeError{Op: op, ContentType: ct, Err: describeNonJSON(raw)}
	}
	if code != 0 {
		return &APIError{Op: op, Code: code, Msg: scrub(msg, append(secrets, c.appSecret)...)}
	}
	if resp.statusCode < 200 || resp.statusCode > 299 {
		return &HTTPError{Op: op, StatusCode: resp.statusCode, Status: resp.status}
	}
	if out == nil {
		return nil
	}
	if err := out.decodeResponse(raw); err != nil {
		return &DecodeError{Op: op, ContentType: ct, Err: err}
	}
	return nil
}

// describeNonJSON explains why a body is not a JSON object, without quoting
// it (a proxy's error page could echo the request URL).
func describeNonJSON(raw []byte) error {
	t := bytes.TrimSpace(raw)
	switch {
	case len(t) == 0:
		return errors.New("empty body")
	case t[0] == '<':
		return errors.New("body is HTML or XML, not JSON")
	case t[0] == '{' && !validJSON(t):
		return errors.New("malformed or truncated JSON")
	case validJSON(t):
		return errors.New("JSON is not an object with a numeric errcode")
	}
	return errors.New("body is not JSON")
}

func looksLikeJSON(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		return true
	}
	t := bytes.TrimSpace(body)
	return len(t) > 0 && t[0] == '{' && (mt == "" || strings.HasPrefix(mt, "text/"))
}

// encodeJSON encodes v as UTF-8 JSON without HTML escaping: WeChat shows
// card text as sent, and "<" must stay "<".
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// backoff returns the delay before busy retry n (0-based): a random point in
// the upper half of a window that doubles each time, capped at 2 s, so
// clients that failed together do not retry together.
func (c *Client) backoff(n int) time.Duration {
	if c.busyBackoff <= 0 {
		return 0
	}
	window := c.busyBackoff << n
	if window > 2*time.Second || window <= 0 {
		window = 2 * time.Second
	}
	return window/2 + rand.N(window/2+1)
}
