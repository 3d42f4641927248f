package main

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/wxcard/wxcard/internal/devhttp"
)

// web holds the demo merchant page and the wx stand-in script; they are part
// of this command, so a `go install`ed binary still serves them.
//
//go:embed web
var web embed.FS

// webFS is web without its top directory.
func webFS() fs.FS {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		// fs.Sub fails only for an invalid path; "web" is a constant.
		panic(err)
	}
	return sub
}

// findJSDir locates the repository's js/ package: ./js, or js/ next to a
// go.mod in a parent of the working directory (go run from a subdirectory).
func findJSDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if isJSPackage(filepath.Join(dir, "js")) {
			return filepath.Join(dir, "js")
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return "" // the module root without a js/: stop here
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// isJSPackage reports whether dir holds the wxcard ES module package.
func isJSPackage(dir string) bool {
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return false
	}
	var pkg struct {
		Name string `json:"name"`
	}
	return json.Unmarshal(raw, &pkg) == nil && pkg.Name == "wxcard"
}

// wasmPath returns the built wxcard.wasm: next to the js package's entry
// module (where `make wasm` copies it), else in the repository's build/.
func wasmPath(jsDir string) (string, bool) {
	if jsDir == "" {
		return "", false
	}
	for _, p := range []string{
		filepath.Join(jsDir, "wxcard.wasm"),
		filepath.Join(filepath.Dir(jsDir), "build", "wxcard.wasm"),
	} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// jsAssets serves the js package (and the preview tool in it) from disk, so
// a rebuilt wxcard.wasm or an edited page shows up on reload.
type jsAssets struct {
	dir string
}

func (a jsAssets) serveJS(w http.ResponseWriter, r *http.Request) {
	if a.dir == "" {
		writeJSONError(w, http.StatusNotFound, "js_not_found",
			"the js/ package was not found: run the server from the wxcard repository or give -js-dir")
		return
	}
	rel := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, "/js")), "/")
	if rel == "wxcard.wasm" {
		a.serveWasm(w, r)
		return
	}
	for _, part := range strings.Split(rel, "/") {
		// No dotfiles, no node_modules: only the package's own files.
		if strings.HasPrefix(part, ".") || part == "node_modules" {
			writeJSONError(w, http.StatusNotFound, "not_found", "no such file")
			return
		}
	}
	noCache(w)
	http.StripPrefix("/js", http.FileServer(http.Dir(a.dir))).ServeHTTP(w, r)
}

func (a jsAssets) serveWasm(w http.ResponseWriter, r *http.Request) {
	p, ok := wasmPath(a.dir)
	if !ok {
		writeJSONError(w, http.StatusNotFound, "wasm_not_built",
			"wxcard.wasm has not been built yet: run `make wasm` (`make run` does it first)")
		return
	}
	f, err := os.Open(p)
	if err != nil {
		writeJSONError(w, http.StatusNotFound, "wasm_not_built", "wxcard.wasm could not be read: run `make wasm`")
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "internal", "wxcard.wasm could not be read")
		return
	}
	noCache(w)
	// instantiateStreaming insists on this type.
	w.Header().Set("Content-Type", "application/wasm")
	http.ServeContent(w, r, "wxcard.wasm", st.ModTime(), f)
}

// serveEmbedded serves one embedded file tree under prefix.
func serveEmbedded(prefix string, files fs.FS) http.Handler {
	fileServer := http.StripPrefix(prefix, http.FileServer(http.FS(files)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noCache(w)
		fileServer.ServeHTTP(w, r)
	})
}

// serveFile serves one embedded file at an exact path.
func serveFile(files fs.FS, name, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := fs.ReadFile(files, name)
		if err != nil {
			writeJSONError(w, http.StatusInternalServerError, "internal", "embedded file missing")
			return
		}
		noCache(w)
		w.Header().Set("Content-Type", contentType)
		// Merchant pages on other local ports load it with one <script> line.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write(raw)
	})
}

func noCache(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-cache")
}

// writeJSONError answers {"error":{"code","message"}}, the format of every
// wxcard HTTP API.
func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	devhttp.WriteError(w, status, code, message)
}

func writeJSON(w http.ResponseWriter, status int, v any) { devhttp.WriteJSON(w, status, v) }
