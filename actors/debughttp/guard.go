package debughttp

import (
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/actornode/actornode/actors/internal/httplimit"
)

// guard admits a request only if it cannot come from a web page of another
// site or through a foreign name (DNS rebinding), and only from an admitted
// client. The endpoint has no password: these are what keep a page the
// operator happens to visit from driving it.
type guard struct {
	listen  netip.AddrPort
	allowIP []netip.Prefix
	refused func(r *http.Request, why string)
	next    http.Handler
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if status, why := g.check(r); status != 0 {
		if g.refused != nil {
			g.refused(r, why)
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, why, status)
		return
	}
	g.next.ServeHTTP(w, r)
}

// check returns the status and reason of a refusal, or 0.
func (g *guard) check(r *http.Request) (int, string) {
	if !g.clientAllowed(r.RemoteAddr) {
		return http.StatusForbidden, "client not allowed (debugallowip)"
	}
	if !g.hostAllowed(r.Host) {
		return http.StatusMisdirectedRequest, "Host is not this endpoint's address or localhost"
	}
	if !sameOrigin(r) {
		return http.StatusForbidden, "cross-site request refused"
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if costly(r.URL.Path) && r.Header.Get("Sec-Fetch-Site") == "" && strings.HasPrefix(r.UserAgent(), "Mozilla/") {
			// A browser too old to say where the request comes from (an
			// <img> of another site looks like this): no profiles for it.
			return http.StatusForbidden, "profiles need a browser that sends Sec-Fetch-Site, or curl / go tool pprof"
		}
	default:
		// A form or a simple cross-origin fetch cannot send JSON without
		// a CORS preflight, which this endpoint never grants.
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			return http.StatusUnsupportedMediaType, "changes need Content-Type: application/json"
		}
	}
	return 0, ""
}

// clientAllowed admits loopback and the debugallowip networks.
func (g *guard) clientAllowed(remote string) bool {
	return httplimit.ClientAllowed(remote, g.allowIP)
}

// hostAllowed admits a Host naming this endpoint: its port, and localhost, a
// loopback IP or the listening IP (any IP when it listens on all). A name
// other than localhost is what DNS rebinding sends, so none is admitted.
// No Host at all (HTTP/1.0) is not a browser's request.
func (g *guard) hostAllowed(hostport string) bool {
	if hostport == "" {
		return true
	}
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		host, portStr = strings.Trim(hostport, "[]"), "80"
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return false
	}
	if g.listen.IsValid() && uint16(port) != g.listen.Port() {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return true
	}
	if !g.listen.IsValid() {
		return false
	}
	bound := g.listen.Addr().Unmap()
	return bound.IsUnspecified() || ip == bound
}

// sameOrigin refuses what a browser marks as coming from another origin:
// Sec-Fetch-Site other than same-origin or none (typed in, a bookmark), or
// an Origin other than this endpoint's.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "http" {
		return false
	}
	return u.Host == r.Host
}

// costly are the routes that spend CPU or show the process's internals:
// the profiles.
func costly(path string) bool {
	return strings.HasPrefix(path, "/debug/pprof/") && path != "/debug/pprof/"
}
