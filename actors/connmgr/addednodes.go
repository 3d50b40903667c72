package connmgr

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/asynkron/protoactor-go/actor"
)

// GetAddedNodes asks for the nodes kept connected (-connect, -addnode and
// AddNode "add"; not onetry or -seednode), for Core's getaddednodeinfo;
// answered with *AddedNodes to ReplyTo.
type GetAddedNodes struct {
	ReplyTo *actor.PID
}

// AddedNodes answers GetAddedNodes, sorted by name.
type AddedNodes struct {
	List []AddedNode
}

// AddedNode is one node kept connected.
type AddedNode struct {
	// Name is the node as the operator gave it.
	Name string
	// Connected is true while a peer serves it.
	Connected bool
	// Addr is the address connected to (valid only when Connected).
	Addr netip.AddrPort
}

func (c *connMgr) addedNodes() *AddedNodes {
	out := &AddedNodes{List: make([]AddedNode, 0, len(c.manual))}
	for _, m := range c.manual {
		if m.oneTry || m.addrFetch {
			continue
		}
		n := AddedNode{Name: m.name, Connected: m.state == manualConnected}
		if n.Connected {
			n.Addr = m.addr
		}
		out.List = append(out.List, n)
	}
	slices.SortFunc(out.List, func(a, b AddedNode) int { return cmp.Compare(a.Name, b.Name) })
	return out
}
