//go:build !wasip1

package main

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wxcard/wxcard/internal/vectors"
	"github.com/wxcard/wxcard/signer"
)

// The module is built and compiled once per test binary; every test gets
// its own instance.
var (
	wasmPath string
	runtime  wazero.Runtime
	compiled wazero.CompiledModule

	differentialOut = flag.String("differential-out", "", "write the differential set with native answers to this JSON file (read by js/test)")
)

func TestMain(m *testing.M) {
	flag.Parse()
	if fuzzing() {
		// FuzzRequest runs the handler natively; fuzz workers need no module.
		os.Exit(m.Run())
	}
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasm test setup:", err)
		os.Exit(1)
	}
	os.Exit(code(m))
}

func fuzzing() bool {
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

func setup() (func(*testing.M) int, error) {
	dir, err := os.MkdirTemp("", "wxcard-wasm-test-")
	if err != nil {
		return nil, err
	}
	wasmPath = filepath.Join(dir, "wxcard.wasm")
	build := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", wasmPath, ".")
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(wasmPath)
	if err != nil {
		return nil, err
	}
	// The cache outlives the test binary on purpose: it turns the ~1 s
	// compile into ~50 ms on the next run. wazero keys it by module hash.
	cache, err := wazero.NewCompilationCacheWithDir(filepath.Join(os.TempDir(), "wxcard-wazero-cache"))
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	runtime = wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCompilationCache(cache))
	wasi_snapshot_preview1.MustInstantiate(ctx, runtime)
	if compiled, err = runtime.CompileModule(ctx, bin); err != nil {
		return nil, err
	}
	return func(m *testing.M) int {
		defer os.RemoveAll(dir)
		defer runtime.Close(ctx)
		return m.Run()
	}, nil
}

// guest is one instance of the module.
type guest struct {
	tb                    testing.TB
	ctx                   context.Context
	mod                   api.Module
	alloc, free, live     api.Function
	leanAddCard, leanSHA1 api.Function
	leanIn, leanOut       uint32 // the lean buffer's in and out regions
}

func newGuest(tb testing.TB) *guest {
	tb.Helper()
	ctx := context.Background()
	mod, err := runtime.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().
		WithStartFunctions("_initialize").WithName("").
		WithSysWalltime().WithSysNanotime().WithRandSource(rand.Reader))
	require.NoError(tb, err)
	tb.Cleanup(func() { mod.Close(ctx) })
	g := &guest{tb: tb, ctx: ctx, mod: mod,
		alloc: mod.ExportedFunction("wxcard_alloc"), free: mod.ExportedFunction("wxcard_free"),
		live:        mod.ExportedFunction("wxcard_live_allocs"),
		leanAddCard: mod.ExportedFunction("wxcard_lean_add_card"), leanSHA1: mod.ExportedFunction("wxcard_lean_sorted_sha1")}
	g.leanIn = uint32(g.must(mod.ExportedFunction("wxcard_lean_buffer").Call(ctx))[0])
	caps := g.must(mod.ExportedFunction("wxcard_lean_caps").Call(ctx))[0]
	require.Equal(tb, uint64(leanInCap)<<32|leanOutCap, caps)
	require.Zero(tb, g.leanIn%8, "the lean buffer is aligned for uint32 views")
	g.leanOut = g.leanIn + leanInCap
	for name := range opNames {
		require.NotNil(tb, mod.ExportedFunction("wxcard_"+name), name)
	}
	return g
}

func (g *guest) must(res []uint64, err error) []uint64 {
	g.tb.Helper()
	require.NoError(g.tb, err)
	return res
}

func (g *guest) write(b []byte) uint32 {
	g.tb.Helper()
	ptr := uint32(g.must(g.alloc.Call(g.ctx, uint64(len(b))))[0])
	require.NotZero(g.tb, ptr)
	require.True(g.tb, g.mod.Memory().Write(ptr, b))
	return ptr
}

// callRaw sends (ptr, n) to an op export and returns a copy of the response.
func (g *guest) callRaw(name string, ptr, n uint32) []byte {
	g.tb.Helper()
	packed := g.must(g.mod.ExportedFunction("wxcard_"+name).Call(g.ctx, uint64(ptr), uint64(n)))[0]
	rp, rn := uint32(packed>>32), uint32(packed)
	view, ok := g.mod.Memory().Read(rp, rn)
	require.True(g.tb, ok)
	out := append([]byte(nil), view...) // Read aliases guest memory
	g.must(g.free.Call(g.ctx, uint64(rp)))
	return out
}

