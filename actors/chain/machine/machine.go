package machine

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerchain/presync"
	"github.com/actornode/actornode/protocol"
)

// Timeouts and limits of header sync, as Core's net_processing.cpp names
// them.
const (
	// HeadersDownloadTimeoutBase is the time a sync peer gets to bring our
	// best header within a day of now (HEADERS_DOWNLOAD_TIMEOUT_BASE).
	HeadersDownloadTimeoutBase = 15 * time.Minute
	// HeadersDownloadTimeoutPerHeader is added per header we expect
	// (HEADERS_DOWNLOAD_TIMEOUT_PER_HEADER).
	HeadersDownloadTimeoutPerHeader = time.Millisecond
	// HeadersResponseTime is how long a getheaders is in flight before
	// another may go to the same peer (HEADERS_RESPONSE_TIME).
	HeadersResponseTime = 2 * time.Minute
	// ChainSyncTimeout is how long an outbound peer may stay on a chain
	// with less work than our tip (CHAIN_SYNC_TIMEOUT).
	ChainSyncTimeout = 20 * time.Minute
	// MaxOutboundPeersToProtect is the most full-relay outbound peers kept
	// from that check (MAX_OUTBOUND_PEERS_TO_PROTECT_FROM_DISCONNECT).
	MaxOutboundPeersToProtect = 4
	// MaxBlocksToAnnounce is the most headers one announcement carries;
	// a peer that lacks the parent of the last ones gets an inv of the tip
	// (MAX_BLOCKS_TO_ANNOUNCE).
	MaxBlocksToAnnounce = 8
	// RecentHeader is how close to now our best header must be for sync
	// to count as caught up (Core's "m_best_header->Time() > now - 24h").
	RecentHeader = headerchain.MaxTipAge
)

// Connection types, with Core's getpeerinfo names (connmgr uses the same).
const (
	ConnInbound           = "inbound"
	ConnOutboundFullRelay = "outbound-full-relay"
	ConnBlockRelayOnly    = "block-relay-only"
	ConnManual            = "manual"
	ConnFeeler            = "feeler"
	ConnAddrFetch         = "addr-fetch"
)

// Reasons the machine disconnects a peer.
var (
	// ErrHeadersTimeout: the sync peer did not bring us close to now in
	// time ("Timeout downloading headers").
	ErrHeadersTimeout = errors.New("timeout downloading headers")
	// ErrOldChain: an outbound peer stayed on a chain with less work than
	// our tip ("Outbound peer has old chain").
	ErrOldChain = errors.New("outbound peer has old chain")
	// ErrInsufficientWork: during initial sync an outbound peer's whole
	// headers chain has less than the minimum chain work ("outbound peer
	// headers chain has insufficient work").
	ErrInsufficientWork = errors.New("outbound peer headers chain has insufficient work")
	// ErrLocatorTooLarge: a getheaders locator of more than
	// protocol.MaxLocatorHashes ("getheaders locator size").
	ErrLocatorTooLarge = errors.New("getheaders locator too large")
)

// Peer is what the machine needs to know of a connected peer.
type Peer struct {
	ID uint64
	// Conn is the connection type (ConnInbound, ...).
	Conn string
	// Services are the remote's service bits.
	Services protocol.ServiceFlag
	// StartHeight is the height the remote announced.
	StartHeight int32
	// Version is the remote's protocol version.
	Version int32
}

// canServe reports whether the peer serves blocks (Core's CanServeBlocks).
func (p *Peer) canServe() bool {
	return p.Services&(protocol.SFNodeNetwork|protocol.SFNodeNetworkLimited) != 0
}

// preferred reports Core's fPreferredDownload: an outbound connection that
// serves blocks, not one made only for addresses or a feeler.
func (p *Peer) preferred() bool {
	return p.Conn != ConnInbound && p.Conn != ConnAddrFetch && p.Conn != ConnFeeler && p.Conn != "" && p.canServe()
}

func (p *Peer) outboundOrBlockRelay() bool {
	return p.Conn == ConnOutboundFullRelay || p.Conn == ConnBlockRelayOnly
}

// Kind says what an Action asks for.
type Kind uint8

