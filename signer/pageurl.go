package signer

import (
	"net/netip"
	"strings"
)

// Why a page URL is rejected.
const (
	reasonNotURL  = "is not a valid URL"
	reasonNotHTTP = "must be an absolute http or https URL"
	reasonNoHost  = "has no host"
)

// pageURLProblem says why u is not a page URL WeChat can have seen, or ""
// when it is one. It answers exactly as net/url.Parse followed by a check
// of the scheme and the host: net/url links fmt and reflect into the wasm
// module (about 45 kB of its gzip) for this one answer. TestPageURLAgainstNetURL
// and FuzzPageURL hold the two to the same answer.
func pageURLProblem(u string) string {
	beforeFragment, fragment, _ := strings.Cut(u, "#")
	scheme, host, ok := parseURLSchemeHost(beforeFragment)
	if !ok || !validEscapes(fragment) {
		return reasonNotURL
	}
	if scheme != "http" && scheme != "https" {
		return reasonNotHTTP
	}
	if host == "" {
		return reasonNoHost
	}
	return ""
}

// parseURLSchemeHost is net/url's parse for what a page URL needs: the
// lower-cased scheme, the raw host (empty exactly when net/url's Host is)
// and whether net/url accepts the URL at all. Its steps follow net/url's in
// order.
func parseURLSchemeHost(u string) (scheme, host string, ok bool) {
	for i := 0; i < len(u); i++ {
		if c := u[i]; c < ' ' || c == 0x7f {
			return "", "", false
		}
	}
	if u == "*" {
		return "", "", true
	}
	scheme, rest, ok := cutScheme(u)
	if !ok {
		return "", "", false
	}
	scheme = strings.ToLower(scheme)
	// net/url treats a lone trailing '?' apart, but either way the path
	// ends at the first '?' and the query is not checked.
	rest, _, _ = strings.Cut(rest, "?")
	if !strings.HasPrefix(rest, "/") {
		if scheme != "" {
			return scheme, "", true // opaque, as in "mailto:x"
		}
		if segment, _, _ := strings.Cut(rest, "/"); strings.Contains(segment, ":") {
			return "", "", false
		}
	}
	if (scheme != "" || !strings.HasPrefix(rest, "///")) && strings.HasPrefix(rest, "//") {
		authority := rest[2:]
		rest = ""
		if i := strings.IndexByte(authority, '/'); i >= 0 {
			authority, rest = authority[:i], authority[i:]
		}
		if host, ok = parseAuthority(scheme, authority); !ok {
			return "", "", false
		}
	}
	return scheme, host, validEscapes(rest)
}

// cutScheme splits "scheme:rest"; a URL that does not start with
// [a-zA-Z][a-zA-Z0-9+.-]*: has no scheme, and one starting with ':' is
// invalid.
func cutScheme(u string) (scheme, rest string, ok bool) {
	for i := 0; i < len(u); i++ {
		switch c := u[i]; {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return "", u, true
			}
		case c == ':':
			if i == 0 {
				return "", "", false
			}
			return u[:i], u[i+1:], true
		default:
			return "", u, true
		}
	}
	return "", u, true
}

func parseAuthority(scheme, authority string) (host string, ok bool) {
	at := strings.LastIndexByte(authority, '@')
	host = authority[at+1:]
	if !validHost(scheme, host) {
		return "", false
	}
	if at < 0 {
		return host, true
	}
	userinfo := authority[:at]
	for i := 0; i < len(userinfo); i++ {
		c := userinfo[i]
		if !(isAlnum(c) || strings.IndexByte("-._:~!$&'()*+,;=%@", c) >= 0) {
			return "", false
		}
	}
	return host, validEscapes(userinfo)
}

// validHost is net/url's parseHost: an IPv6 literal in brackets with an
// optional zone and port, or a name with an optional port, in which only
// bytes outside ASCII may be %-escaped.
func validHost(scheme, host string) bool {
	open := strings.LastIndexByte(host, '[')
	switch {
	case open > 0:
		return false
	case open == 0:
		end := strings.LastIndexByte(host, ']')
		if end < 0 || !validOptionalPort(host[end+1:]) {
			return false
		}
		literal := host[1:end]
		var unescaped string
		var ok bool
		if zone := strings.Index(literal, "%25"); zone >= 0 {
			address, okAddress := unescapeHost(literal[:zone], false)
			zonePart, okZone := unescapeHost(literal[zone:], true)
			unescaped, ok = address+zonePart, okAddress && okZone
		} else {
			unescaped, ok = unescapeHost(literal, false)
		}
		if !ok {
			return false
		}
		addr, err := netip.ParseAddr(unescaped)
		return err == nil && !addr.Is4()
	}
	if first := strings.IndexByte(host, ':'); first >= 0 {
		// Go 1.26 reads everything after the first colon of an http(s)
		// host as the port (GODEBUG urlstrictcolons); other schemes keep
		// the old rule of the last colon.
		if scheme != "http" && scheme != "https" {
			first = strings.LastIndexByte(host, ':')
		}
		if !validOptionalPort(host[first:]) {
			return false
		}
	}
	_, ok := unescapeHost(host, false)
	return ok
}

// validOptionalPort reports whether port is empty or matches :[0-9]*.
func validOptionalPort(port string) bool {
	if port == "" {
		return true
	}
	if port[0] != ':' {
		return false
	}
	for i := 1; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
	}
	return true
}

// unescapeHost decodes a host name or, with zone set, an IPv6 zone, as
// net/url does: an escape must not stand for an ASCII byte in a host
// ("%25", the zone's marker, excepted), nor in a zone for one a host name
// could not hold, and unescaped ASCII must be what a host name holds.
func unescapeHost(s string, zone bool) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
				return "", false
			}
			v := hexValue(s[i+1])<<4 | hexValue(s[i+2])
			escapedPercent := s[i:i+3] == "%25"
			if !zone && v < 0x80 && !escapedPercent {
				return "", false
			}
			if zone && !escapedPercent && v != ' ' && !hostByte(v) {
				return "", false
			}
			b.WriteByte(v)
			i += 2
		case c < 0x80 && !hostByte(c):
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// hostByte reports whether net/url leaves the byte unescaped in a host:
// letters, digits, "-._~", the sub-delims and ":[]<>\"".
func hostByte(c byte) bool {
	return isAlnum(c) || strings.IndexByte("-._~!$&'()*+,;=:[]<>\"", c) >= 0
}

// validEscapes reports whether every '%' in s starts a %XX escape.
func validEscapes(s string) bool {
	for i := strings.IndexByte(s, '%'); i >= 0; {
		if i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
			return false
		}
		next := strings.IndexByte(s[i+3:], '%')
		if next < 0 {
			break
		}
		i += 3 + next
	}
	return true
}

// pathUnescape is net/url.PathUnescape: %XX escapes decoded, '+' kept; ok
// is false when an escape is malformed.
func pathUnescape(s string) (string, bool) {
	if !validEscapes(s) {
		return "", false
	}
	if strings.IndexByte(s, '%') < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			b = append(b, hexValue(s[i+1])<<4|hexValue(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b), true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hexValue is the value of a hex digit isHexDigit accepted.
func hexValue(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