func (g *guest) call(name string, req []byte) []byte {
	g.tb.Helper()
	ptr := g.write(req)
	out := g.callRaw(name, ptr, uint32(len(req)))
	g.must(g.free.Call(g.ctx, uint64(ptr)))
	return out
}

func (g *guest) liveAllocs() uint64 { return g.must(g.live.Call(g.ctx))[0] }

type okResp[T any] struct {
	OK    *T `json:"ok"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func decode[T any](t testing.TB, raw []byte) okResp[T] {
	t.Helper()
	var r okResp[T]
	require.NoError(t, json.Unmarshal(raw, &r), "%s", raw)
	require.True(t, (r.OK == nil) != (r.Error == nil), "exactly one of ok and error: %s", raw)
	return r
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func loadVectors(t *testing.T) vectors.File {
	t.Helper()
	v, err := vectors.Load("../signer/testdata/signatures.json")
	require.NoError(t, err)
	return v
}

type cardExtResult struct {
	CardID       string   `json:"card_id"`
	CardExt      string   `json:"card_ext"`
	Signature    string   `json:"signature"`
	Timestamp    int64    `json:"timestamp"`
	NonceStr     string   `json:"nonce_str"`
	SortedValues []string `json:"sorted_values"`
	Preimage     string   `json:"preimage"`
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestVectors(t *testing.T) {
	g := newGuest(t)
	vs := loadVectors(t)
	wrong := map[string]bool{}
	for _, n := range vs.Negative {
		wrong[n.WrongSignature] = true
	}
	for i, v := range vs.CardExt {
		t.Run("card_ext/"+strconv.Itoa(i), func(t *testing.T) {
			values := []string{v.APITicket, v.Timestamp, v.CardID, v.Code, v.OpenID, v.NonceStr}
			sorted := decode[cardExtResult](t, g.call("sorted_sha1", mustJSON(t, map[string]any{"values": values})))
			require.NotNil(t, sorted.OK)
			assert.Equal(t, v.Signature, sorted.OK.Signature)
			assert.Equal(t, v.Signature, sha1Hex(sorted.OK.Preimage))
			assert.Equal(t, v.Signature, g.leanSortedSHA1(values...))

			ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
			if err != nil {
				return // the "bbbb" vector only fits the generic rule
			}
			req := map[string]any{"api_ticket": v.APITicket, "card_id": v.CardID, "timestamp": ts, "nonce_str": v.NonceStr}
			setIf(req, "code", v.Code)
			setIf(req, "openid", v.OpenID)
			res := decode[cardExtResult](t, g.call("card_ext", mustJSON(t, req)))
			require.NotNil(t, res.OK, "%+v", res.Error)
			assert.Equal(t, v.Signature, res.OK.Signature)
			want := signer.SignCardExt(v.APITicket, ts, v.NonceStr, signer.Card{CardID: v.CardID, Code: v.Code, OpenID: v.OpenID})
			assert.Equal(t, want.String(), res.OK.CardExt)
			assert.Equal(t, signer.CardExtValues(v.APITicket, ts, v.CardID, v.Code, v.OpenID, v.NonceStr), res.OK.SortedValues)
			assert.Equal(t, v.Signature, sha1Hex(res.OK.Preimage))
			assert.False(t, wrong[res.OK.Signature])
			assert.Equal(t, []string{want.String()}, g.leanCardExts(1, v.APITicket, v.Timestamp, v.CardID, v.Code, v.OpenID, "", "", absent, v.NonceStr),
				"the lean addCard signs as the JSON one")

			ver := decode[signer.Verification](t, g.call("verify_card_ext", mustJSON(t, map[string]any{"api_ticket": v.APITicket, "card_id": v.CardID, "card_ext": res.OK.CardExt})))
			require.NotNil(t, ver.OK)
			assert.True(t, ver.OK.Valid, "%+v", ver.OK.Problems)
			assert.Equal(t, v.Signature, ver.OK.Expected)
		})
	}
	for i, v := range vs.ChooseCard {
		t.Run("choose_card/"+strconv.Itoa(i), func(t *testing.T) {
			req := map[string]any{"api_ticket": v.APITicket, "app_id": v.AppID, "timestamp": v.Timestamp, "nonce_str": v.NonceStr}
			setIf(req, "shop_id", v.LocationID)
			setIf(req, "card_id", v.CardID)
			setIf(req, "card_type", v.CardType)
			res := decode[signer.ChooseCardParams](t, g.call("choose_card", mustJSON(t, req)))
			require.NotNil(t, res.OK, "%+v", res.Error)
			assert.Equal(t, v.CardSign, res.OK.CardSign)
			assert.Equal(t, "SHA1", res.OK.SignType)
			assert.Equal(t, v.NonceStr, res.OK.NonceStr)
		})
	}
	for i, v := range vs.JSSDK {
		t.Run("jssdk/"+strconv.Itoa(i), func(t *testing.T) {
			req := map[string]any{"jsapi_ticket": v.JSAPITicket, "app_id": "wx0123456789abcdef", "url": v.URL, "timestamp": v.Timestamp, "nonce_str": v.NonceStr}
			res := decode[jsConfigResult](t, g.call("js_config", mustJSON(t, req)))
			require.NotNil(t, res.OK, "%+v", res.Error)
			assert.Equal(t, v.Signature, res.OK.Config.Signature)
			assert.Equal(t, v.Signature, sha1Hex(res.OK.Preimage))
			assert.False(t, wrong[res.OK.Config.Signature])
			assert.Equal(t, strings.Contains(v.URL, "#"), hasProblem(res.OK.Warnings, "url_fragment"))
		})
	}
	t.Run("negative/literal null", func(t *testing.T) {
		doc := vs.CardExt[0]
		bad := signer.SortedSHA1(doc.APITicket, doc.Timestamp, doc.CardID, doc.Code, "null", doc.NonceStr)
		require.True(t, wrong[bad])
		tampered := `{"code":"` + doc.Code + `","openid":"null","timestamp":"` + doc.Timestamp + `","nonce_str":"` + doc.NonceStr + `","signature":"` + bad + `"}`
		ver := decode[signer.Verification](t, g.call("verify_card_ext", mustJSON(t, map[string]any{"api_ticket": doc.APITicket, "card_id": doc.CardID, "card_ext": tampered})))
		require.NotNil(t, ver.OK)
		assert.True(t, hasProblem(ver.OK.Problems, signer.ProblemLiteralNull))
	})
	t.Run("negative/jsapi ticket named", func(t *testing.T) {
		doc := vs.CardExt[0]
		const jsapi = "jsapiTicketJsapiTicket"
		ts, err := strconv.ParseInt(doc.Timestamp, 10, 64)
		require.NoError(t, err)
		signed := signer.SignCardExt(jsapi, ts, doc.NonceStr, signer.Card{CardID: doc.CardID, Code: doc.Code})
		req := map[string]any{"api_ticket": doc.APITicket, "jsapi_ticket": jsapi, "card_id": doc.CardID, "card_ext": signed.String()}
		ver := decode[signer.Verification](t, g.call("verify_card_ext", mustJSON(t, req)))
		require.NotNil(t, ver.OK)
		native, err := signer.VerifyCardExtWithJSAPITicket(doc.APITicket, jsapi, doc.CardID, signed.String())
		require.NoError(t, err)
		assert.Equal(t, native, *ver.OK)
		last := ver.OK.Problems[len(ver.OK.Problems)-1]
		assert.Equal(t, signer.ProblemWrongTicketType, last.Code)
		assert.True(t, last.Cause)
	})
}

// TestVerifiers runs the wx.config and chooseCard verifiers through the
// module: the vectors verify, and a classic mistake is named as natively.
func TestVerifiers(t *testing.T) {
	g := newGuest(t)
	vs := loadVectors(t)
	for i, v := range vs.JSSDK {
		t.Run("jssdk/"+strconv.Itoa(i), func(t *testing.T) {
			ts, err := strconv.ParseInt(v.Timestamp, 10, 64)
			require.NoError(t, err)
			for _, timestamp := range []any{v.Timestamp, ts} {
				res := decode[signer.JSConfigVerification](t, g.call("verify_js_config", mustJSON(t, map[string]any{
					"jsapi_ticket": v.JSAPITicket, "url": v.URL, "timestamp": timestamp, "nonce_str": v.NonceStr, "signature": v.Signature,
				})))
				require.NotNil(t, res.OK, "%+v", res.Error)
				assert.True(t, res.OK.Valid, "%+v", res.OK.Problems)
				assert.Equal(t, v.Signature, sha1Hex(res.OK.Preimage))
			}
			withFragment := sha1Hex("jsapi_ticket=" + v.JSAPITicket + "&noncestr=" + v.NonceStr + "&timestamp=" + v.Timestamp + "&url=" + signer.StripFragment(v.URL) + "#frag")
			req := map[string]any{"jsapi_ticket": v.JSAPITicket, "url": signer.StripFragment(v.URL) + "#frag", "timestamp": v.Timestamp, "nonce_str": v.NonceStr, "signature": withFragment}
			raw := g.call("verify_js_config", mustJSON(t, req))
			res := decode[signer.JSConfigVerification](t, raw)
			require.NotNil(t, res.OK, "%+v", res.Error)
			native, err := signer.VerifyJSConfig(v.JSAPITicket, "", signer.JSConfigCheck{URL: req["url"].(string), Timestamp: v.Timestamp, NonceStr: v.NonceStr, Signature: withFragment})
			require.NoError(t, err)
			assert.Equal(t, native, *res.OK)
			assert.True(t, hasProblem(res.OK.Problems, signer.ProblemURLFragment))
		})
	}
	for i, v := range vs.ChooseCard {
		t.Run("choose_card/"+strconv.Itoa(i), func(t *testing.T) {
			req := map[string]any{"api_ticket": v.APITicket, "app_id": v.AppID, "shop_id": v.LocationID, "card_type": v.CardType, "card_id": v.CardID,
				"timestamp": v.Timestamp, "nonce_str": v.NonceStr, "sign_type": "SHA1", "card_sign": v.CardSign}
			res := decode[signer.ChooseCardVerification](t, g.call("verify_choose_card", mustJSON(t, req)))
			require.NotNil(t, res.OK, "%+v", res.Error)
			assert.True(t, res.OK.Valid, "%+v", res.OK.Problems)
			assert.Equal(t, v.CardSign, sha1Hex(res.OK.Preimage))

			// A page that passes null for the card id, as JavaScript does for a
			// forgotten value: the verifier names it.
			req["card_id"] = nil
			res = decode[signer.ChooseCardVerification](t, g.call("verify_choose_card", mustJSON(t, req)))
			require.NotNil(t, res.OK, "%+v", res.Error)
			assert.False(t, res.OK.Valid)
			assert.True(t, hasProblem(res.OK.Problems, signer.ProblemLiteralNull), "%+v", res.OK.Problems)
		})
	}
}

type jsConfigResult struct {
	Config    signer.JSConfig  `json:"config"`
	SignedURL string           `json:"signed_url"`
	Preimage  string           `json:"preimage"`
	Warnings  []signer.Problem `json:"warnings"`
}

func hasProblem(ps []signer.Problem, code string) bool {
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}

// leanCardExts signs a cardList through the lean ABI's export: values are
// api_ticket, timestamp and seven per card, as lean.addCard reads them.
func (g *guest) leanCardExts(cards int, values ...string) []string {
	g.tb.Helper()
	in := make([]byte, leanInCap)
	leanInput(in, uint32(cards), values...)
	require.True(g.tb, g.mod.Memory().Write(g.leanIn, in))
	total := int(g.must(g.leanAddCard.Call(g.ctx))[0])
	require.NotZero(g.tb, total)
	out, ok := g.mod.Memory().Read(g.leanOut, leanOutCap)
	require.True(g.tb, ok)
	l := lean{out: out}
	return l.cardExts(cards, total)
}

// leanSortedSHA1 hashes values through the lean ABI's export.
func (g *guest) leanSortedSHA1(values ...string) string {
	g.tb.Helper()
	in := make([]byte, leanInCap)
	leanInput(in, uint32(len(values)), values...)
	require.True(g.tb, g.mod.Memory().Write(g.leanIn, in))
	require.Equal(g.tb, uint64(40), g.must(g.leanSHA1.Call(g.ctx))[0])
	sig, ok := g.mod.Memory().Read(g.leanOut, 40)
	require.True(g.tb, ok)
	return string(sig)
}

// TestDifferential runs 10,000 seeded random requests through the module
// and through the same handler compiled natively: the answers must be
// byte-for-byte identical, and the signatures must be the signer's.
func TestDifferential(t *testing.T) {
	g := newGuest(t)
	gen := newCaseGen(20261127)
	var native handler
	cases := make([]diffCase, 0, 10_000)
	kinds := map[string]int{}
	errorsSeen := 0
	for range 10_000 {
		name, req := gen.next()
		want := native.handle(opNames[name], req)
		got := g.call(name, req)
		require.Equal(t, string(want), string(got), "op %s request %s", name, req)
		if strings.HasPrefix(string(got), `{"error"`) {
			errorsSeen++
		} else if name == "card_ext" {
			checkCardExtAgainstSigner(t, req, got)
		}
		kinds[name]++
		cases = append(cases, diffCase{Op: name, Request: req, Response: got})
	}
	assert.Len(t, kinds, len(opNames), "every op is exercised")
	assert.Greater(t, errorsSeen, 200, "error answers are compared too")
	assert.Less(t, errorsSeen, 3000)
	assert.Zero(t, g.liveAllocs())
	if *differentialOut != "" {
		require.NoError(t, os.MkdirAll(filepath.Dir(*differentialOut), 0o755))
		require.NoError(t, os.WriteFile(*differentialOut, mustJSON(t, cases), 0o644))
	}
}

func checkCardExtAgainstSigner(t *testing.T, req, resp []byte) {
	var in struct {
		APITicket string          `json:"api_ticket"`
		CardID    string          `json:"card_id"`
		Code      string          `json:"code"`
		OpenID    string          `json:"openid"`
		Timestamp json.RawMessage `json:"timestamp"`
		NonceStr  string          `json:"nonce_str"`
	}
	require.NoError(t, json.Unmarshal(req, &in))
	ts, err := strconv.ParseInt(strings.Trim(string(in.Timestamp), `"`), 10, 64)
	require.NoError(t, err)
	out := decode[cardExtResult](t, resp)
	assert.Equal(t, signer.CardExtSignature(in.APITicket, ts, in.CardID, in.Code, in.OpenID, in.NonceStr), out.OK.Signature)
}

// TestGeneratedTimestampAndNonce: without explicit values the module uses
// WASI's clock and random_get through the signer's defaults.
func TestGeneratedTimestampAndNonce(t *testing.T) {
	g := newGuest(t)
	req := []byte(`{"api_ticket":"ticket","card_id":"pcard"}`)
	a := decode[cardExtResult](t, g.call("card_ext", req))
	b := decode[cardExtResult](t, g.call("card_ext", req))
	require.NotNil(t, a.OK)
	require.NotNil(t, b.OK)
	assert.InDelta(t, time.Now().Unix(), a.OK.Timestamp, 5)
	assert.Regexp(t, `^[A-Za-z0-9]{24}$`, a.OK.NonceStr)
	assert.NotEqual(t, a.OK.NonceStr, b.OK.NonceStr)
	assert.Equal(t, signer.CardExtSignature("ticket", a.OK.Timestamp, "pcard", "", "", a.OK.NonceStr), a.OK.Signature)

	var list struct {
		OK struct {
			CardList signer.CardList `json:"cardList"`
		} `json:"ok"`
	}
	require.NoError(t, json.Unmarshal(g.call("add_card", []byte(`{"api_ticket":"ticket","cards":[{"card_id":"a"},{"card_id":"a"}]}`)), &list))
	require.Len(t, list.OK.CardList, 2)
	var nonces []string
	for _, item := range list.OK.CardList {
		ver, err := signer.VerifyCardExt("ticket", "a", item.CardExt)
		require.NoError(t, err)
		assert.True(t, ver.Valid)
		nonces = append(nonces, ver.CardExt.NonceStr)
	}
	assert.NotEqual(t, nonces[0], nonces[1], "each card gets its own nonce")
}

// TestBadInput: every malformed request gets a JSON error with a stable
// code, never a trap, and the instance keeps answering correctly.
func TestBadInput(t *testing.T) {
	g := newGuest(t)
	const secret = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	good := []byte(`{"api_ticket":"` + secret + `","card_id":"random_card_id","timestamp":1414587457,"nonce_str":"Wm3WZYTPz0wzccnW"}`)
	check := func(t *testing.T) {
		res := decode[cardExtResult](t, g.call("card_ext", good))
		require.NotNil(t, res.OK)
		assert.Equal(t, "22dce6bad4db532d4a2ef82ca2ca7bbe1e10ef28", res.OK.Signature)
	}
	tests := []struct {
		name, op, req, code, field string
	}{
		{"empty", "card_ext", ``, CodeInvalidJSON, ""},
		{"not json", "card_ext", `api_ticket=` + secret, CodeInvalidJSON, ""},
		{"truncated", "add_card", `{"api_ticket":"` + secret + `","cards":[`, CodeInvalidJSON, ""},
		{"trailing data", "card_ext", `{} {}`, CodeInvalidJSON, ""},
		{"array", "sorted_sha1", `["a","b"]`, CodeInvalidJSON, ""},
		{"string", "js_config", `"` + secret + `"`, CodeInvalidJSON, ""},
		{"non-UTF-8", "card_ext", "{\"api_ticket\":\"\xff\xfe\",\"card_id\":\"x\"}", CodeInvalidUTF8, ""},
		{"lone surrogate", "card_ext", `{"api_ticket":"t","card_id":"c\ud800"}`, CodeInvalidUTF8, ""},
		{"lone low surrogate", "card_ext", `{"api_ticket":"t","card_id":"c\udc00\ud800"}`, CodeInvalidUTF8, ""},
		{"surrogate then text", "card_ext", `{"api_ticket":"t","card_id":"\ud83dxx\ude00"}`, CodeInvalidUTF8, ""},
		{"unknown escape", "card_ext", `{"api_ticket":"t","card_id":"c\x41"}`, CodeInvalidJSON, ""},
		{"short escape", "card_ext", `{"api_ticket":"t","card_id":"c\u12"}`, CodeInvalidJSON, ""},
		{"deep nesting", "sorted_sha1", strings.Repeat("[", 5000) + strings.Repeat("]", 5000), CodeInvalidJSON, ""},
		{"missing ticket", "card_ext", `{"card_id":"x"}`, CodeInvalidInput, "api_ticket"},
		{"missing card id", "card_ext", `{"api_ticket":"t"}`, CodeInvalidInput, "card_id"},
		{"null code", "card_ext", `{"api_ticket":"t","card_id":"x","code":null}`, CodeInvalidInput, "code"},
		{"number card id", "card_ext", `{"api_ticket":"t","card_id":7}`, CodeInvalidInput, "card_id"},
		{"ms timestamp", "card_ext", `{"api_ticket":"t","card_id":"x","timestamp":1414587457000}`, CodeInvalidInput, "timestamp"},
		{"float timestamp", "card_ext", `{"api_ticket":"t","card_id":"x","timestamp":1.5}`, CodeInvalidInput, "timestamp"},
		{"word timestamp", "card_ext", `{"api_ticket":"t","card_id":"x","timestamp":"now"}`, CodeInvalidInput, "timestamp"},
		{"signed timestamp", "card_ext", `{"api_ticket":"t","card_id":"x","timestamp":"+1414587457"}`, CodeInvalidInput, "timestamp"},
		{"zero-padded timestamp", "card_ext", `{"api_ticket":"t","card_id":"x","timestamp":"01414587457"}`, CodeInvalidInput, "timestamp"},
		{"empty key", "card_ext", `{"":"x"}`, CodeInvalidInput, "a field"},
		{"negative timestamp", "choose_card", `{"api_ticket":"t","app_id":"a","timestamp":-5}`, CodeInvalidInput, "timestamp"},
		{"nonce with space", "card_ext", `{"api_ticket":"t","card_id":"x","nonce_str":"a b"}`, CodeInvalidInput, "nonce_str"},
		{"long nonce", "card_ext", `{"api_ticket":"t","card_id":"x","nonce_str":"` + strings.Repeat("n", 33) + `"}`, CodeInvalidInput, "nonce_str"},
		{"control char", "card_ext", `{"api_ticket":"t","card_id":"x\u0001"}`, CodeInvalidInput, "card_id"},
		{"unknown field", "card_ext", `{"api_ticket":"t","card_id":"x","cardId":"x"}`, CodeInvalidInput, "cardId"},
		{"secret as key", "card_ext", `{"` + secret + `":1}`, CodeInvalidInput, "a field"},
		{"duplicate field", "card_ext", `{"api_ticket":"t","card_id":"x","card_id":"y"}`, CodeInvalidInput, "card_id"},
		{"no cards", "add_card", `{"api_ticket":"t","cards":[]}`, CodeInvalidInput, "cards"},
		{"cards not array", "add_card", `{"api_ticket":"t","cards":{"card_id":"x"}}`, CodeInvalidInput, "cards"},
		{"card not object", "add_card", `{"api_ticket":"t","cards":["x"]}`, CodeInvalidInput, "cards[0]"},
		{"bad second card", "add_card", `{"api_ticket":"t","cards":[{"card_id":"x"},{"code":"1"}]}`, CodeInvalidInput, "cards[1].card_id"},
		{"too many cards", "add_card", `{"api_ticket":"t","cards":[` + strings.Repeat(`{"card_id":"x"},`, 50) + `{"card_id":"x"}]}`, CodeInvalidInput, "cards"},
		{"nonce count", "add_card", `{"api_ticket":"t","cards":[{"card_id":"x"}],"nonces":["a","b"]}`, CodeInvalidInput, "nonces"},
		{"negative balance", "add_card", `{"api_ticket":"t","cards":[{"card_id":"x","balance":-1}]}`, CodeInvalidInput, "cards[0].balance"},
		{"relative url", "js_config", `{"jsapi_ticket":"t","app_id":"a","url":"/page"}`, CodeInvalidInput, "url"},
		{"ftp url", "js_config", `{"jsapi_ticket":"t","app_id":"a","url":"ftp://x/"}`, CodeInvalidInput, "url"},
		{"bad page url", "js_config", `{"jsapi_ticket":"t","app_id":"a","url":"https://x/","page_url":"x"}`, CodeInvalidInput, "page_url"},
		{"jsApiList of numbers", "js_config", `{"jsapi_ticket":"t","app_id":"a","url":"https://x/","jsApiList":[1]}`, CodeInvalidInput, "jsApiList[0]"},
		{"values missing", "sorted_sha1", `{}`, CodeInvalidInput, "values"},
		{"too many values", "sorted_sha1", `{"values":[` + strings.Repeat(`"a",`, 64) + `"a"]}`, CodeInvalidInput, "values"},
		{"cardExt object", "verify_card_ext", `{"api_ticket":"t","card_id":"x","card_ext":{"signature":"s"}}`, CodeInvalidInput, "card_ext"},
		{"cardExt not json", "verify_card_ext", `{"api_ticket":"t","card_id":"x","card_ext":"sig=1"}`, CodeInvalidInput, "cardExt"},
		{"verify_js_config without ticket", "verify_js_config", `{"url":"https://x/"}`, CodeInvalidInput, "jsapi_ticket"},
		{"verify_js_config relative url", "verify_js_config", `{"jsapi_ticket":"t","url":"/x"}`, CodeInvalidInput, "url"},
		{"verify_js_config timestamp object", "verify_js_config", `{"jsapi_ticket":"t","url":"https://x/","timestamp":{}}`, CodeInvalidInput, "timestamp"},
		{"verify_choose_card without app id", "verify_choose_card", `{"api_ticket":"t"}`, CodeInvalidInput, "appId"},
		{"verify_choose_card unknown field", "verify_choose_card", `{"api_ticket":"t","app_id":"a","cardSign":"x"}`, CodeInvalidInput, "cardSign"},
		{"huge cardExt", "verify_card_ext", `{"api_ticket":"t","card_id":"x","card_ext":"` + strings.Repeat(" ", 5000) + `{}"}`, CodeInvalidInput, "cardExt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := g.call(tc.op, []byte(tc.req))
			res := decode[struct{}](t, raw)
			require.NotNil(t, res.Error, "%s", raw)
			assert.Equal(t, tc.code, res.Error.Code, "%s", raw)
			assert.Equal(t, tc.field, res.Error.Field, "%s", raw)
			assert.NotEmpty(t, res.Error.Message)
			assert.NotContains(t, string(raw), secret[:20], "a ticket never appears in an error")
			check(t)
		})
	}

	t.Run("escapes are decoded", func(t *testing.T) {
		res := decode[cardExtResult](t, g.call("card_ext", []byte(`{"api_ticket":"t","card_id":"\u5361\ud83d\ude00\"\\\/","timestamp":1414587457,"nonce_str":"n"}`)))
		require.NotNil(t, res.OK, "%+v", res.Error)
		assert.Equal(t, "卡😀\"\\/", res.OK.CardID)
		assert.Equal(t, signer.CardExtSignature("t", 1414587457, "卡😀\"\\/", "", "", "n"), res.OK.Signature)
	})
	t.Run("oversized", func(t *testing.T) {
		ptr := g.must(g.alloc.Call(g.ctx, MaxRequestLen+1))[0]
		assert.Zero(t, ptr, "alloc refuses more than MaxRequestLen")
		small := g.write([]byte("{}"))
		res := decode[struct{}](t, g.callRaw("card_ext", small, MaxRequestLen+1))
		assert.Equal(t, CodeTooLarge, res.Error.Code)
		big := append(append([]byte(`{"values":["`), strings.Repeat("v", MaxRequestLen)...), `"]}`...)
		res = decode[struct{}](t, g.call("sorted_sha1", big[:MaxRequestLen]))
		assert.Equal(t, CodeInvalidJSON, res.Error.Code)
		g.must(g.free.Call(g.ctx, uint64(small)))
		check(t)
	})
	t.Run("bad pointers", func(t *testing.T) {
		buf := g.write([]byte("{}"))
		for _, c := range []struct{ ptr, n uint32 }{{0, 2}, {1, 2}, {buf + 1, 1}, {buf, 100}, {0xfffffff0, 16}} {
			res := decode[struct{}](t, g.callRaw("sorted_sha1", c.ptr, c.n))
			require.NotNil(t, res.Error)
			assert.Equal(t, CodeBadPointer, res.Error.Code)
		}
		g.must(g.free.Call(g.ctx, uint64(buf)))
		g.must(g.free.Call(g.ctx, 12345)) // unknown pointers are ignored
		check(t)
	})
	assert.Zero(t, g.liveAllocs(), "every buffer was freed")
}