// Action kinds.
const (
	// Send: send Msg to Peer.
	Send Kind = iota + 1
	// Disconnect: close Peer for Reason.
	Disconnect
	// Misbehave: Peer broke a rule (Reason); Core disconnects and
	// discourages it.
	Misbehave
	// Persist: Added headers are new in the index, which appended them to
	// its Source (parents first): make them durable.
	Persist
	// NewTip: the best header moved (Tip), after headers from Peer.
	NewTip
	// BlockAnnounced: Peer gave us a new best header At (connmgr's
	// extra-peer eviction reads it; see stale.go).
	BlockAnnounced
	// Protected: Peer is now protected from ConsiderEviction, and from
	// connmgr's extra-peer eviction with it.
	Protected
	// TryNewOutbound: the stale-tip check's verdict (Stale), every
	// StaleCheckInterval (Core's SetTryNewOutboundPeer).
	TryNewOutbound
	// StartExtraBlockRelay: initial sync is over; connmgr may start its
	// periodic extra block-relay-only peers (once).
	StartExtraBlockRelay
)

// Action is one thing the caller must do.
type Action struct {
	Kind Kind
	Peer uint64
	Msg  protocol.Message
	// Added is how many headers a Persist is about.
	Added  int
	Reason error
	Tip    *headerchain.TipChange
	// At is the time of a BlockAnnounced.
	At time.Time
	// Stale is TryNewOutbound's verdict; LastTipUpdate when the best
	// header last moved.
	Stale         bool
	LastTipUpdate time.Time
}

// Config is what the machine is born with.
type Config struct {
	// Params are the network's parameters (minimum chain work, spacing).
	Params protocol.Params
	// Rand, when set, gives each low-work headers sync its secret salt
	// and offset (presync.NewRand); nil turns presync off: every
	// connecting header goes straight to the index.
	Rand func() presync.Rand
}

// Stats are the machine's counters.
type Stats struct {
	HeadersMsgs      uint64 `json:"headers_msgs"`
	HeadersReceived  uint64 `json:"headers_received"`
	HeadersAdded     uint64 `json:"headers_added"`
	GetHeadersSent   uint64 `json:"getheaders_sent"`
	GetHeadersServed uint64 `json:"getheaders_served"`
	HeadersServed    uint64 `json:"headers_served"`
	Unconnecting     uint64 `json:"unconnecting"`
	Reorgs           uint64 `json:"reorgs"`
	Misbehaving      uint64 `json:"misbehaving"`
	Disconnects      uint64 `json:"disconnects"`
	Announcements    uint64 `json:"announcements"`
	// Presyncs counts low-work headers syncs started; LowWorkIgnored
	// short low-work messages dropped.
	Presyncs       uint64 `json:"presyncs"`
	LowWorkIgnored uint64 `json:"low_work_ignored"`
}

// PeerState is what the machine knows of one peer, for getpeerinfo.
type PeerState struct {
	ID uint64 `json:"id"`
	// SyncedHeaders is the height of the best header the peer is known to
	// have, -1 if none (getpeerinfo's synced_headers).
	SyncedHeaders int32 `json:"synced_headers"`
	SyncStarted   bool  `json:"sync_started"`
	Protected     bool  `json:"protected"`
	// Presync is the state of the peer's low-work headers sync, "" if
	// none; PresyncHeight how far its presync got.
	Presync       string `json:"presync,omitempty"`
	PresyncHeight int64  `json:"presync_height,omitempty"`
	// PresyncTime is the time of the last header the presync saw.
	PresyncTime uint32 `json:"presync_time,omitempty"`
	// PresyncWork is the chain work the presync has seen (Core ranks
	// presyncing peers by it).
	PresyncWork headerchain.Uint256 `json:"-"`
	// ChainSyncDeadline is when ConsiderEviction next acts on the peer
	// (Unix seconds), 0 while it is not behind.
	ChainSyncDeadline int64 `json:"chain_sync_deadline,omitempty"`
}

type known struct {
	ref  headerchain.BlockRef
	work headerchain.Uint256
}

// chainSync is Core's ChainSyncTimeoutState.
type chainSync struct {
	timeout        time.Time // zero: not running
	work           *known    // our tip when the timeout was set
	sentGetHeaders bool
	protect        bool
}

type peerState struct {
	Peer
	ready         bool
	disconnecting bool
	syncStarted   bool
	// syncTimeout is m_headers_sync_timeout; syncTimeoutOff is its "max".
	syncTimeout    time.Time
	syncTimeoutOff bool
	// lastGetHeaders is when the getheaders in flight went out (zero:
	// none).
	lastGetHeaders time.Time
	// best is pindexBestKnownBlock; lastUnknown hashLastUnknownBlock.
	best        *known
	lastUnknown *protocol.Hash
	// invTriggered is m_inv_triggered_getheaders_before_sync.
	invTriggered bool
	// sentSendHeaders is m_sent_sendheaders: we sent it sendheaders.
	sentSendHeaders bool
	// prefersHeaders is m_prefers_headers: it sent us sendheaders (kept
	// from before PeerReady, since it may come before verack).
	prefersHeaders bool
	// sent is the best header we sent it in a headers message, announced
	// or asked for (pindexBestHeaderSent); an inv does not count.
	sent *protocol.Hash
	cs   chainSync
	// presync is the peer's low-work headers sync (Core's
	// m_headers_sync), nil if none.
	presync *presync.Sync
}

