package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// codeConstants reads the string constants named prefix… from the non-test
// Go files of a package directory: the codes people can meet on the pages.
// Read from source, so a new code fails this test until it has a sentence.
func codeConstants(t *testing.T, dir, prefix string) []string {
	t.Helper()
	set := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var codes []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(set, filepath.Join(dir, e.Name()), nil, 0)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, prefix) || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					codes = append(codes, v)
				}
			}
		}
	}
	require.NotEmpty(t, codes, "no %s… constants in %s", prefix, dir)
	return codes
}

// localServerCodes reads the error codes this command's own routes answer
// with: the string literal after the status in writeJSONError calls.
func localServerCodes(t *testing.T) []string {
	t.Helper()
	call := regexp.MustCompile(`writeJSONError\(w, [^,]+, "([a-z_]+)"`)
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var codes []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			codes = append(codes, m[1])
		}
	}
	require.NotEmpty(t, codes)
	return codes
}

// tableKeys returns the keys of one language's entries in a JS code table:
// the lines "  key: '…'," between the language's opening line and the
// next closing brace at that depth.
func tableKeys(t *testing.T, src, table, lang string) map[string]bool {
	t.Helper()
	start := strings.Index(src, table)
	require.GreaterOrEqual(t, start, 0, "no %q", table)
	src = src[start:]
	open := regexp.MustCompile(`(?m)^\s*'?` + regexp.QuoteMeta(lang) + `'?: \{\s*$`).FindStringIndex(src)
	require.NotNil(t, open, "no %s section in %s", lang, table)
	body := src[open[1]:]
	body = body[:regexp.MustCompile(`(?m)^\s*\},?\s*$`).FindStringIndex(body)[0]]
	keys := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*([a-z_]+):`).FindAllStringSubmatch(body, -1) {
		keys[m[1]] = true
	}
	return keys
}

func TestEveryCodeThePagesShowHasASentence(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	standin, err := fs.ReadFile(webFS(), "wx-standin.js")
	require.NoError(t, err)
	preview, err := os.ReadFile(filepath.Join(root, "js", "preview", "strings.js"))
	require.NoError(t, err)

	// The stand-in's table serves the sheet and the demo page: the
	// emulator's wallet/add reasons, the config API's error codes and this
	// server's own.
	serverCodes := append(codeConstants(t, filepath.Join(root, "emulator"), "Reason"), codeConstants(t, filepath.Join(root, "edge"), "Code")...)
	serverCodes = append(serverCodes, localServerCodes(t)...)
	for _, lang := range []string{"en", "zh-CN"} {
		keys := tableKeys(t, string(standin), "var CODES = {", lang)
		for _, code := range serverCodes {
			assert.True(t, keys[code], "wx-standin.js CODES.%s has no sentence for %q", lang, code)
		}
	}
	// The preview shows the signer's problem codes; in English the module's
	// own message says it, in Chinese the table does.
	keys := tableKeys(t, string(preview), "export const CODES = {", "zh-CN")
	for _, code := range codeConstants(t, filepath.Join(root, "signer"), "Problem") {
		assert.True(t, keys[code], "js/preview/strings.js CODES['zh-CN'] has no sentence for %q", code)
	}
}