// TestMemoryBounded: 100,000 calls with balanced alloc/free leave no live
// buffer behind and do not grow linear memory past the warmed-up size.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 calls")
	}
	g := newGuest(t)
	reqs := []struct {
		op  string
		req []byte
	}{
		{"card_ext", []byte(`{"api_ticket":"ticket","card_id":"pcard","code":"c"}`)},
		{"add_card", []byte(`{"api_ticket":"ticket","cards":[{"card_id":"a"},{"card_id":"b","openid":"o"}]}`)},
		{"js_config", []byte(`{"jsapi_ticket":"t","app_id":"wx1","url":"https://a.example/p#f"}`)},
		{"verify_card_ext", []byte(`{"api_ticket":"t","card_id":"x","card_ext":"{\"timestamp\":\"1\",\"nonce_str\":\"n\",\"signature\":\"s\"}"}`)},
		{"card_ext", []byte(`{"api_ticket":null}`)},
	}
	run := func(n int) {
		for i := range n {
			r := reqs[i%len(reqs)]
			g.call(r.op, r.req)
		}
	}
	run(2_000)
	warm := g.mod.Memory().Size()
	run(98_000)
	assert.Zero(t, g.liveAllocs())
	assert.LessOrEqual(t, g.mod.Memory().Size(), warm+4<<20, "memory grew from %d to %d bytes", warm, g.mod.Memory().Size())
}

