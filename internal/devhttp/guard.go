package devhttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/wxcard/wxcard/internal/errorbody"
)

// Error codes of the refusals, in the JSON error body
// {"error":{"code","message"}}. They are stable.
const (
	CodeHostNotAllowed       = "host_not_allowed"       // 403: the Host header names neither loopback nor a public host
	CodeForbiddenOrigin      = "forbidden_origin"       // 403: a page from a non-loopback origin
	CodeUnsupportedMediaType = "unsupported_media_type" // 415: a state-changing request that is not application/json
)

// IsLoopbackHost reports whether host (no port) names this machine only:
// "localhost" or a loopback address. Binding it keeps a server off the
// network; in a Host header it cannot have come from DNS rebinding.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackOrigin reports whether origin (an Origin header) is a page
// served from this machine: http(s)://loopback-host[:port], nothing after.
func IsLoopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.HasSuffix(origin, "#") {
		return false
	}
	return IsLoopbackHost(u.Hostname())
}

// IsJSON reports whether the request's Content-Type is application/json
// (with any parameters). A browser sends it cross-origin only after a CORS
// preflight, which the guarded routes answer for loopback origins alone;
// text/plain, form and multipart bodies skip the preflight.
func IsJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// HostGuard refuses requests whose Host header is neither a loopback name
// or address nor one of the configured public hosts. A page on
// attacker.example whose DNS name is re-pointed at 127.0.0.1 (DNS
// rebinding) is same-origin with itself, so CORS does not stop it; its
// requests still say Host: attacker.example.
type HostGuard struct {
	public map[string]struct{}
}

// NewHostGuard accepts loopback hosts and publicHosts: host names or IP
// addresses (no scheme, port or path), compared without case.
func NewHostGuard(publicHosts []string) (*HostGuard, error) {
	g := &HostGuard{public: make(map[string]struct{}, len(publicHosts))}
	for _, h := range publicHosts {
		if err := checkHostName(h); err != nil {
			return nil, fmt.Errorf("%q: %w", h, err)
		}
		g.public[strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))] = struct{}{}
	}
	return g, nil
}

func checkHostName(h string) error {
	if ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")); ip != nil {
		return nil
	}
	if h == "" || len(h) > 253 {
		return errors.New("want a host name of 1 to 253 characters")
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return errors.New("want a host name such as shop.example.com or an IP address, without scheme, port or path")
		}
		for i := 0; i < len(label); i++ {
			c := label[i] | 0x20
			if !(c >= 'a' && c <= 'z' || label[i] >= '0' && label[i] <= '9' || label[i] == '-') {
				return errors.New("want a host name such as shop.example.com or an IP address, without scheme, port or path")
			}
		}
	}
	return nil
}

// Allowed reports whether r's Host may reach the guarded routes. A request
// without Host (HTTP/1.0) is allowed: browsers always send one.
func (g *HostGuard) Allowed(r *http.Request) bool {
	if r.Host == "" {
		return true
	}
	host := hostOnly(r.Host)
	if IsLoopbackHost(host) {
		return true
	}
	_, ok := g.public[host]
	return ok
}

// hostOnly is a Host header's host, without port or brackets, lower case.
func hostOnly(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
}

// Wrap answers 403 host_not_allowed for a foreign Host and passes the rest
// to next.
func (g *HostGuard) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.Allowed(r) {
			WriteError(w, http.StatusForbidden, CodeHostNotAllowed,
				"this server answers requests for loopback host names (localhost, 127.0.0.1) and the configured public hosts only")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// WriteError writes {"error":{"code","message"}}; nothing from the request
// is echoed.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	WriteJSON(w, status, errorbody.New(code, message))
}

// WriteJSON writes v as a JSON body that is never cached nor sniffed as
// another type; a v that cannot be encoded answers 500 with an "internal"
// error body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		raw = []byte(`{"error":{"code":"internal","message":"response could not be encoded"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(raw, '\n'))
}
