package admin

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
)

// BenchmarkCodeDeposit1000 deposits 1000 codes against a local upstream:
// ten calls of 100, merged. calls/op confirms the chunking.
func BenchmarkCodeDeposit1000(b *testing.B) {
	f := newFakeWeChat(b)
	var calls atomic.Int64
	f.handle("card/code/deposit", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req codesBody
		if err := decodeBody(r, &req); err != nil {
			writeErrcode(w, 47001, "data format error")
			return
		}
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "succ_code": req.Code, "duplicate_code": []string{}, "fail_code": []string{}})
	})
	c, err := NewClient(testAppID, testSecret, WithBaseURL(f.baseURL()))
	if err != nil {
		b.Fatal(err)
	}
	codes := numbered(1000)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Code.Deposit(ctx, tCardID, codes)
		if err != nil || len(res.Succeeded) != len(codes) {
			b.Fatalf("deposit: %v", err)
		}
	}
	b.ReportMetric(float64(calls.Load())/float64(b.N), "calls/op")
}

func decodeBody(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }
