package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	descPeers = prometheus.NewDesc("actornode_peers",
		"Open connections with a peer actor, by direction.", []string{"direction"}, nil)
	descAddrs = prometheus.NewDesc("actornode_addrbook_addresses",
		"Addresses in the address book, by table (new, tried).", []string{"table"}, nil)
	descWakeups = prometheus.NewDesc("actornode_io_wakeups_total",
		"Times io's loop was woken from sleep through its eventfd.", nil, nil)
	descIOConns = prometheus.NewDesc("actornode_io_connections",
		"Connected sockets io holds.", nil, nil)
	descIOBytes = prometheus.NewDesc("actornode_io_bytes_total",
		"Socket bytes since io started, by direction (in: read, out: written).", []string{"direction"}, nil)
	descIOQueued = prometheus.NewDesc("actornode_io_bytes_queued",
		"Bytes handed to io and not yet written, over all connections.", nil, nil)
	descIOV2 = prometheus.NewDesc("actornode_io_v2_total",
		"BIP324 events since io started: established handshakes, failed connections, decoy packets, dropped messages of unknown type.",
		[]string{"event"}, nil)
	descMailbox = prometheus.NewDesc("actornode_mailbox_depth",
		"User messages waiting in the mailboxes of the live actors of a kind.", []string{"kind"}, nil)
	descRestarts = prometheus.NewDesc("actornode_actor_restarts_total",
		"Supervisor restarts of the live actors of a kind.", []string{"kind"}, nil)
	descActors = prometheus.NewDesc("actornode_actors",
		"Live actors of a kind.", []string{"kind"}, nil)
)

// snapshotCollector turns a Snapshot, taken at scrape time, into metrics.
type snapshotCollector struct {
	snapshot SnapshotFunc
	timeout  time.Duration
}

func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPeers, descAddrs, descWakeups, descIOConns,
		descIOBytes, descIOQueued, descIOV2, descMailbox, descRestarts, descActors} {
		ch <- d
	}
}

func (c *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	timeout := c.timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s := c.snapshot(ctx)

	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(descPeers, float64(s.PeersInbound), Inbound)
	gauge(descPeers, float64(s.PeersOutbound), Outbound)
	if s.HaveAddrBook {
		gauge(descAddrs, float64(s.AddrNew), "new")
		gauge(descAddrs, float64(s.AddrTried), "tried")
	}
	if io := s.IO; io != nil {
		counter(descWakeups, float64(io.Wakeups))
		gauge(descIOConns, float64(io.Conns))
		counter(descIOBytes, float64(io.BytesRead), In)
		counter(descIOBytes, float64(io.BytesWritten), Out)
		gauge(descIOQueued, float64(io.BytesQueued))
		counter(descIOV2, float64(io.V2Established), "established")
		counter(descIOV2, float64(io.V2Failures), "failed")
		counter(descIOV2, float64(io.V2Decoys), "decoy")
		counter(descIOV2, float64(io.V2Dropped), "dropped")
	}
	type kindTotals struct {
		actors, mailbox int
		restarts        uint64
	}
	kinds := make(map[string]*kindTotals)
	for _, a := range s.Actors {
		k := kinds[a.Kind]
		if k == nil {
			k = &kindTotals{}
			kinds[a.Kind] = k
		}
		k.actors++
		k.mailbox += a.MailboxLen
		k.restarts += a.Restarts
	}
	for kind, k := range kinds {
		gauge(descActors, float64(k.actors), kind)
		gauge(descMailbox, float64(k.mailbox), kind)
		counter(descRestarts, float64(k.restarts), kind)
	}
}
