package web

import (
	"embed"
	"net/http"
)

//go:embed static
var static embed.FS

// Page serves the page (static/index.html) for GET /debug/.
func Page() http.Handler {
	page, err := static.ReadFile("static/index.html")
	if err != nil {
		// The file is embedded at build time: missing means a broken build.
		panic("web: embedded page missing: " + err.Error())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		// Nothing but this page's own inline code and the node's endpoint.
		h.Set("Content-Security-Policy",
			"default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
		_, _ = w.Write(page)
	})
}
