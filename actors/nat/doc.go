// Package nat is the nat actor: it makes the node reachable from behind a
// home router by mapping its listening TCP port on the gateway, and keeps
// the node's own addresses that come from outside the socket layer
// (-externalip, -discover) in connmgr's list, as Bitcoin Core's port
// mapping thread and its local-address bookkeeping do.
//
// # What it owns
//
// One port mapping and its life (the sans-IO machine in nat/machine): PCP
// (RFC 6887) first, then NAT-PMP (RFC 6886), as Core tries them, and UPnP
// IGD when Config.UPnP is set. The gateway is Config.Gateway, else the
// default route's. The mapping is renewed when half its lifetime has
// passed; a gateway restart (the NAT-PMP or PCP epoch) is noticed; a round
// of failures is retried after 1 minute, doubling to 15; at shutdown the
// mapping is deleted within Config.UnmapTimeout.
//
// Every gateway call runs on a goroutine the actor starts, which recovers a
// panic and reports back by message: the node never waits on a gateway to
// start, serve peers or stop (the stop waits at most UnmapTimeout).
//
// # What it takes and emits
//
//   - At start it asks connmgr (*connmgr.GetListeners) for the listening
//     port, then maps it. Each mapped external address and port is sent to
//     connmgr as *connmgr.SetLocalAddr (Source the protocol) and withdrawn
//     with *connmgr.RemoveLocalAddr when the mapping ends or changes;
//     -externalip addresses are sent with Source connmgr.LocalManual and
//     routable interface addresses (-discover) with connmgr.LocalInterface.
//   - *Stop deletes the mapping and stops the actor (the node's ordered
//     shutdown sends it); *GetStatus is answered with *Status (the debug
//     endpoint's /debug/nat); *inspect.Describe with kind "nat".
//
// Each failure is logged once at Warn with what it means and what the node
// does next; the same failure again is logged at Debug.
package nat