// Machine is the header sync state machine. It is not safe for concurrent
// use.
type Machine struct {
	cfg   Config
	ix    *headerchain.Index
	peers map[uint64]*peerState
	// nSyncStarted, nPreferred and nProtected are Core's nSyncStarted,
	// m_num_preferred_download_peers and
	// m_outbound_peers_with_protect_from_disconnect.
	nSyncStarted, nPreferred, nProtected int
	// lastInvTrigger is m_last_block_inv_triggering_headers_sync.
	lastInvTrigger protocol.Hash
	spacing        time.Duration
	stats          Stats
	minWork        headerchain.Uint256
	// presync are the network's presync parameters; presyncOn is false
	// without Config.Rand or for a network without them.
	presync   presync.Params
	presyncOn bool
	// stale is the stale-tip check's state (stale.go).
	stale staleState
	// caughtUp latches the end of initial sync (Core's m_cached_is_ibd).
	caughtUp bool
}

// New returns a machine following the chain of ix, which it owns from now
// on (read it only through Index, between calls).
func New(ix *headerchain.Index, cfg Config) *Machine {
	m := &Machine{cfg: cfg, ix: ix, peers: make(map[uint64]*peerState), spacing: cfg.Params.Consensus.PowTargetSpacing}
	if m.spacing <= 0 {
		m.spacing = 10 * time.Minute
	}
	if cfg.Params.MinimumChainWork != nil {
		m.minWork = headerchain.Uint256FromBig(cfg.Params.MinimumChainWork)
	}
	if cfg.Rand != nil {
		if ps, err := presync.NetworkParams(cfg.Params.Name); err == nil {
			m.presync, m.presyncOn = ps, true
		}
	}
	return m
}

// Index is the header index, for reading between calls.
func (m *Machine) Index() *headerchain.Index { return m.ix }

// Stats returns the counters.
func (m *Machine) Stats() Stats { return m.stats }

