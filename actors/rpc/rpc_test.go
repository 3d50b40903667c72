package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/node/nodeinfo"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/rpc"
	"github.com/actornode/actornode/actors/rpc/client"
	"github.com/actornode/actornode/protocol"
)

func TestDefaultPortIsCores(t *testing.T) {
	for network, want := range map[string]uint16{
		"mainnet": 8332, "testnet": 18332, "testnet4": 48332, "signet": 38332, "regtest": 18443, "nope": 0,
	} {
		if got := rpc.DefaultPort(network); got != want {
			t.Errorf("DefaultPort(%q) = %d, want %d", network, got, want)
		}
	}
}

func TestAuthentication(t *testing.T) {
	cfg := testConfig(t)
	n := nodetest.Start(t, cfg)
	cookiePath := filepath.Join(cfg.DataDirOrDefault(), rpc.CookieFile)
	st, err := os.Stat(cookiePath)
	if err != nil {
		t.Fatalf("cookie file: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("cookie mode = %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(cookiePath)
	if !regexp.MustCompile(`^__cookie__:[0-9a-f]{64}$`).Match(data) {
		t.Errorf("cookie = %q, want __cookie__:<64 hex>", data)
	}
	if m, _ := filepath.Glob(filepath.Join(cfg.DataDirOrDefault(), ".cookie.tmp*")); len(m) > 0 {
		t.Errorf("temporary cookie files left: %v", m)
	}

	ok := newCaller(t, n, cfg.DataDirOrDefault())
	var count int
	ok.call("getconnectioncount", "[]", &count)

	for name, c := range map[string]*caller{
		"wrong password": {t: t, url: ok.url, user: ok.user, pass: "wrong"},
		"wrong user":     {t: t, url: ok.url, user: "someone", pass: ok.pass},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := c.postRaw(`{"method":"getconnectioncount","params":[],"id":1}`)
			if status != http.StatusUnauthorized || len(body) != 0 {
				t.Fatalf("HTTP %d %q, want 401 and no body", status, body)
			}
		})
	}
	resp, err := http.Post(ok.url, "application/json", strings.NewReader(`{"method":"uptime"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Basic realm="jsonrpc"` {
		t.Fatalf("no credentials: HTTP %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	req, _ := http.NewRequest(http.MethodGet, ok.url, nil)
	req.SetBasicAuth(ok.user, ok.pass)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: HTTP %d, want 405", resp.StatusCode)
	}

	if err := n.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cookiePath); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("cookie still there after stop: %v", err)
	}
}

func TestUserPasswordReplacesCookie(t *testing.T) {
	cfg := testConfig(t)
	cfg.RPCUser, cfg.RPCPassword = "alice", "s3cret"
	n := nodetest.Start(t, cfg)
	if _, err := os.Stat(filepath.Join(cfg.DataDirOrDefault(), rpc.CookieFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a cookie was written although rpcpassword is set: %v", err)
	}
	c := &client.Client{URL: n.RPCURL(), User: "alice", Password: "s3cret"}
	if _, err := c.Call(context.Background(), "uptime"); err != nil {
		t.Fatalf("uptime with user and password: %v", err)
	}
	c.Password = "guess"
	if _, err := c.Call(context.Background(), "uptime"); !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("wrong password: %v, want ErrUnauthorized", err)
	}
}

func TestAllowIPAdmitsOnlyLoopbackByDefault(t *testing.T) {
	a := nodetest.Start(t, testConfig(t))
	srv, err := rpc.New(rpc.Config{
		Bind:     []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")},
		Password: "pw",
		Backend:  rpc.Backend{Root: a.System().Root, ConnMgr: a.ConnMgr(), Stop: func() {}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for remote, want := range map[string]int{
		"127.0.0.1:5555": http.StatusOK, "[::1]:5555": http.StatusOK, "10.1.2.3:5555": http.StatusForbidden,
	} {
		req, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(`{"method":"uptime","id":1}`))
		req.RemoteAddr = remote
		req.SetBasicAuth("", "pw")
		w := &recorder{header: http.Header{}}
		srv.ServeHTTP(w, req)
		if w.status != want {
			t.Errorf("client %s: HTTP %d, want %d", remote, w.status, want)
		}
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}
func (r *recorder) WriteHeader(s int) { r.status = s }

func TestProtocolErrors(t *testing.T) {
	cfg := testConfig(t)
	n := nodetest.Start(t, cfg)
	c := newCaller(t, n, cfg.DataDirOrDefault())

	tests := []struct {
		name, body   string
		code, status int
	}{
		{name: "unknown method", body: `{"method":"getmempoolinfo","params":[],"id":1}`, code: rpc.CodeMethodNotFound, status: 404},
		{name: "parse error", body: `{"method":`, code: rpc.CodeParseError, status: 500},
		{name: "missing method", body: `{"params":[],"id":1}`, code: rpc.CodeInvalidRequest, status: 400},
		{name: "method not a string", body: `{"method":7,"id":1}`, code: rpc.CodeInvalidRequest, status: 400},
		{name: "params not array", body: `{"method":"uptime","params":"x","id":1}`, code: rpc.CodeInvalidRequest, status: 400},
		{name: "too many params", body: `{"method":"uptime","params":[1],"id":1}`, code: rpc.CodeMiscError, status: 500},
		{name: "missing required", body: `{"method":"addnode","params":["127.0.0.1:1"],"id":1}`, code: rpc.CodeMiscError, status: 500},
		{name: "wrong type", body: `{"method":"getnodeaddresses","params":["two"],"id":1}`, code: rpc.CodeTypeError, status: 500},
		{name: "unknown named", body: `{"method":"getnodeaddresses","params":{"cnt":2},"id":1}`, code: rpc.CodeInvalidParameter, status: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, rep := c.post(tt.body)
			var e rpc.Error
			if err := json.Unmarshal(rep["error"], &e); err != nil {
				t.Fatalf("error %s: %v", rep["error"], err)
			}
			if e.Code != tt.code || status != tt.status {
				t.Fatalf("code %d HTTP %d (%q), want %d HTTP %d", e.Code, status, e.Message, tt.code, tt.status)
			}
			if _, ok := rep["result"]; !ok {
				t.Fatalf("JSON-RPC 1.0 reply without result: %v", rep)
			}
		})
	}

	t.Run("named params", func(t *testing.T) {
		var h string
		c.call("help", `{"command":"uptime"}`, &h)
		if !strings.HasPrefix(h, "uptime\n") {
			t.Fatalf("help uptime = %q", h)
		}
	})
	t.Run("id echoed", func(t *testing.T) {
		_, rep := c.post(`{"method":"uptime","params":[],"id":"abc"}`)
		if string(rep["id"]) != `"abc"` {
			t.Fatalf("id = %s", rep["id"])
		}
	})
	t.Run("batch", func(t *testing.T) {
		status, data := c.postRaw(`[{"method":"uptime","id":1},{"method":"nope","id":2}]`)
		var reps []map[string]json.RawMessage
		if err := json.Unmarshal(data, &reps); err != nil || status != 200 || len(reps) != 2 {
			t.Fatalf("batch: HTTP %d %s (%v)", status, data, err)
		}
		if string(reps[0]["error"]) != "null" || !strings.Contains(string(reps[1]["error"]), "-32601") {
			t.Fatalf("batch replies %s", data)
		}
	})
	t.Run("jsonrpc 2.0", func(t *testing.T) {
		status, rep := c.post(`{"jsonrpc":"2.0","method":"nope","id":3}`)
		if status != 200 || string(rep["jsonrpc"]) != `"2.0"` || rep["result"] != nil {
			t.Fatalf("2.0 error reply: HTTP %d %v", status, rep)
		}
	})
}

func TestNetworkMethods(t *testing.T) {
	a, b := pair(t)
	c := newCaller(t, a, dataDir(a))

	var count int
	c.call("getconnectioncount", "[]", &count)
	if count != 1 {
		t.Fatalf("getconnectioncount = %d, want 1", count)
	}

	infos := c.peerInfos()
	if len(infos) != 1 {
		t.Fatalf("getpeerinfo: %d peers, want 1", len(infos))
	}
	p := infos[0]
	if !p.Inbound || p.ConnectionType != "inbound" || p.Network != "not_publicly_routable" ||
		p.Permissions == nil || p.TransportProtocolType != "v2" || len(p.SessionID) != 64 || p.Version != 70016 ||
		p.SubVer != "/actornode:0.1.0/" || !p.RelayTxes || p.StartingHeight != 0 ||
		p.BytesRecvPerMsg["version"] == 0 || p.BytesSentPerMsg["verack"] == 0 {
		t.Fatalf("getpeerinfo entry = %+v", p)
	}
	var raw []map[string]any
	c.call("getpeerinfo", "[]", &raw)
	for _, key := range []string{"id", "addr", "services", "servicesnames", "relaytxes", "lastsend", "lastrecv",
		"bytessent", "bytesrecv", "conntime", "timeoffset", "version", "subver", "inbound", "startingheight",
		"connection_type", "permissions", "bytessent_per_msg", "bytesrecv_per_msg", "network", "transport_protocol_type"} {
		if _, ok := raw[0][key]; !ok {
			t.Errorf("getpeerinfo lacks %q", key)
		}
	}

	var ni nodeinfo.NetworkInfo
	c.call("getnetworkinfo", "[]", &ni)
	if ni.Connections != 1 || ni.ConnectionsIn != 1 || ni.ProtocolVersion != 70016 ||
		ni.SubVersion != "/actornode:0.1.0/" || ni.LocalServices != "0000000000000800" || len(ni.LocalServicesNames) != 1 ||
		ni.LocalServicesNames[0] != "P2P_V2" || ni.Version != 100 ||
		len(ni.Networks) != 5 || ni.LocalAddresses == nil {
		t.Fatalf("getnetworkinfo = %+v", ni)
	}

	var totals map[string]any
	c.call("getnettotals", "[]", &totals)
	if totals["totalbytesrecv"].(float64) <= 0 || totals["totalbytessent"].(float64) <= 0 || totals["uploadtarget"] == nil {
		t.Fatalf("getnettotals = %v", totals)
	}

	var up int64
	c.call("uptime", "[]", &up)
	if up < 0 || up > 60 {
		t.Fatalf("uptime = %d", up)
	}

	t.Run("ping", func(t *testing.T) {
		c.call("ping", "[]", nil)
		nodetest.Eventually(t, 5*time.Second, "a ping time", func() bool {
			infos := c.peerInfos()
			return len(infos) == 1 && infos[0].PingTime > 0 && infos[0].MinPing > 0
		})
	})

	t.Run("help", func(t *testing.T) {
		var all string
		c.call("help", "[]", &all)
		for _, want := range []string{"== Network ==", "== Control ==", `addnode "node" "command"`, "getpeerinfo", "stop"} {
			if !strings.Contains(all, want) {
				t.Errorf("help lacks %q:\n%s", want, all)
			}
		}
		var one string
		c.call("help", `["setban"]`, &one)
		if !strings.HasPrefix(one, `setban "subnet" "command"`) {
			t.Errorf("help setban = %q", one)
		}
		c.call("help", `["nope"]`, &one)
		if one != "help: unknown command: nope" {
			t.Errorf("help nope = %q", one)
		}
	})

	t.Run("addnode and getaddednodeinfo", func(t *testing.T) {
		const far = "127.0.0.1:1"
		c.call("addnode", `["`+far+`","add"]`, nil)
		if code, msg, _ := c.callErr("addnode", `["`+far+`","add"]`); code != rpc.CodeClientNodeAlreadyAdded || msg != "Error: Node already added" {
			t.Fatalf("second add: %d %q", code, msg)
		}
		var added []map[string]any
		c.call("getaddednodeinfo", `["`+far+`"]`, &added)
		if len(added) != 1 || added[0]["addednode"] != far || added[0]["connected"] != false {
			t.Fatalf("getaddednodeinfo = %v", added)
		}
		c.call("addnode", `["`+far+`","remove"]`, nil)
		if code, _, _ := c.callErr("addnode", `["`+far+`","remove"]`); code != rpc.CodeClientNodeNotAdded {
			t.Fatalf("second remove: code %d, want -24", code)
		}
		if code, _, _ := c.callErr("getaddednodeinfo", `["`+far+`"]`); code != rpc.CodeClientNodeNotAdded {
			t.Fatalf("getaddednodeinfo of a removed node: code %d, want -24", code)
		}
		if code, msg, _ := c.callErr("addnode", `["`+far+`","connect"]`); code != rpc.CodeMiscError || !strings.HasPrefix(msg, "addnode ") {
			t.Fatalf("bad command: %d %q", code, msg)
		}
		// The node speaks v2 (-v2transport's default): asking for it is fine,
		// and so is refusing it.
		for _, v2 := range []string{"true", "false"} {
			c.call("addnode", `["`+far+`","onetry",`+v2+`]`, nil)
		}
		// The same check as -addnode and -connect in the configuration
		// (protocol.SplitHostPort): nothing is added.
		for _, bad := range []string{"bad host", "127.0.0.1:0", "host:99999", "[1.2.3.4]:8333", "http://x/", ""} {
			for _, cmd := range []string{"add", "onetry"} {
				params, _ := json.Marshal([]string{bad, cmd})
				_, _, err := protocol.SplitHostPort(bad)
				if code, msg, _ := c.callErr("addnode", string(params)); code != rpc.CodeInvalidParameter || err == nil || msg != "Error: "+err.Error() {
					t.Errorf("addnode %s: %d %q, want -8 %q", params, code, msg, err)
				}
			}
		}
		c.call("getaddednodeinfo", "[]", &added)
		if len(added) != 0 {
			t.Errorf("getaddednodeinfo after bad addnodes = %v", added)
		}
	})

	t.Run("setban listbanned clearbanned", func(t *testing.T) {
		c.call("setban", `["10.0.0.0/8","add"]`, nil)
		if code, _, _ := c.callErr("setban", `["10.0.0.0/8","add"]`); code != rpc.CodeClientNodeAlreadyAdded {
			t.Fatalf("second ban: code %d, want -23", code)
		}
		if code, msg, _ := c.callErr("setban", `["10.0.0.300","add"]`); code != rpc.CodeClientInvalidIPOrSubnet || msg != "Error: Invalid IP/Subnet" {
			t.Fatalf("bad subnet: %d %q", code, msg)
		}
		c.call("setban", `["192.0.2.7","add",3600]`, nil)
		var bans []map[string]any
		c.call("listbanned", "[]", &bans)
		if len(bans) != 2 || bans[0]["address"] != "10.0.0.0/8" || bans[1]["address"] != "192.0.2.7/32" {
			t.Fatalf("listbanned = %v", bans)
		}
		if d := bans[1]["ban_duration"].(float64); d < 3590 || d > 3610 {
			t.Fatalf("ban_duration = %v, want 3600", d)
		}
		c.call("setban", `["10.0.0.0/8","remove"]`, nil)
		if code, _, _ := c.callErr("setban", `["10.0.0.0/8","remove"]`); code != rpc.CodeClientInvalidIPOrSubnet {
			t.Fatalf("second unban: code %d, want -30", code)
		}
		c.call("clearbanned", "[]", nil)
		c.call("listbanned", "[]", &bans)
		if len(bans) != 0 {
			t.Fatalf("listbanned after clearbanned = %v", bans)
		}
	})

	// Core computes a ban's end in int64 seconds: 10^10 s from now ends
	// around 2343 (a Duration would overflow). An absolute time in the past
	// and a number past int64 fail with Core's errors, and ban nothing.
	t.Run("setban bantime limits", func(t *testing.T) {
		defer c.call("clearbanned", "[]", nil)
		c.call("setban", `["192.0.2.8","add",10000000000]`, nil)
		var bans []map[string]any
		c.call("listbanned", "[]", &bans)
		if len(bans) != 1 {
			t.Fatalf("listbanned = %v, want the one ban", bans)
		}
		if d := bans[0]["ban_duration"].(float64); d < 1e10-10 || d > 1e10+10 {
			t.Errorf("ban_duration = %v, want 1e10", d)
		}
		until := time.Unix(int64(bans[0]["banned_until"].(float64)), 0).UTC()
		if want := time.Now().UTC().Year() + 316; until.Year() < want || until.Year() > want+1 {
			t.Errorf("banned_until = %v, want about %d", until, want)
		}
		future := time.Now().Unix() + 3600
		c.call("setban", fmt.Sprintf(`["192.0.2.12","add",%d,true]`, future), nil)
		c.call("listbanned", "[]", &bans)
		if len(bans) != 2 || int64(bans[1]["banned_until"].(float64)) != future {
			t.Errorf("absolute ban: listbanned = %v, want banned_until %d", bans, future)
		}
		for _, tc := range []struct {
			params string
			code   int
			msg    string
		}{
			{`["192.0.2.9","add",9223372036854775807]`, rpc.CodeMiscError, "JSON integer out of range"},
			{`["192.0.2.10","add",99999999999999999999]`, rpc.CodeMiscError, "JSON integer out of range"},
			{`["192.0.2.11","add",1,true]`, rpc.CodeInvalidParameter, "Error: Absolute timestamp is in the past"},
			{`["192.0.2.11","add",0,true]`, rpc.CodeInvalidParameter, "Error: Absolute timestamp is in the past"},
		} {
			if code, msg, _ := c.callErr("setban", tc.params); code != tc.code || msg != tc.msg {
				t.Errorf("setban %s: %d %q, want %d %q", tc.params, code, msg, tc.code, tc.msg)
			}
		}
		c.call("listbanned", "[]", &bans)
		if len(bans) != 2 {
			t.Errorf("listbanned after the failures = %v, want the first two bans only", bans)
		}
	})

	t.Run("getnodeaddresses", func(t *testing.T) {
		var addrs []map[string]any
		c.call("getnodeaddresses", "[0]", &addrs)
		for _, a := range addrs {
			for _, key := range []string{"time", "services", "address", "port", "network"} {
				if _, ok := a[key]; !ok {
					t.Fatalf("entry %v lacks %q", a, key)
				}
			}
		}
		c.call("getnodeaddresses", `[0,"onion"]`, &addrs)
		if len(addrs) != 0 {
			t.Fatalf("onion addresses: %v", addrs)
		}
		if code, msg, _ := c.callErr("getnodeaddresses", "[-1]"); code != rpc.CodeInvalidParameter || msg != "Address count out of range" {
			t.Fatalf("count -1: %d %q", code, msg)
		}
		if code, _, _ := c.callErr("getnodeaddresses", `[1,"ipx"]`); code != rpc.CodeInvalidParameter {
			t.Fatalf("bad network: code %d", code)
		}
	})

	t.Run("disconnectnode", func(t *testing.T) {
		if code, msg, _ := c.callErr("disconnectnode", `["127.0.0.1:9"]`); code != rpc.CodeClientNodeNotConnected || msg != "Node not found in connected nodes" {
			t.Fatalf("unknown address: %d %q", code, msg)
		}
		if code, _, _ := c.callErr("disconnectnode", `["127.0.0.1:9", 3]`); code != rpc.CodeInvalidParams {
			t.Fatalf("address and nodeid: code %d, want -32602", code)
		}
		if code, _, _ := c.callErr("disconnectnode", `[]`); code != rpc.CodeInvalidParams {
			t.Fatalf("neither: code %d, want -32602", code)
		}
		id := c.peerInfos()[0].ID
		c.call("disconnectnode", `["", `+jsonNumber(id)+`]`, nil)
		nodetest.Eventually(t, 5*time.Second, "the peer gone or replaced", func() bool {
			for _, p := range c.peerInfos() {
				if p.ID == id {
					return false
				}
			}
			return true
		})
		_ = b
	})
}

func jsonNumber(v uint64) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func TestStopStopsTheNode(t *testing.T) {
	cfg := testConfig(t)
	n := nodetest.Start(t, cfg)
	c := newCaller(t, n, cfg.DataDirOrDefault())
	var msg string
	c.call("stop", "[]", &msg)
	if msg != "actornode stopping" {
		t.Fatalf("stop = %q", msg)
	}
	select {
	case <-n.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("node still running 10s after stop")
	}
	nodetest.Eventually(t, 5*time.Second, "cookie removed", func() bool {
		_, err := os.Stat(filepath.Join(cfg.DataDirOrDefault(), rpc.CookieFile))
		return errors.Is(err, fs.ErrNotExist)
	})
}
