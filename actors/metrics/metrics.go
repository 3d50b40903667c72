package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/actornode/actornode/protocol"
)

// OtherCommand is the command label of frames whose command is not one
// protocol knows: a remote cannot grow the label set by inventing commands.
const OtherCommand = "other"

// Direction label values.
const (
	In       = "in"
	Out      = "out"
	Inbound  = "inbound"
	Outbound = "outbound"
)

// knownCommands are the commands with a label of their own.
var knownCommands = []string{
	protocol.CmdVersion, protocol.CmdVerack, protocol.CmdPing, protocol.CmdPong,
	protocol.CmdGetAddr, protocol.CmdAddr, protocol.CmdAddrV2, protocol.CmdSendAddrV2,
	protocol.CmdWtxidRelay, protocol.CmdSendHeaders, protocol.CmdFeeFilter, protocol.CmdSendCmpct,
	protocol.CmdInv, protocol.CmdGetData, protocol.CmdNotFound, protocol.CmdGetHeaders,
	protocol.CmdHeaders, protocol.CmdTx, protocol.CmdBlock, protocol.CmdGetBlocks,
	protocol.CmdMempool, protocol.CmdReject, protocol.CmdMerkleBlock, protocol.CmdFilterLoad,
	protocol.CmdFilterAdd, protocol.CmdFilterClear, protocol.CmdCmpctBlock, protocol.CmdGetBlockTxn,
	protocol.CmdBlockTxn, protocol.CmdGetCFilters, protocol.CmdCFilter, protocol.CmdGetCFHeaders,
	protocol.CmdCFHeaders, protocol.CmdGetCFCheckpt, protocol.CmdCFCheckpt, protocol.CmdAlert,
}

// Snapshot is the node's state read at scrape time.
type Snapshot struct {
	// PeersInbound and PeersOutbound count open connections with a peer.
	PeersInbound, PeersOutbound int
	// AddrNew and AddrTried are the address book's table sizes; HaveAddrBook
	// is false when the book did not answer.
	AddrNew, AddrTried int
	HaveAddrBook       bool
	// IO is io's counters; nil when io did not answer.
	IO *IOStats
	// Actors is one entry per live actor whose mailbox is counted.
	Actors []Actor
}

// IOStats are the io actor's counters (transport.Stats, copied so this
// package does not depend on the transport).
type IOStats struct {
	Wakeups                 uint64
	Conns                   int
	BytesRead, BytesWritten uint64
	BytesQueued             int
	// BIP324: handshakes completed, connections closed for a transport
	// fault, decoys received, messages dropped for their type.
	V2Established, V2Failures, V2Decoys, V2Dropped uint64
}

// Actor is one actor's mailbox counters.
type Actor struct {
	// Kind is the actor's kind, a fixed set: "peer", "io", "connmgr", ...
	Kind       string
	MailboxLen int
	Restarts   uint64
}

// SnapshotFunc gathers a Snapshot within ctx's deadline.
type SnapshotFunc func(ctx context.Context) Snapshot

// Metrics is one node's metrics: its registry and the instruments behind
// the event interfaces. Create it with New.
type Metrics struct {
	reg *prometheus.Registry

	// commands maps a known command to its counters; it is built once and
	// only read afterwards, so lookups need no lock.
	commands map[string]*commandCounters
	other    *commandCounters

	handshakeIn, handshakeOut prometheus.Observer
	ping                      prometheus.Observer
	batch                     prometheus.Observer

	headerHeight, headerRate prometheus.Gauge
	headersAdded, reorgs     prometheus.Counter
	reorgDepth               prometheus.Observer
}

type commandCounters struct {
	msgsIn, msgsOut, bytesIn, bytesOut prometheus.Counter
}

