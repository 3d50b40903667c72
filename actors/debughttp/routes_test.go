package debughttp_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node/nodeinfo"
	"github.com/actornode/actornode/actors/node/nodetest"
)

// find returns the first node of the tree whose kind is kind.
func find(n inspect.Node, kind string) *inspect.Node {
	if n.Kind == kind {
		return &n
	}
	for _, c := range n.Children {
		if f := find(c, kind); f != nil {
			return f
		}
	}
	return nil
}

func TestRoutesAgainstANodeWithAPeer(t *testing.T) {
	a := nodetest.Start(t, testConfig(t))
	debug := a.DebugCategories()
	connectTo(t, a, 1)
	base := strings.TrimSuffix(a.DebugURL(), "/debug/")

	t.Run("page", func(t *testing.T) {
		status, ctype, body := get(t, http.MethodGet, base+"/debug/")
		if status != 200 || !strings.HasPrefix(ctype, "text/html") {
			t.Fatalf("HTTP %d %s", status, ctype)
		}
		page := string(body)
		if !strings.Contains(page, `id="tree"`) || !strings.Contains(page, `id="peers"`) {
			t.Fatal("page lacks the tree or the peer table")
		}
		for _, external := range []string{"http://", "https://", `src="//`, `href="//`} {
			if strings.Contains(page, external) {
				t.Errorf("page refers to an external resource (%s)", external)
			}
		}
	})

	t.Run("routes", func(t *testing.T) {
		status, _, body := get(t, http.MethodGet, base+"/debug/routes")
		if status != 200 || !strings.Contains(string(body), "/debug/net") {
			t.Fatalf("HTTP %d: %s", status, body)
		}
	})

	t.Run("chain", func(t *testing.T) {
		var st map[string]any
		nodetest.Eventually(t, 10*time.Second, "the chain loaded", func() bool {
			getJSON(t, base+"/debug/chain", &st)
			return st["ready"] == true
		})
		if st["network"] != "regtest" || st["headers"] != 0.0 || st["blocks"] != 0.0 || st["best_header"] != a.Params().GenesisHash.String() ||
			st["tips"] == nil || st["store"] == nil || st["sync"] == nil || st["peers"] == nil {
			t.Fatalf("/debug/chain = %v", st)
		}
		if store := st["store"].(map[string]any); !strings.HasSuffix(store["path"].(string), "headers.dat") {
			t.Fatalf("store %v", store)
		}
	})

	t.Run("actors", func(t *testing.T) {
		var tree inspect.Node
		getJSON(t, base+"/debug/actors", &tree)
		if tree.Kind != "node" || tree.Stats == nil {
			t.Fatalf("top = %+v", tree)
		}
		p := find(tree, "peer")
		if p == nil {
			t.Fatal("no peer in the tree")
		}
		if p.Stats == nil || p.Stats.Processed == 0 || p.Parent != "node/connmgr" || p.Summary["handshake"] == nil || p.Summary["addr"] == nil {
			t.Fatalf("peer node = %+v", p)
		}
		for _, kind := range []string{"io", "connmgr", "addrbook", "dispatcher"} {
			k := find(tree, kind)
			if k == nil || k.Stats == nil || k.Unresponsive {
				t.Fatalf("%s node = %+v", kind, k)
			}
		}
		if s := find(tree, "addrbook").Summary; s["new"] == nil || s["tried"] == nil {
			t.Fatalf("addrbook summary = %v", s)
		}
	})

	t.Run("peers", func(t *testing.T) {
		var peers []map[string]any
		// minping appears, as in Core, once a ping has been answered.
		nodetest.Eventually(t, 10*time.Second, "a peer with a ping time", func() bool {
			getJSON(t, base+"/debug/peers", &peers)
			return len(peers) == 1 && peers[0]["minping"] != nil
		})
		for _, key := range []string{"bytessent_per_msg", "bytesrecv_per_msg", "minping", "startingheight",
			"relaytxes", "connection_type", "permissions", "network", "subver", "version"} {
			if _, ok := peers[0][key]; !ok {
				t.Errorf("peer lacks %q", key)
			}
		}
	})

	t.Run("net", func(t *testing.T) {
		var ni nodeinfo.NetworkInfo
		getJSON(t, base+"/debug/net", &ni)
		if ni.Connections != 1 || ni.ConnectionsIn != 1 || ni.SubVersion != "/actornode:0.1.0/" || ni.ProtocolVersion != 70016 {
			t.Fatalf("net = %+v", ni)
		}
	})

	t.Run("log", func(t *testing.T) {
		var st struct{ Debug []string }
		getJSON(t, base+"/debug/log", &st)
		if len(st.Debug) != 0 {
			t.Fatalf("initial debug categories %v", st.Debug)
		}
		for _, step := range []struct {
			method, query, body string
			want                []string
		}{
			{http.MethodPut, "", `{"debug":["net","addrman"]}`, []string{"addrman", "net"}},
			{http.MethodPost, "", `{"include":"msg","exclude":["net"]}`, []string{"addrman", "msg"}},
			{http.MethodPut, "debug=none", "", []string{}},
		} {
			status, body := send(t, step.method, base+"/debug/log?"+step.query, "application/json", step.body, nil)
			if status != 200 {
				t.Fatalf("%s ?%s %s: HTTP %d %s", step.method, step.query, step.body, status, body)
			}
			got := debug.List()
			slices.Sort(got)
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, step.want) {
				t.Fatalf("after %s ?%s: categories %v, want %v", step.method, step.query, got, step.want)
			}
		}
		if status, _ := send(t, http.MethodPut, base+"/debug/log", "application/json", "", nil); status != http.StatusBadRequest {
			t.Fatalf("PUT without a change: HTTP %d, want 400", status)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p expfmt.TextParser
		families, err := p.TextToMetricFamilies(resp.Body)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		for _, name := range []string{"actornode_peers", "actornode_messages_total", "actornode_message_bytes_total",
			"actornode_handshake_duration_seconds", "actornode_ping_seconds", "actornode_mailbox_depth",
			"actornode_actor_restarts_total", "actornode_addrbook_addresses", "actornode_io_wakeups_total",
			"actornode_io_batch_frames", "actornode_actors", "actornode_header_height", "actornode_header_sync_rate",
			"actornode_headers_added_total", "actornode_header_reorgs_total", "actornode_header_reorg_depth"} {
			if _, ok := families[name]; !ok {
				t.Errorf("no family %s", name)
			}
		}
		var inbound float64
		for _, m := range families["actornode_peers"].Metric {
			if m.Label[0].GetValue() == "inbound" {
				inbound = m.Gauge.GetValue()
			}
		}
		if inbound != 1 {
			t.Errorf("actornode_peers{direction=inbound} = %v, want 1", inbound)
		}
		var versions float64
		for _, m := range families["actornode_messages_total"].Metric {
			labels := map[string]string{}
			for _, l := range m.Label {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["command"] == "version" && labels["direction"] == "in" {
				versions = m.Counter.GetValue()
			}
			if _, ok := labels["peer"]; ok {
				t.Fatalf("a metric is labelled by peer: %v", labels)
			}
		}
		if versions < 1 {
			t.Errorf("no version message counted in")
		}
	})

	t.Run("pprof", func(t *testing.T) {
		if status, _, _ := get(t, http.MethodGet, base+"/debug/pprof/"); status != 200 {
			t.Fatalf("HTTP %d", status)
		}
		if status, _, _ := get(t, http.MethodGet, base+"/debug/pprof/goroutine?debug=1"); status != 200 {
			t.Fatalf("goroutine profile: HTTP %d", status)
		}
	})
}
