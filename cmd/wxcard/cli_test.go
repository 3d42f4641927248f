package main

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFlagsAnywhere(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		args []string
		card string
		rest []string
	}{
		"flags first":        {[]string{"--card", "p1", "a", "b"}, "p1", []string{"a", "b"}},
		"flags last":         {[]string{"a", "b", "--card=p1"}, "p1", []string{"a", "b"}},
		"flags between":      {[]string{"a", "-card", "p1", "b"}, "p1", []string{"a", "b"}},
		"dash-dash":          {[]string{"--card", "p1", "--", "-x", "--card"}, "p1", []string{"-x", "--card"}},
		"nothing":            {nil, "", nil},
		"only dash-dash arg": {[]string{"--", "--"}, "", []string{"--"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			card := fs.String("card", "", "")
			rest, err := parseFlags(fs, tc.args, true)
			require.NoError(t, err)
			assert.Equal(t, tc.card, *card)
			assert.Equal(t, tc.rest, rest)
		})
	}
}

func TestGlobalFlagsBeforeOrAfterTheCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--appid", "wxA", "--json", "codes", "count", "--card", "p"},
		{"codes", "count", "--card", "p", "--appid", "wxA", "--json"},
	} {
		r := runCLI(t, envVars{"WXCARD_APPID": "wxEnv"}, "", args...)
		assert.Equal(t, exitConfig, r.code)
		assert.Contains(t, r.stderr, "no AppSecret for wxA", "the flag wins over the environment")
		assert.Contains(t, r.stdout, `"code": "config"`, "--json took effect")
	}
}
