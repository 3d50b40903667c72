package debughttp_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/actornode/actornode/actors/debughttp"
	"github.com/actornode/actornode/actors/node/nodetest"
)

// refusals records the paths the guard refused.
type refusals struct {
	mu    sync.Mutex
	paths []string
}

func (r *refusals) add(req *http.Request, _ string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.paths = append(r.paths, req.URL.Path)
}

func (r *refusals) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.paths)
}

// serveLoopback serves h on a free loopback port and returns its address.
func serveLoopback(t *testing.T, h http.Handler) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return netip.MustParseAddrPort(ln.Addr().String())
}

// A page of another origin, in a real browser, tries what issue 12 found:
// a text/plain POST whose body is JSON (a simple request: no preflight)
// and a JSON fetch to change the log categories, and an
// <img> starting a CPU profile. All are refused before any handler runs,
// and our own page, from the endpoint's origin, still works.
func TestPageOfAnotherOriginCannotDriveTheEndpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	tab := browser(t, ctx)

	a := nodetest.Start(t, testConfig(t))
	connectTo(t, a, 1)
	var refused refusals
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := netip.MustParseAddrPort(ln.Addr().String())
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: debughttp.Handler(debughttp.Source{
		Root: a.System().Root, Top: a.Root(), ConnMgr: a.ConnMgr(), Log: a.DebugCategories(),
		Listen: listen, Refused: refused.add,
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	endpoint := "http://" + listen.String()

	evil := serveLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><body><script>
window.__settled = 0;
const settle = () => { window.__settled++; };
fetch(%[1]q + "/debug/log", {method: "POST", mode: "no-cors", body: '{"debug":["net"]}'}).then(settle, settle);
fetch(%[1]q + "/debug/log", {method: "PUT", headers: {"Content-Type": "application/json"}, body: '{"debug":["net"]}'}).then(settle, settle);
const img = new Image();
img.onload = settle; img.onerror = settle;
img.src = %[1]q + "/debug/pprof/profile?seconds=1";
</script></body>`, endpoint)
	}))

	if err := chromedp.Do(tab, chromedp.Navigate("http://"+evil.String()+"/")); err != nil {
		t.Fatalf("load the other origin's page: %v", err)
	}
	waitJS(t, tab, "the page's three requests to settle", `window.__settled === 3`)
	if got := a.DebugCategories().List(); len(got) != 0 {
		t.Fatalf("the other origin changed the log categories to %v", got)
	}
	got := refused.list()
	// The JSON PUT needs a CORS preflight (OPTIONS), which is refused;
	// the PUT itself is never sent.
	for _, path := range []string{"/debug/log", "/debug/pprof/profile"} {
		if !slices.Contains(got, path) {
			t.Fatalf("refused %v: %s is not among them", got, path)
		}
	}

	before := len(got)
	if err := chromedp.Do(tab, chromedp.Navigate(endpoint+"/debug/?refresh=200")); err != nil {
		t.Fatalf("load our page: %v", err)
	}
	waitJS(t, tab, "our page drawing the tree and the peer",
		`document.querySelectorAll('#peers tbody tr').length === 1 &&
		 document.querySelector('#tree li[data-path="node/connmgr"]') !== null &&
		 Number(document.getElementById('status').getAttribute('data-refreshes')) >= 2`)
	if after := refused.list(); len(after) != before {
		t.Fatalf("our own page was refused: %v", after[before:])
	}
}
