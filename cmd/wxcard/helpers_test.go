package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wxcard/wxcard/admin"
	"github.com/wxcard/wxcard/emulator/emulatortest"
)

// depositCoupon is a cash coupon whose codes the merchant deposits.
func depositCoupon() *admin.Cash {
	return &admin.Cash{LeastCost: 10000, ReduceCost: 1000, BaseInfo: admin.BaseInfo{
		LogoURL: "http://mmbiz.qpic.cn/logo.png", BrandName: "测试商户", CodeType: admin.CodeTypeText,
		Title: "十元券", Color: "Color010", Notice: "出示券码", Description: "每人限领一张",
		SKU: &admin.SKU{Quantity: 0}, DateInfo: &admin.DateInfo{Type: admin.DateTypeFixTerm, FixedTerm: 30},
		UseCustomCode: true, GetCustomCodeMode: "GET_CUSTOM_CODE_MODE_DEPOSIT",
	}}
}

// newDepositCard creates an approved deposit-mode card in s.
func newDepositCard(t testing.TB, s *emulatortest.Server) string {
	t.Helper()
	id, err := s.Client.Card.Create(t.Context(), admin.CardTypeCash, depositCoupon())
	require.NoError(t, err)
	s.Approve(t, id)
	return id
}

// makeCodes returns n distinct codes with a prefix.
func makeCodes(prefix string, n int) []string {
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("%s%08d", prefix, i)
	}
	return codes
}

// writeLines writes lines, one per line, into a new file in dir.
func writeLines(t testing.TB, dir, name string, lines []string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	return path
}

// result is what one in-process run printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs a command line in-process with exactly the environment vars
// given (nothing of the test process's own WXCARD_* leaks in).
func runCLI(t *testing.T, vars envVars, stdin string, args ...string) result {
	t.Helper()
	return runCLICtx(t.Context(), vars, stdin, args...)
}

func runCLICtx(ctx context.Context, vars envVars, stdin string, args ...string) result {
	var out, errOut bytes.Buffer
	code := run(ctx, args, &env{
		getenv:     func(k string) string { return vars[k] },
		stdin:      strings.NewReader(stdin),
		stdout:     &out,
		stderr:     &errOut,
		isTerminal: func(io.Writer) bool { return false },
	})
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// envVars is a run's whole environment.
type envVars map[string]string

// Get is the getenv of a run.
func (v envVars) Get(k string) string { return v[k] }

// emulatorVars points a run at s.
func emulatorVars(s *emulatortest.Server) envVars {
	return envVars{"WXCARD_APPID": s.AppID, "WXCARD_SECRET": s.Secret, "WXCARD_BASE_URL": s.URL}
}