// New builds the metrics on a fresh registry. snapshot, when not nil, is
// called at each scrape (bounded by scrapeTimeout) for the state-based
// families.
func New(snapshot SnapshotFunc, scrapeTimeout time.Duration) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg, commands: make(map[string]*commandCounters, len(knownCommands))}

	msgs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "actornode_messages_total",
		Help: "P2P messages by command and direction (in: received, out: sent).",
	}, []string{"command", "direction"})
	bytes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "actornode_message_bytes_total",
		Help: "P2P message bytes, 24-byte header included, by command and direction.",
	}, []string{"command", "direction"})
	counters := func(cmd string) *commandCounters {
		return &commandCounters{
			msgsIn: msgs.WithLabelValues(cmd, In), msgsOut: msgs.WithLabelValues(cmd, Out),
			bytesIn: bytes.WithLabelValues(cmd, In), bytesOut: bytes.WithLabelValues(cmd, Out),
		}
	}
	for _, cmd := range knownCommands {
		m.commands[cmd] = counters(cmd)
	}
	m.other = counters(OtherCommand)

	handshake := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "actornode_handshake_duration_seconds",
		Help:    "Time from connection to the end of the version/verack handshake, by peer direction.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
	}, []string{"direction"})
	m.handshakeIn = handshake.WithLabelValues(Inbound)
	m.handshakeOut = handshake.WithLabelValues(Outbound)
	ping := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "actornode_ping_seconds",
		Help:    "Ping round-trip times.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18),
	})
	m.ping = ping
	batch := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "actornode_io_batch_frames",
		Help:    "Frames carried by one read of io posted to a peer.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 11),
	})
	m.batch = batch

	m.headerHeight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "actornode_header_height",
		Help: "Height of the best block header.",
	})
	m.headerRate = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "actornode_header_sync_rate",
		Help: "Headers added to the index per second, over the last progress interval.",
	})
	m.headersAdded = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "actornode_headers_added_total",
		Help: "Block headers added to the index.",
	})
	m.reorgs = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "actornode_header_reorgs_total",
		Help: "Reorganizations of the best header chain.",
	})
	depth := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "actornode_header_reorg_depth",
		Help:    "Headers disconnected by a reorganization of the best header chain.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 10),
	})
	m.reorgDepth = depth

	reg.MustRegister(m.headerHeight, m.headerRate, m.headersAdded, m.reorgs, depth)
	reg.MustRegister(msgs, bytes, handshake, ping, batch,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if snapshot != nil {
		reg.MustRegister(&snapshotCollector{snapshot: snapshot, timeout: scrapeTimeout})
	}
	return m
}

// Registry is the node's own registry, for a program to add its metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *Metrics) command(cmd string) *commandCounters {
	if c, ok := m.commands[cmd]; ok {
		return c
	}
	return m.other
}

// MessageReceived implements Peer.
func (m *Metrics) MessageReceived(command string, frames, bytes int) {
	c := m.command(command)
	c.msgsIn.Add(float64(frames))
	c.bytesIn.Add(float64(bytes))
}

// MessageSent implements Peer.
func (m *Metrics) MessageSent(command string, frames, bytes int) {
	c := m.command(command)
	c.msgsOut.Add(float64(frames))
	c.bytesOut.Add(float64(bytes))
}

// BatchReceived implements Peer.
func (m *Metrics) BatchReceived(frames int) { m.batch.Observe(float64(frames)) }

// HandshakeCompleted implements Peer.
func (m *Metrics) HandshakeCompleted(inbound bool, took time.Duration) {
	if inbound {
		m.handshakeIn.Observe(took.Seconds())
		return
	}
	m.handshakeOut.Observe(took.Seconds())
}

// HeaderTip implements Chain.
func (m *Metrics) HeaderTip(height int32) { m.headerHeight.Set(float64(height)) }

// HeadersAdded implements Chain.
func (m *Metrics) HeadersAdded(n int) { m.headersAdded.Add(float64(n)) }

// HeaderSyncRate implements Chain.
func (m *Metrics) HeaderSyncRate(perSecond float64) { m.headerRate.Set(perSecond) }

// Reorg implements Chain.
func (m *Metrics) Reorg(depth int) {
	m.reorgs.Inc()
	m.reorgDepth.Observe(float64(depth))
}

// PingMeasured implements Peer.
func (m *Metrics) PingMeasured(rtt time.Duration) { m.ping.Observe(rtt.Seconds()) }
