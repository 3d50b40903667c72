package metrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/actornode/actornode/actors/metrics"
)

// scrape serves m's handler once and parses the text format.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

// value finds the sample of family name whose labels include want.
func value(t *testing.T, families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f, ok := families[name]
	if !ok {
		t.Fatalf("no family %s", name)
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("%s has no sample labelled %v", name, want)
	return 0
}

func TestEventsAndSnapshotAreExported(t *testing.T) {
	m := metrics.New(func(context.Context) metrics.Snapshot {
		return metrics.Snapshot{
			PeersInbound: 2, PeersOutbound: 3,
			AddrNew: 10, AddrTried: 4, HaveAddrBook: true,
			IO: &metrics.IOStats{Wakeups: 7, Conns: 5, BytesRead: 100, BytesWritten: 200, BytesQueued: 9},
			Actors: []metrics.Actor{
				{Kind: "peer", MailboxLen: 1}, {Kind: "peer", MailboxLen: 2, Restarts: 1}, {Kind: "io"},
			},
		}
	}, time.Second)
	m.MessageReceived("version", 1, 126)
	m.MessageReceived("version", 1, 126)
	m.MessageSent("ping", 1, 32)
	m.MessageReceived("madeup", 1, 24)
	m.BatchReceived(3)
	m.HandshakeCompleted(true, 5*time.Millisecond)
	m.PingMeasured(time.Millisecond)

	f := scrape(t, m)
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"actornode_messages_total", map[string]string{"command": "version", "direction": "in"}, 2},
		{"actornode_message_bytes_total", map[string]string{"command": "version", "direction": "in"}, 252},
		{"actornode_messages_total", map[string]string{"command": "ping", "direction": "out"}, 1},
		{"actornode_messages_total", map[string]string{"command": metrics.OtherCommand, "direction": "in"}, 1},
		{"actornode_io_batch_frames", nil, 1},
		{"actornode_handshake_duration_seconds", map[string]string{"direction": "inbound"}, 1},
		{"actornode_handshake_duration_seconds", map[string]string{"direction": "outbound"}, 0},
		{"actornode_ping_seconds", nil, 1},
		{"actornode_peers", map[string]string{"direction": "inbound"}, 2},
		{"actornode_peers", map[string]string{"direction": "outbound"}, 3},
		{"actornode_addrbook_addresses", map[string]string{"table": "new"}, 10},
		{"actornode_addrbook_addresses", map[string]string{"table": "tried"}, 4},
		{"actornode_io_wakeups_total", nil, 7},
		{"actornode_io_bytes_total", map[string]string{"direction": "out"}, 200},
		{"actornode_mailbox_depth", map[string]string{"kind": "peer"}, 3},
		{"actornode_actor_restarts_total", map[string]string{"kind": "peer"}, 1},
		{"actornode_actors", map[string]string{"kind": "peer"}, 2},
	}
	for _, c := range checks {
		if got := value(t, f, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if _, ok := f["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics")
	}
}

func TestPeerEventsDoNotAllocate(t *testing.T) {
	m := metrics.New(nil, 0)
	var p metrics.Peer = m
	allocs := testing.AllocsPerRun(1000, func() {
		p.MessageReceived("ping", 1, 32)
		p.MessageSent("pong", 1, 32)
		p.MessageReceived("unknown-cmd", 1, 24)
		p.BatchReceived(4)
		p.PingMeasured(time.Millisecond)
		p.HandshakeCompleted(false, time.Millisecond)
	})
	if allocs != 0 {
		t.Fatalf("peer events allocate %v times per round", allocs)
	}
}

func TestTwoNodesHaveSeparateRegistries(t *testing.T) {
	a, b := metrics.New(nil, 0), metrics.New(nil, 0)
	a.MessageSent("inv", 1, 61)
	if v := value(t, scrape(t, b), "actornode_messages_total", map[string]string{"command": "inv", "direction": "out"}); v != 0 {
		t.Fatalf("b counts a's message: %v", v)
	}
}

func BenchmarkMessageReceived(b *testing.B) {
	m := metrics.New(nil, 0)
	b.ReportAllocs()
	for b.Loop() {
		m.MessageReceived("ping", 1, 32)
	}
}

func BenchmarkBatchReceived(b *testing.B) {
	m := metrics.New(nil, 0)
	b.ReportAllocs()
	for b.Loop() {
		m.BatchReceived(1)
	}
}