func BenchmarkWazeroSortedSHA1Lean(b *testing.B) {
	g := newGuest(b)
	in := make([]byte, leanInCap)
	leanInput(in, uint32(len(benchValues)), benchValues...)
	require.True(b, g.mod.Memory().Write(g.leanIn, in))
	for b.Loop() {
		if g.must(g.leanSHA1.Call(g.ctx))[0] != 40 {
			b.Fatal("refused")
		}
	}
}

func BenchmarkNativeSortedSHA1(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = signer.SortedSHA1(benchValues...)
	}
}

var benchValues = []string{"sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg", "1414587457", "random_card_id", "random_code", "random_openid", "Wm3WZYTPz0wzccnW"}

var benchCardExt = []byte(`{"api_ticket":"sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg","card_id":"random_card_id","code":"random_code","openid":"random_openid","timestamp":1414587457,"nonce_str":"Wm3WZYTPz0wzccnW"}`)

func BenchmarkWazeroCardExtJSON(b *testing.B) {
	g := newGuest(b)
	for b.Loop() {
		g.call("card_ext", benchCardExt)
	}
}

func BenchmarkNativeCardExtJSON(b *testing.B) {
	var h handler
	b.ReportAllocs()
	for b.Loop() {
		h.handle(opCardExt, benchCardExt)
	}
}

