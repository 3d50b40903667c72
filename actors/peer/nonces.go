package peer

import "sync"

// Nonces is the node-wide set of nonces of our own outbound version messages
// whose handshake has not finished. An inbound version carrying one of them
// means we dialled ourselves (Core's CheckIncomingNonce). It is safe for
// concurrent use by every peer actor; the zero value is not usable, call
// NewNonces.
type Nonces struct {
	mu  sync.Mutex
	set map[uint64]struct{}
}

// NewNonces returns an empty set.
func NewNonces() *Nonces {
	return &Nonces{set: make(map[uint64]struct{})}
}

// Add records nonce.
func (n *Nonces) Add(nonce uint64) {
	n.mu.Lock()
	n.set[nonce] = struct{}{}
	n.mu.Unlock()
}

// Remove forgets nonce; removing an absent nonce does nothing.
func (n *Nonces) Remove(nonce uint64) {
	n.mu.Lock()
	delete(n.set, nonce)
	n.mu.Unlock()
}

// Contains reports whether nonce is recorded.
func (n *Nonces) Contains(nonce uint64) bool {
	n.mu.Lock()
	_, ok := n.set[nonce]
	n.mu.Unlock()
	return ok
}

// Len returns how many nonces are recorded.
func (n *Nonces) Len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.set)
}
