package grant_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/grant"
)

// TestJSVerifierAgrees: thousands of near-valid grants (vector payloads
// with a JSON-significant piece spliced in, re-signed so the parser and the
// claim checks are reached, some with a broken MAC, at clocks around their
// lives) get the same verdict from js/grant.js in Node as from Verify.
func TestJSVerifierAgrees(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is required in CI")
		}
		t.Skip("node not found")
	}
	f, v := loadVectors(t)
	key := grant.Key{ID: "k2025a", Secret: vecSecret(1)}
	pieces := []string{`"`, `\`, `\"`, `\\`, `\n`, `\u0041`, `\ud800`, `\/`, `0`, `01`, `-1`, `1.5`, `1e3`, `null`, `true`, `""`,
		` `, `,`, `}`, `{`, `[`, `"kid"`, `"app"`, `"balance":0`, "\xff", "\u2028", "\ufeff", "\x01", "\x7f",
		`9007199254740992`, `9999999999999999`, `99999999999999999`, `,"x":1`}
	rng := rand.New(rand.NewPCG(1, 2))
	type item struct {
		Token string `json:"token"`
		Now   int64  `json:"now"`
		Want  string `json:"want"`
	}
	var items []item
	for range 5000 {
		base := f.Valid[rng.IntN(len(f.Valid))]
		enc, _, _ := strings.Cut(base.Token, ".")
		raw, err := base64.RawURLEncoding.DecodeString(enc)
		require.NoError(t, err)
		s := string(raw)
		pos := rng.IntN(len(s) + 1)
		end := min(pos+rng.IntN(4), len(s))
		s = s[:pos] + pieces[rng.IntN(len(pieces))] + s[end:]
		tok := rawToken(key.Secret, s)
		if rng.IntN(5) == 0 {
			tok = tok[:len(tok)-1] + "A"
		}
		now := base.Now + int64(rng.IntN(1400)) - 700
		_, err = v.Verify(tok, time.Unix(now, 0))
		want := "ok"
		for name, sentinel := range reasons {
			if errors.Is(err, sentinel) {
				want = name
			}
		}
		items = append(items, item{tok, now, want})
	}
	input, err := json.Marshal(map[string]any{"app": f.AppID, "keys": f.Keys, "items": items})
	require.NoError(t, err)
	in := filepath.Join(t.TempDir(), "items.json")
	require.NoError(t, os.WriteFile(in, input, 0o600))

	abs, err := filepath.Abs(filepath.Join("..", "js", "grant.js"))
	require.NoError(t, err)
	module := (&url.URL{Scheme: "file", Path: abs}).String()
	const script = `
const { verifyGrant } = await import(process.argv[1]);
const { readFileSync } = await import('node:fs');
const d = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const got = [];
for (const it of d.items) {
  try { await verifyGrant(it.token, { app: d.app, keys: d.keys, now: it.now }); got.push('ok'); }
  catch (e) { got.push(e.reason ?? 'threw ' + e.message); }
}
process.stdout.write(JSON.stringify(got));`
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "--input-type=module", "-e", script, module, in).Output()
	require.NoError(t, err)
	var got []string
	require.NoError(t, json.Unmarshal(out, &got))
	require.Len(t, got, len(items))
	mismatches := 0
	for i, it := range items {
		if got[i] != it.Want {
			mismatches++
			enc, _, _ := strings.Cut(it.Token, ".")
			raw, _ := base64.RawURLEncoding.DecodeString(enc)
			assert.Failf(t, "verdicts differ", "Go %s, JS %s, payload %q", it.Want, got[i], raw)
			if mismatches > 10 {
				t.FailNow()
			}
		}
	}
}
