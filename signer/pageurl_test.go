package signer

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

// netURLProblem is what pageURLProblem stands in for: net/url's parse and
// the checks ValidatePageURL made on its result.
func netURLProblem(u string) string {
	parsed, err := url.Parse(u)
	switch {
	case err != nil:
		return reasonNotURL
	case parsed.Scheme != "http" && parsed.Scheme != "https":
		return reasonNotHTTP
	case parsed.Host == "":
		return reasonNoHost
	}
	return ""
}

// pageURLCases reach every branch of net/url's parse that decides the
// answer: schemes, opaque and relative forms, authorities with user
// information, ports and colons, IPv6 literals with zones, escapes in each
// part and control bytes before and after the fragment.
var pageURLCases = []string{
	"", "*", ":", ":x", "http:", "http:/", "http://", "http:///x", "http://a", "HTTP://A/B", "hTtPs://a:443/p?q#f",
	"https://example.com/page?x=1&y=2#frag", "ftp://a/b", "mailto:x@y", "http:opaque", "a:b", "1http://a",
	"//a/b", "///a", "/a:b", "a/b:c", "a:b/c", "x?y:z", "http://a?", "http://a??", "http://a/?#", "http://a#",
	"http://a b", "http://a\x01", "http://a/#\x01", "http://a\x7f", "http://a%20b", "http://a%zz", "http://a%2",
	"http://a%", "http://a%C3%A9", "http://a%25", "http://%41", "http://a/%zz", "http://a/%41", "http://a/#%zz",
	"http://a/#%41", "http://a?%zz", "http://a:80", "http://a:", "http://a:x", "http://a:80:90", "http://a::80",
	"foo://a:80:90", "foo://a::x", "http://user@a", "http://user:pass@a", "http://us er@a", "http://u%zz@a",
	"http://u%41@a", "http://u@v@a", "http://ü@a", "http://@a", "http://a@", "http://[::1]", "http://[::1]:80",
	"http://[::1]:x", "http://[::1", "http://a[::1]", "http://[1.2.3.4]", "http://[::ffff:1.2.3.4]",
	"http://[fe80::1%25en0]", "http://[fe80::1%25]", "http://[fe80::1%en0]", "http://[fe80::1%25%41]",
	"http://[fe80::1%25%C3]", "http://[fe80::1%25%20]", "http://[fe80::1%25%2f]", "http://[::1%41]",
	"http://[::g]", "http://[]", "http://[::1]]", "http://[[::1]", "http://a^b", "http://a|b", "http://a{b}",
	"http://<a>", `http://"a"`, "http://a'b", "http://例え.jp", "http://a\\b", "http://a`b",
}

func TestPageURLAgainstNetURL(t *testing.T) {
	t.Parallel()
	for _, u := range pageURLCases {
		assert.Equal(t, netURLProblem(u), pageURLProblem(u), "%q", u)
	}
}

func FuzzPageURL(f *testing.F) {
	for _, u := range pageURLCases {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, u string) {
		if want, got := netURLProblem(u), pageURLProblem(u); want != got {
			t.Fatalf("%q: net/url says %q, pageURLProblem %q", u, want, got)
		}
		want, err := url.PathUnescape(u)
		got, ok := pathUnescape(u)
		if (err == nil) != ok || ok && want != got {
			t.Fatalf("%q: PathUnescape %q, %v; pathUnescape %q, %v", u, want, err, got, ok)
		}
	})
}
