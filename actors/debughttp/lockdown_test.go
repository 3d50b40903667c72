package debughttp_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/debughttp"
	"github.com/actornode/actornode/actors/node/nodetest"
)

// The endpoint answers only requests that name it: DNS rebinding gives a
// page of another site our address under its own name, which is refused.
func TestForeignHostIsRefused(t *testing.T) {
	a := nodetest.Start(t, testConfig(t))
	base := strings.TrimSuffix(a.DebugURL(), "/debug/")
	port := base[strings.LastIndex(base, ":")+1:]
	for host, want := range map[string]int{
		"127.0.0.1:" + port:          http.StatusOK,
		"localhost:" + port:          http.StatusOK,
		"LocalHost:" + port:          http.StatusOK,
		"[::1]:" + port:              http.StatusOK,
		"127.0.0.2:" + port:          http.StatusOK, // loopback
		"evil.example:" + port:       http.StatusMisdirectedRequest,
		"evil.example":               http.StatusMisdirectedRequest,
		"127.0.0.1:1":                http.StatusMisdirectedRequest,
		"localhost":                  http.StatusMisdirectedRequest, // port 80
		"10.0.0.1:" + port:           http.StatusMisdirectedRequest,
		"localhost.evil.com:" + port: http.StatusMisdirectedRequest,
	} {
		status, body := send(t, http.MethodGet, base+"/debug/net", "", "", map[string]string{"Host": host})
		if status != want {
			t.Errorf("Host %q: HTTP %d %s, want %d", host, status, body, want)
		}
	}
}

// A web page of another origin cannot change the log: a form or a simple
// fetch cannot send JSON, and a browser's marks of another origin are
// refused. The same change from our origin, or from curl, works.
func TestLogChangesFromOtherSitesAreRefused(t *testing.T) {
	a := nodetest.Start(t, testConfig(t))
	base := strings.TrimSuffix(a.DebugURL(), "/debug/")
	host := strings.TrimPrefix(base, "http://")
	for _, tc := range []struct {
		name, method, query, ctype, body string
		headers                          map[string]string
		want                             int
	}{
		{"text/plain POST", http.MethodPost, "debug=net", "text/plain", "debug=net", nil, http.StatusUnsupportedMediaType},
		{"form POST", http.MethodPost, "", "application/x-www-form-urlencoded", "debug=net", nil, http.StatusUnsupportedMediaType},
		{"multipart POST", http.MethodPost, "debug=net", "multipart/form-data; boundary=x", "--x--", nil, http.StatusUnsupportedMediaType},
		{"no content type", http.MethodPut, "debug=net", "", "", nil, http.StatusUnsupportedMediaType},
		{"foreign Origin", http.MethodPut, "", "application/json", `{"debug":["net"]}`,
			map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"null Origin", http.MethodPut, "", "application/json", `{"debug":["net"]}`,
			map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"other port's Origin", http.MethodPut, "", "application/json", `{"debug":["net"]}`,
			map[string]string{"Origin": "http://127.0.0.1:1"}, http.StatusForbidden},
		{"cross-site fetch", http.MethodPut, "", "application/json", `{"debug":["net"]}`,
			map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site fetch", http.MethodPut, "", "application/json", `{"debug":["net"]}`,
			map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"GET cannot change", http.MethodGet, "debug=net", "", "", nil, http.StatusOK},
	} {
		status, body := send(t, tc.method, base+"/debug/log?"+tc.query, tc.ctype, tc.body, tc.headers)
		if status != tc.want {
			t.Errorf("%s: HTTP %d %s, want %d", tc.name, status, body, tc.want)
		}
		if got := a.DebugCategories().List(); len(got) != 0 {
			t.Fatalf("%s changed the categories to %v", tc.name, got)
		}
	}
	status, body := send(t, http.MethodPut, base+"/debug/log", "application/json; charset=utf-8", `{"debug":["net"]}`,
		map[string]string{"Origin": base, "Sec-Fetch-Site": "same-origin", "Host": host})
	if status != http.StatusOK || !slices.Equal(a.DebugCategories().List(), []string{"net"}) {
		t.Fatalf("same-origin change: HTTP %d %s, categories %v", status, body, a.DebugCategories().List())
	}
}

