package metrics

import "time"

// Peer is what a peer actor reports. Implementations are safe for
// concurrent use and neither block, lock nor allocate: they are called per
// frame on the io <-> peer path.
type Peer interface {
	// MessageReceived counts frames frames of command, bytes long in all
	// with their headers (a peer reports a batch of pings at once).
	MessageReceived(command string, frames, bytes int)
	// MessageSent counts frames frames of command we sent, bytes long.
	MessageSent(command string, frames, bytes int)
	// BatchReceived records how many frames one read of io carried.
	BatchReceived(frames int)
	// HandshakeCompleted records the time from connection to version and
	// verack both ways.
	HandshakeCompleted(inbound bool, took time.Duration)
	// PingMeasured records one ping round trip.
	PingMeasured(rtt time.Duration)
}

// NopPeer returns a Peer that records nothing.
func NopPeer() Peer { return nopPeer{} }

type nopPeer struct{}

func (nopPeer) MessageReceived(string, int, int)       {}
func (nopPeer) MessageSent(string, int, int)           {}
func (nopPeer) BatchReceived(int)                      {}
func (nopPeer) HandshakeCompleted(bool, time.Duration) {}
func (nopPeer) PingMeasured(time.Duration)             {}

// Chain is what the chain actor reports. Implementations are safe for
// concurrent use and do not block.
type Chain interface {
	// HeaderTip records the height of the best header.
	HeaderTip(height int32)
	// HeadersAdded counts headers added to the index.
	HeadersAdded(n int)
	// HeaderSyncRate records the headers per second added lately.
	HeaderSyncRate(perSecond float64)
	// Reorg counts a reorganization of the best header chain that
	// disconnected depth headers.
	Reorg(depth int)
}

// NopChain returns a Chain that records nothing.
func NopChain() Chain { return nopChain{} }

type nopChain struct{}

func (nopChain) HeaderTip(int32)        {}
func (nopChain) HeadersAdded(int)       {}
func (nopChain) HeaderSyncRate(float64) {}
func (nopChain) Reorg(int)              {}
