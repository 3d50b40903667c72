package metrics

import "time"

// Peer is what a peer actor reports. Implementations are safe for
// concurrent use and neither block, lock nor allocate: they are called per
// frame on the io <-> peer path.
type Peer interface {
	// MessageReceived counts one frame of command, bytes long with its
	// header.
	MessageReceived(command string, bytes int)
	// MessageSent counts one frame we sent.
	MessageSent(command string, bytes int)
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

func (nopPeer) MessageReceived(string, int)            {}
func (nopPeer) MessageSent(string, int)                {}
func (nopPeer) BatchReceived(int)                      {}
func (nopPeer) HandshakeCompleted(bool, time.Duration) {}
func (nopPeer) PingMeasured(time.Duration)             {}