// Profiles cost CPU on a GET: a request a browser marks as cross-site, or a
// browser that marks nothing (an <img> in an old browser), is refused;
// curl and go tool pprof are served.
func TestProfilesRefuseOtherSites(t *testing.T) {
	a := nodetest.Start(t, testConfig(t))
	base := strings.TrimSuffix(a.DebugURL(), "/debug/")
	oldBrowser := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0 Safari/537.36"
	for _, tc := range []struct {
		name, path string
		headers    map[string]string
		want       int
	}{
		{"img from another site", "/debug/pprof/profile?seconds=1",
			map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "image", "User-Agent": oldBrowser}, http.StatusForbidden},
		{"trace from a same-site page", "/debug/pprof/trace?seconds=1",
			map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"old browser without fetch metadata", "/debug/pprof/profile?seconds=1",
			map[string]string{"User-Agent": oldBrowser}, http.StatusForbidden},
		{"heap, old browser", "/debug/pprof/heap?gc=1", map[string]string{"User-Agent": oldBrowser}, http.StatusForbidden},
		{"index, old browser", "/debug/pprof/", map[string]string{"User-Agent": oldBrowser}, http.StatusOK},
		{"typed into a browser", "/debug/pprof/heap",
			map[string]string{"Sec-Fetch-Site": "none", "User-Agent": oldBrowser}, http.StatusOK},
		{"go tool pprof", "/debug/pprof/profile?seconds=1", nil, http.StatusOK},
	} {
		status, body := send(t, http.MethodGet, base+tc.path, "", "", tc.headers)
		if status != tc.want {
			t.Errorf("%s: HTTP %d %.200s, want %d", tc.name, status, body, tc.want)
		}
	}
}

func TestCmdlineHidesSecrets(t *testing.T) {
	a := nodetest.Start(t, testConfig(t))
	base := strings.TrimSuffix(a.DebugURL(), "/debug/")
	saved := os.Args
	os.Args = []string{"actornode", "-regtest", "-rpcuser=alice", "-rpcpassword=hunter2", "-rpcauth", "bob:ab$cd", "--natpmp_secret=s3", "-server"}
	t.Cleanup(func() { os.Args = saved })
	status, body := send(t, http.MethodGet, base+"/debug/pprof/cmdline", "", "", nil)
	if status != http.StatusOK {
		t.Fatalf("HTTP %d", status)
	}
	args := strings.Split(body, "\x00")
	want := []string{"actornode", "-regtest", "-rpcuser=alice", "-rpcpassword=<redacted>", "-rpcauth", "<redacted>", "--natpmp_secret=<redacted>", "-server"}
	if !slices.Equal(args, want) {
		t.Fatalf("cmdline %q, want %q", args, want)
	}
}

func TestRedactArgs(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"bin", "-rpcpassword", "-starts-with-dash"}, []string{"bin", "-rpcpassword", "<redacted>"}},
		{[]string{"bin", "-RPCPASSWORD=x"}, []string{"bin", "-RPCPASSWORD=<redacted>"}},
		{[]string{"bin", "-apikey=k", "-debug=net"}, []string{"bin", "-apikey=<redacted>", "-debug=net"}},
		{[]string{"bin", "-rpcpassword"}, []string{"bin", "-rpcpassword"}},
		{[]string{"bin", "--", "-rpcpassword=x"}, []string{"bin", "--", "-rpcpassword=x"}},
		{[]string{"bin", "-rpcauth=u:s$h", "-rpcuser", "alice"}, []string{"bin", "-rpcauth=<redacted>", "-rpcuser", "alice"}},
	} {
		if got := debughttp.RedactArgs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("RedactArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Clients outside loopback and debugallowip are refused.
func TestClientAdmission(t *testing.T) {
	h := debughttp.Handler(debughttp.Source{
		Listen:  netip.MustParseAddrPort("0.0.0.0:8335"),
		AllowIP: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
	})
	for remote, want := range map[string]int{
		"127.0.0.1:5000": http.StatusOK, "[::1]:5000": http.StatusOK,
		"192.0.2.7:5000": http.StatusOK, "198.51.100.7:5000": http.StatusForbidden,
	} {
		req := httptest.NewRequest(http.MethodGet, "http://192.0.2.1:8335/debug/routes", nil)
		req.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("client %s: HTTP %d, want %d", remote, w.Code, want)
		}
	}
}

// The node serves the endpoint with -rpcservertimeout: a client that
// starts a request and stops is dropped.
func TestIdleClientsAreDropped(t *testing.T) {
	cfg := testConfig(t)
	cfg.RPCServerTimeout = time.Second
	a := nodetest.Start(t, cfg)
	host := strings.TrimSuffix(strings.TrimPrefix(a.DebugURL(), "http://"), "/debug/")
	for _, start := range []string{"", "GET /debug/net HTTP/1.1\r\nHost: " + host + "\r\n",
		"PUT /debug/log HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n"} {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprint(c, start)
		_, err = io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("after %q: connection still open after 20 s", start)
		}
	}
}