// SyncPeers returns the peers headers sync has started with.
func (m *Machine) SyncPeers() []uint64 {
	var ids []uint64
	for id, p := range m.peers {
		if p.syncStarted {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Peer returns what the machine knows of peer id.
func (m *Machine) Peer(id uint64) (PeerState, bool) {
	p, ok := m.peers[id]
	if !ok {
		return PeerState{}, false
	}
	s := PeerState{ID: id, SyncedHeaders: -1, SyncStarted: p.syncStarted, Protected: p.cs.protect}
	if p.best != nil {
		s.SyncedHeaders = p.best.ref.Height
	}
	if p.presync != nil {
		s.Presync, s.PresyncHeight, s.PresyncTime = p.presync.State().String(), p.presync.PresyncHeight(), p.presync.PresyncTime()
		s.PresyncWork = p.presync.PresyncWork()
	}
	if !p.cs.timeout.IsZero() {
		s.ChainSyncDeadline = p.cs.timeout.Unix()
	}
	return s, true
}

// BelowMinimumWork reports whether the best header has less work than the
// network's minimum chain work (Core then serves no headers).
func (m *Machine) BelowMinimumWork() bool { return m.ix.TipWork().Cmp(m.minWork) < 0 }

// tipTime is the best header's time.
func (m *Machine) tipTime() time.Time {
	e, _ := m.ix.Lookup(m.ix.Tip().Hash)
	return time.Unix(int64(e.Time), 0)
}

// Recent reports whether the best header is less than RecentHeader old.
func (m *Machine) Recent(now time.Time) bool { return m.tipTime().After(now.Add(-RecentHeader)) }

// InitialSync reports whether header sync is still catching up: the best
// header has less than the minimum chain work or is not recent (Core's
// IsInitialBlockDownload, judged on headers). Like Core's, the answer
// latches: once caught up, the machine never counts as catching up again,
// however old its best header grows.
func (m *Machine) InitialSync(now time.Time) bool {
	if m.caughtUp {
		return false
	}
	if headerchain.InitialDownload(m.ix.TipWork(), m.minWork, m.tipTime(), now, RecentHeader) {
		return true
	}
	m.caughtUp = true
	return false
}

// peer returns the state of id, made on first sight (a message may come
// before the peer is reported ready).
func (m *Machine) peer(id uint64) *peerState {
	p, ok := m.peers[id]
	if !ok {
		p = &peerState{Peer: Peer{ID: id}}
		m.peers[id] = p
	}
	return p
}

// PeerReady tells the machine a peer finished its handshake. Sync may
// start with it at once. What the machine learnt of the peer before (a
// sendheaders, a block it announced) is kept.
func (m *Machine) PeerReady(now time.Time, info Peer, out []Action) []Action {
	p := m.peer(info.ID)
	if p.ready {
		return out
	}
	p.Peer, p.ready = info, true
	if p.preferred() {
		m.nPreferred++
	}
	return m.maybeStartSync(now, p, out)
}

// PeerGone forgets a peer; another may take over its sync.
func (m *Machine) PeerGone(now time.Time, id uint64, out []Action) []Action {
	p, ok := m.peers[id]
	if !ok {
		return out
	}
	delete(m.peers, id)
	if p.ready && p.preferred() {
		m.nPreferred--
	}
	if p.syncStarted {
		m.nSyncStarted--
	}
	if p.cs.protect {
		m.nProtected--
	}
	for _, q := range m.sortedPeers() {
		out = m.maybeStartSync(now, q, out)
	}
	return out
}

func (m *Machine) sortedPeers() []*peerState {
	ps := make([]*peerState, 0, len(m.peers))
	for _, p := range m.peers {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *peerState) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return ps
}

// maybeStartSync is the start of Core's SendMessages for one peer: the
// initial getheaders.
func (m *Machine) maybeStartSync(now time.Time, p *peerState, out []Action) []Action {
	if !p.ready || p.disconnecting || p.syncStarted || !p.canServe() {
		return out
	}
	// Core lets an inbound peer sync when no preferred peer is connected
	// or no block is in flight; this node downloads no blocks, so only
	// the first half applies.
	fromPeer := p.preferred() || (p.Conn != ConnAddrFetch && p.Conn != ConnFeeler && m.nPreferred == 0)
	if !((m.nSyncStarted == 0 && fromPeer) || m.Recent(now)) {
		return out
	}
	// Ask from the best header's parent, so that an up-to-date peer
	// answers with at least one header.
	tip := m.ix.Tip()
	start := tip
	if tip.Height > m.ix.Genesis().Height {
		start, _ = m.ix.Ancestor(tip.Hash, tip.Height-1)
	}
	var sent bool
	out, sent = m.maybeSendGetHeaders(now, p, m.ix.Locator(start.Hash), out)
	if !sent {
		return out
	}
	p.syncStarted = true
	m.nSyncStarted++
	behind := max(now.Sub(m.tipTime()), 0)
	p.syncTimeout = now.Add(HeadersDownloadTimeoutBase + HeadersDownloadTimeoutPerHeader*time.Duration(behind/m.spacing))
	return out
}

// maybeSendGetHeaders sends a getheaders unless one is in flight to the
// peer (Core's MaybeSendGetHeaders).
func (m *Machine) maybeSendGetHeaders(now time.Time, p *peerState, locator []protocol.Hash, out []Action) ([]Action, bool) {
	if !p.lastGetHeaders.IsZero() && now.Sub(p.lastGetHeaders) <= HeadersResponseTime {
		return out, false
	}
	p.lastGetHeaders = now
	m.stats.GetHeadersSent++
	return append(out, Action{Kind: Send, Peer: p.ID, Msg: &protocol.MsgGetHeaders{
		ProtocolVersion: protocol.ProtocolVersion, BlockLocatorHashes: locator}}), true
}

// updateAvailability records that the peer has the block hash (Core's
// UpdateBlockAvailability).
func (m *Machine) updateAvailability(p *peerState, hash protocol.Hash) {
	m.processAvailability(p)
	if e, ok := m.ix.Lookup(hash); ok {
		if p.best == nil || e.Work.Cmp(p.best.work) >= 0 {
			p.best = &known{ref: headerchain.BlockRef{Hash: e.Hash, Height: e.Height}, work: e.Work}
		}
		return
	}
	h := hash
	p.lastUnknown = &h
}

// processAvailability turns the peer's last unknown block into its best
// known once the index has it (Core's ProcessBlockAvailability).
func (m *Machine) processAvailability(p *peerState) {
	if p.lastUnknown == nil {
		return
	}
	if e, ok := m.ix.Lookup(*p.lastUnknown); ok {
		if p.best == nil || e.Work.Cmp(p.best.work) >= 0 {
			p.best = &known{ref: headerchain.BlockRef{Hash: e.Hash, Height: e.Height}, work: e.Work}
		}
		p.lastUnknown = nil
	}
}

// SendHeaders handles a sendheaders message (BIP130) from peer id: from
// now on new best headers are announced to it by headers when it has
// their parent (Core's m_prefers_headers, set by any sendheaders, before
// or after verack, and never unset). It asks for nothing at once.
func (m *Machine) SendHeaders(id uint64) {
	m.peer(id).prefersHeaders = true
}

// Headers handles a headers message from a peer (Core's
// ProcessHeadersMessage).
func (m *Machine) Headers(now time.Time, id uint64, hs []protocol.BlockHeader, out []Action) []Action {
	m.stats.HeadersMsgs++
	return m.headers(now, m.peer(id), hs, false, out)
}

// CompactBlock handles the header of a compact block (BIP152), the way
// Core's cmpctblock handler treats it before it looks at transactions: it
// looks for the parent first (a header that does not connect gets a
// getheaders once out of initial sync, nothing more, whatever its proof of
// work), then at the chain's work (below the anti-DoS threshold it is
// ignored), and only then checks it as a one-header headers message.
func (m *Machine) CompactBlock(now time.Time, id uint64, h protocol.BlockHeader, out []Action) []Action {
	p := m.peer(id)
	if p.disconnecting {
		return out
	}
	prev, ok := m.ix.Lookup(h.PrevBlock)
	if !ok {
		m.stats.Unconnecting++
		if !m.InitialSync(now) {
			out, _ = m.maybeSendGetHeaders(now, p, m.ix.TipLocator(), out)
		}
		return out
	}
	hs := []protocol.BlockHeader{h}
	if m.presyncOn {
		tip, _ := m.ix.Lookup(m.ix.Tip().Hash)
		if presync.NeedsPresync(prev.Work, hs, presync.AntiDoSThreshold(tip.Work, tip.Bits, m.minWork)) {
			m.stats.LowWorkIgnored++
			return out
		}
	}
	return m.headers(now, p, hs, true, out)
}

func (m *Machine) headers(now time.Time, p *peerState, hs []protocol.BlockHeader, viaCompact bool, out []Action) []Action {
	if p.disconnecting {
		return out
	}
	if len(hs) == 0 {
		// An answer with nothing: the getheaders is answered, and a
		// low-work sync with the peer is over.
		p.lastGetHeaders = time.Time{}
		p.presync = nil
		return out
	}
	m.stats.HeadersReceived += uint64(len(hs))
	// Core's CheckHeadersPoW: each header's own proof of work, and each
	// building on the one before, for the whole message first.
	for i := range hs {
		if !headerchain.CheckProofOfWork(hs[i].BlockHash(), hs[i].Bits, m.cfg.Params.Consensus) {
			return m.misbehave(p, fmt.Errorf("header with invalid proof of work: %w", headerchain.ErrHighHash), out)
		}
		if i > 0 && hs[i].PrevBlock != hs[i-1].BlockHash() {
			return m.misbehave(p, headerchain.ErrNotContinuous, out)
		}
	}
	full := len(hs) == headerchain.MaxHeadersResults
	// A low-work sync in progress takes the message first (Core's
	// IsContinuationOfLowWorkHeadersSync; not a compact block's header);
	// what it releases has shown enough work.
	validated := false
	if p.presync != nil && !viaCompact {
		var ok bool
		var released []protocol.BlockHeader
		out, released, ok = m.continuePresync(now, p, hs, full, out)
		if ok {
			if len(released) == 0 {
				return out
			}
			hs, validated = released, true
		}
	}
	last := hs[len(hs)-1].BlockHash()
	if !m.ix.Contains(hs[0].PrevBlock) {
		// (A compact block's header connects: CompactBlock checked.)
		m.stats.Unconnecting++
		// Core's HandleUnconnectingHeaders: ask for what connects them,
		// and remember the peer has the last one.
		out, _ = m.maybeSendGetHeaders(now, p, m.ix.TipLocator(), out)
		m.updateAvailability(p, last)
		return out
	}
	if !viaCompact {
		p.lastGetHeaders = time.Time{}
	}
	lastEntry, lastKnown := m.ix.Lookup(last)
	if m.presyncOn && !validated && !(lastKnown && lastEntry.Best) {
		// Core's TryLowWorkHeadersSync: a chain with less work than the
		// anti-DoS threshold is not stored; a full message starts a
		// low-work sync with the peer, a short one is dropped.
		start, _ := m.ix.Lookup(hs[0].PrevBlock)
		tip, _ := m.ix.Lookup(m.ix.Tip().Hash)
		threshold := presync.AntiDoSThreshold(tip.Work, tip.Bits, m.minWork)
		if presync.NeedsPresync(start.Work, hs, threshold) {
			if !full {
				m.stats.LowWorkIgnored++
				return out
			}
			st, err := presync.StartAt(m.ix, hs[0].PrevBlock)
			if err != nil {
				return out
			}
			sync, err := presync.New(presync.Config{Consensus: m.cfg.Params.Consensus, Params: m.presync, Start: st,
				MinimumWork: threshold, Now: now, Rand: m.cfg.Rand()})
			if err != nil {
				return out
			}
			p.presync = sync
			m.stats.Presyncs++
			out, _, _ = m.continuePresync(now, p, hs, full, out)
			return out
		}
	}
	res, err := m.ix.Add(hs, now)
	if res.Added > 0 {
		m.stats.HeadersAdded += uint64(res.Added)
		out = append(out, Action{Kind: Persist, Peer: p.ID, Added: res.Added})
	}
	// Core refuses the message at its first bad header: the peer is not
	// marked as having the ones before it (its
	// UpdatePeerStateForReceivedHeaders is not reached), and one that
	// broke a rule is not announced to. It does not punish a header from
	// the future (it may be valid later); a full index is our limit, not
	// the peer's fault.
	refused := err != nil && !errors.Is(err, headerchain.ErrIndexFull)
	punish := refused && !errors.Is(err, headerchain.ErrTimeTooNew)
	if punish {
		p.disconnecting = true
	}
	if res.Accepted > 0 && !refused {
		m.updateAvailability(p, res.Last.Hash)
	}
	if res.Tip != nil {
		out = m.newTip(now, p, res.Tip, out)
		out = m.announced(now, p, res.Added > 0 && !refused, out)
	}
	if punish {
		return m.misbehave(p, fmt.Errorf("invalid header received: %w", err), out)
	}
	if err != nil {
		return out
	}
	if full && p.presync == nil {
		out, _ = m.maybeSendGetHeaders(now, p, m.ix.Locator(res.Last.Hash), out)
	}
	out = m.updatePeerState(now, p, full, out)
	return m.maybeSendSendHeaders(p, out)
}

// continuePresync hands a headers message to the peer's low-work sync
// (Core's IsContinuationOfLowWorkHeadersSync): it asks for more when the
// sync says so and drops the sync once it is final. ok says the message
// was a valid continuation; released are the headers the sync lets into
// the index. Otherwise the sync has ended and the message is processed as
// if there had been none.
func (m *Machine) continuePresync(now time.Time, p *peerState, hs []protocol.BlockHeader, full bool, out []Action) ([]Action, []protocol.BlockHeader, bool) {
	res := p.presync.ProcessNextHeaders(hs, full)
	if res.Err == nil {
		p.lastGetHeaders = time.Time{}
	}
	if res.RequestMore && len(res.Locator) > 0 {
		out, _ = m.maybeSendGetHeaders(now, p, res.Locator, out)
	}
	if res.State == presync.Final {
		p.presync = nil
	}
	if res.Err != nil {
		return out, nil, false
	}
	return out, res.Headers, true
}

// maybeSendSendHeaders sends sendheaders (BIP130) once the peer has shown
// a chain with more than the minimum chain work (Core's
// MaybeSendSendHeaders): not before, so that announcements do not race
// the initial headers sync.
func (m *Machine) maybeSendSendHeaders(p *peerState, out []Action) []Action {
	if p.sentSendHeaders || !p.ready || p.disconnecting || min(uint32(p.Version), protocol.ProtocolVersion) < protocol.SendHeadersVersion {
		return out
	}
	if p.best == nil || p.best.work.Cmp(m.minWork) <= 0 {
		return out
	}
	p.sentSendHeaders = true
	return append(out, Action{Kind: Send, Peer: p.ID, Msg: &protocol.MsgSendHeaders{}})
}

// updatePeerState is Core's UpdatePeerStateForReceivedHeaders after the
// availability update.
func (m *Machine) updatePeerState(now time.Time, p *peerState, full bool, out []Action) []Action {
	if m.InitialSync(now) && !full && p.best != nil && p.best.work.Cmp(m.minWork) < 0 && p.outboundOrBlockRelay() {
		return m.disconnect(p, ErrInsufficientWork, out)
	}
	if p.Conn == ConnOutboundFullRelay && p.best != nil && m.nProtected < MaxOutboundPeersToProtect &&
		p.best.work.Cmp(m.ix.TipWork()) >= 0 && !p.cs.protect {
		p.cs.protect = true
		m.nProtected++
		out = append(out, Action{Kind: Protected, Peer: p.ID})
	}
	return out
}

// newTip reports a move of the best header and announces it to the peers
// that do not have it, once sync has caught up (Core announces nothing
// during initial block download).
func (m *Machine) newTip(now time.Time, from *peerState, tc *headerchain.TipChange, out []Action) []Action {
	if len(tc.Disconnected) > 0 {
		m.stats.Reorgs++
	}
	out = append(out, Action{Kind: NewTip, Peer: from.ID, Tip: tc})
	if m.InitialSync(now) {
		return out
	}
	for _, p := range m.sortedPeers() {
		out = m.announce(p, tc, out)
	}
	return out
}

// peerHas reports whether the peer is known to have the header ref (Core's
// PeerHasHeader): it is an ancestor of the peer's best known header or of
// the best one we sent it.
func (m *Machine) peerHas(p *peerState, ref headerchain.BlockRef) bool {
	if p.best != nil {
		if a, ok := m.ix.Ancestor(p.best.ref.Hash, ref.Height); ok && a.Hash == ref.Hash {
			return true
		}
	}
	if p.sent != nil {
		if a, ok := m.ix.Ancestor(*p.sent, ref.Height); ok && a.Hash == ref.Hash {
			return true
		}
	}
	return false
}

// announce tells one peer of the new best chain, as Core's SendMessages
// does: to a peer that sent sendheaders, the headers it lacks when they
// are few and it has their parent; else an inv of the tip. Like Core's
// UpdatedBlockTip it considers only the last MaxBlocksToAnnounce blocks
// new on the best chain, and like its ProcessBlockAvailability it first
// counts a block the peer announced while we lacked it. Only headers count
// as sent (pindexBestHeaderSent): after an inv the peer is not known to
// have the tip, so the next block goes by inv too, whether it asked for
// headers since or not.
func (m *Machine) announce(p *peerState, tc *headerchain.TipChange, out []Action) []Action {
	if !p.ready || p.disconnecting {
		return out
	}
	m.processAvailability(p)
	if m.peerHas(p, tc.New) {
		return out
	}
	m.stats.Announcements++
	tip := tc.New.Hash
	if !p.prefersHeaders {
		// Core's fRevertToInv for a peer that did not ask for headers
		// (one that asked for high-bandwidth compact blocks would get
		// a cmpctblock of a single block: this node has no blocks to
		// make one of).
		return invTip(p, tip, out)
	}
	conn, parent := tc.Connected, tc.Fork
	if n := len(conn); n > MaxBlocksToAnnounce {
		conn, parent = conn[n-MaxBlocksToAnnounce:], conn[n-MaxBlocksToAnnounce-1]
	}
	start := 0
	for start < len(conn) && m.peerHas(p, conn[start]) {
		parent = conn[start]
		start++
	}
	if !m.peerHas(p, parent) {
		return invTip(p, tip, out)
	}
	hs := make([]protocol.BlockHeader, 0, len(conn)-start)
	for _, ref := range conn[start:] {
		e, _ := m.ix.Lookup(ref.Hash)
		h, err := m.ix.Header(e)
		if err != nil {
			// The header store cannot read it back: an inv makes the
			// peer ask.
			return invTip(p, tip, out)
		}
		hs = append(hs, h)
	}
	p.sent = &tip
	return append(out, Action{Kind: Send, Peer: p.ID, Msg: &protocol.MsgHeaders{Headers: hs}})
}

// invTip announces tip to the peer by inv.
func invTip(p *peerState, tip protocol.Hash, out []Action) []Action {
	return append(out, Action{Kind: Send, Peer: p.ID, Msg: &protocol.MsgInv{InvList: []protocol.InvVect{{Type: protocol.InvTypeBlock, Hash: tip}}}})
}

// BlockInv handles the block hashes of an inv message (Core's inv
// handler): each marks the peer as having it; an unknown one gets a
// getheaders from our best header.
func (m *Machine) BlockInv(now time.Time, id uint64, hashes []protocol.Hash, out []Action) []Action {
	p := m.peer(id)
	if p.disconnecting {
		return out
	}
	var best *protocol.Hash
	for i := range hashes {
		have := m.ix.Contains(hashes[i])
		m.updateAvailability(p, hashes[i])
		if !have {
			best = &hashes[i]
		}
	}
	if best == nil {
		return out
	}
	if p.syncStarted || (!p.invTriggered && *best != m.lastInvTrigger) {
		var sent bool
		out, sent = m.maybeSendGetHeaders(now, p, m.ix.TipLocator(), out)
		if sent && !p.syncStarted {
			// Recorded only when the getheaders went out, as Core does:
			// a peer with one in flight takes no turn.
			p.invTriggered = true
			m.lastInvTrigger = *best
		}
	}
	return out
}

// GetHeaders answers a peer's getheaders from the best header chain (Core's
// getheaders handler): an empty headers message while the best header has
// less than the minimum chain work; with an empty locator the header of
// stop if it is on the best chain, else nothing; otherwise the headers
// after the locator's fork point, up to stop, at most MaxHeadersResults.
func (m *Machine) GetHeaders(now time.Time, id uint64, locator []protocol.Hash, stop protocol.Hash, out []Action) []Action {
	p := m.peer(id)
	m.stats.GetHeadersServed++
	if len(locator) > protocol.MaxLocatorHashes {
		return m.disconnect(p, fmt.Errorf("%w: %d > %d", ErrLocatorTooLarge, len(locator), protocol.MaxLocatorHashes), out)
	}
	if m.BelowMinimumWork() {
		return append(out, Action{Kind: Send, Peer: id, Msg: &protocol.MsgHeaders{}})
	}
	hs, err := m.ix.AppendHeadersAfter(nil, locator, stop, headerchain.MaxHeadersResults)
	if err != nil {
		// The header store cannot read them back: no answer, as Core
		// gives none for a block it cannot read.
		return out
	}
	if len(locator) == 0 && len(hs) == 0 {
		return out
	}
	m.stats.HeadersServed += uint64(len(hs))
	sent := m.ix.Tip().Hash
	if len(hs) > 0 {
		sent = hs[len(hs)-1].BlockHash()
	}
	p.sent = &sent
	return append(out, Action{Kind: Send, Peer: id, Msg: &protocol.MsgHeaders{Headers: hs}})
}

// Tick runs the time-driven checks for every peer (Core's SendMessages):
// starting sync, the headers sync timeout and ConsiderEviction.
func (m *Machine) Tick(now time.Time, out []Action) []Action {
	for _, p := range m.sortedPeers() {
		if !p.ready || p.disconnecting {
			continue
		}
		m.processAvailability(p)
		out = m.maybeStartSync(now, p, out)
		out = m.maybeSendSendHeaders(p, out)
		out = m.checkSyncTimeout(now, p, out)
		if p.disconnecting {
			continue
		}
		out = m.considerEviction(now, p, out)
	}
	return out
}

// checkSyncTimeout disconnects a stalling sync peer when another preferred
// peer could take over (Core's headers sync timeout).
func (m *Machine) checkSyncTimeout(now time.Time, p *peerState, out []Action) []Action {
	if !p.syncStarted || p.syncTimeoutOff {
		return out
	}
	if m.Recent(now) {
		p.syncTimeoutOff = true
		return out
	}
	others := m.nPreferred
	if p.preferred() {
		others--
	}
	if now.After(p.syncTimeout) && m.nSyncStarted == 1 && others >= 1 {
		return m.disconnect(p, ErrHeadersTimeout, out)
	}
	return out
}

// considerEviction is Core's ConsiderEviction: an outbound peer must show
// a chain with as much work as our tip within ChainSyncTimeout, then
// HeadersResponseTime after one getheaders.
func (m *Machine) considerEviction(now time.Time, p *peerState, out []Action) []Action {
	if p.cs.protect || !p.outboundOrBlockRelay() || !p.syncStarted {
		return out
	}
	tipWork := m.ix.TipWork()
	cs := &p.cs
	switch {
	case p.best != nil && p.best.work.Cmp(tipWork) >= 0:
		cs.timeout, cs.work, cs.sentGetHeaders = time.Time{}, nil, false
	case cs.timeout.IsZero() || (cs.work != nil && p.best != nil && p.best.work.Cmp(cs.work.work) >= 0):
		tip := m.ix.Tip()
		cs.timeout = now.Add(ChainSyncTimeout)
		cs.work = &known{ref: tip, work: tipWork}
		cs.sentGetHeaders = false
	case now.After(cs.timeout):
		if cs.sentGetHeaders {
			return m.disconnect(p, ErrOldChain, out)
		}
		loc := m.ix.Locator(cs.work.ref.Hash)
		if parent, ok := m.ix.Ancestor(cs.work.ref.Hash, cs.work.ref.Height-1); ok {
			loc = m.ix.Locator(parent.Hash)
		}
		out, _ = m.maybeSendGetHeaders(now, p, loc, out)
		cs.sentGetHeaders = true
		cs.timeout = now.Add(HeadersResponseTime)
	}
	return out
}

func (m *Machine) disconnect(p *peerState, reason error, out []Action) []Action {
	p.disconnecting = true
	m.stats.Disconnects++
	return append(out, Action{Kind: Disconnect, Peer: p.ID, Reason: reason})
}

func (m *Machine) misbehave(p *peerState, reason error, out []Action) []Action {
	p.disconnecting = true
	m.stats.Misbehaving++
	return append(out, Action{Kind: Misbehave, Peer: p.ID, Reason: reason})
}