func BenchmarkWazeroInstantiate(b *testing.B) {
	ctx := context.Background()
	cfg := wazero.NewModuleConfig().WithStartFunctions("_initialize").WithName("")
	for b.Loop() {
		mod, err := runtime.InstantiateModule(ctx, compiled, cfg)
		if err != nil {
			b.Fatal(err)
		}
		mod.Close(ctx)
	}
}

// BenchmarkWasmModuleSize reports the stripped module's size, raw and gzip.
func BenchmarkWasmModuleSize(b *testing.B) {
	raw, err := os.ReadFile(wasmPath)
	require.NoError(b, err)
	for b.Loop() {
	}
	b.ReportMetric(float64(len(raw)), "raw-bytes")
	b.ReportMetric(float64(gzipLen(b, raw)), "gzip-bytes")
}

func TestJSConfigWarnings(t *testing.T) {
	g := newGuest(t)
	tests := []struct {
		name, url, pageURL string
		want               []string
	}{
		{"clean", "https://shop.example/cards?id=1", "", nil},
		{"fragment", "https://shop.example/cards?id=1#/list", "", []string{"url_fragment"}},
		{"page URL differs only by fragment", "https://shop.example/cards?id=1", "https://shop.example/cards?id=1#top", nil},
		{"not the page", "https://shop.example/cards", "https://shop.example/cards?id=1", []string{"url_not_page"}},
		{"both", "https://shop.example/#x", "https://other.example/", []string{"url_fragment", "url_not_page"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := map[string]any{"jsapi_ticket": "t", "app_id": "wx1", "url": tc.url, "timestamp": 1414587457, "nonce_str": "n"}
			setIf(req, "page_url", tc.pageURL)
			res := decode[jsConfigResult](t, g.call("js_config", mustJSON(t, req)))
			require.NotNil(t, res.OK, "%+v", res.Error)
			var codes []string
			for _, w := range res.OK.Warnings {
				codes = append(codes, w.Code)
			}
			assert.Equal(t, tc.want, codes)
			assert.Equal(t, signer.JSSDKSignature("t", "n", 1414587457, tc.url), res.OK.Config.Signature)
		})
	}
}
