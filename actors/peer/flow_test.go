package peer

import (
	"testing"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/dispatcher"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer/machine"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

func invOf(b byte) *protocol.MsgInv {
	return &protocol.MsgInv{InvList: []protocol.InvVect{{Type: protocol.InvTypeBlock, Hash: protocol.Hash{b}}}}
}

// A peer forwards at most machine.MaxInFlight messages its handlers have not
// finished; past that it processes nothing more of what it received and
// leaves the batch unacknowledged (so io stops reading at its limit), and
// goes on as handlers report done.
func TestInFlightBoundHoldsTheBatch(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()

	var msgs []protocol.Message
	for i := range machine.MaxInFlight + 2 {
		msgs = append(msgs, invOf(byte(i)))
	}
	msgs = append(msgs, &protocol.MsgPing{Nonce: 77})
	rcv := h.post(msgs...)
	var got []*dispatcher.Deliver
	for range machine.MaxInFlight {
		got = append(got, expect[*dispatcher.Deliver](t, h.disp))
	}
	h.info() // the batch is in hand, and held
	expectEmpty(t, h.disp)
	expectEmpty(t, h.io)

	got[0].Done(h.system.Root)
	d := expect[*dispatcher.Deliver](t, h.disp)
	if inv := d.Msg.(*protocol.MsgInv); inv.InvList[0].Hash != (protocol.Hash{machine.MaxInFlight}) {
		t.Fatalf("forwarded %v next", inv.InvList[0].Hash)
	}
	got = append(got[1:], d)
	h.info()
	expectEmpty(t, h.io)
	for _, d := range got {
		d.Done(h.system.Root)
	}
	expect[*dispatcher.Deliver](t, h.disp) // the last inv
	if m := h.expectSend(rcv); len(m) != 1 || m[0].(*protocol.MsgPong).Nonce != 77 {
		t.Fatalf("batch answered with %v", commands(m))
	}
}

// Work a handler leaves for later (Continue) goes back to it alone, only
// while sending is not paused, and before anything else the peer received.
func TestContinuationWaitsForSendResumed(t *testing.T) {
	h := newHarness(t, NewNonces())
	defer h.stop()
	h.handshakeOutbound()

	first := h.post(&protocol.MsgGetData{InvList: []protocol.InvVect{{Type: protocol.InvTypeBlock}, {Type: protocol.InvTypeBlock}}})
	d := expect[*dispatcher.Deliver](t, h.disp)
	if d.Cost != forwardCost(len(d.Msg.AppendPayload(nil, protocol.ProtocolVersion))) {
		t.Fatalf("cost %d", d.Cost)
	}
	h.expectSend(first)
	h.system.Root.Send(h.peer, &transport.SendPaused{Conn: conn})
	handler := newProbe(h.system, h.wait)
	defer h.system.Root.Stop(handler.pid)
	rest := &protocol.MsgGetData{InvList: []protocol.InvVect{{Type: protocol.InvTypeBlock}}}
	d.Continue(h.system.Root, handler.pid, rest)
	second := h.post(&protocol.MsgPing{Nonce: 5})
	h.info()
	expectEmpty(t, handler)
	expectEmpty(t, h.io)

	h.system.Root.Send(h.peer, &transport.SendResumed{Conn: conn})
	c := expect[*dispatcher.Deliver](t, handler)
	if c.Msg != rest || c.Cost != d.Cost || !c.From.PID.Equal(h.peer) {
		t.Fatalf("continuation %+v", c)
	}
	h.info()
	expectEmpty(t, h.io) // the ping waits for the continuation
	expectEmpty(t, h.disp)
	c.Done(h.system.Root)
	if m := h.expectSend(second); len(m) != 1 || m[0].(*protocol.MsgPong).Nonce != 5 {
		t.Fatalf("answered %v", commands(m))
	}
}

// withRoutes puts a real dispatcher, keeping routes, between the peer and
// the dispatcher probe, which handles inv only.
func withRoutes(h *harness, _ *Config) { h.routes = true }

func (h *harness) routeThroughDispatcher(c *Config) {
	routes := dispatcher.NewRoutes()
	d := h.system.Root.Spawn(dispatcher.Props(dispatcher.WithRoutes(routes)))
	h.system.Root.Send(d, &dispatcher.Register{Command: protocol.CmdInv, Handler: h.disp.pid})
	actortest.Eventually(h.t, h.wait, "inv routed", func() bool { return routes.Handles(protocol.CmdInv) })
	c.Dispatcher, c.Routes = d, routes
}

// A message nobody handles is never decoded: an undecodable tx costs no
// decode error, and only the inv reaches its handler.
func TestUnhandledNeverDecoded(t *testing.T) {
	h := newHarness(t, NewNonces(), withRoutes)
	defer h.stop()
	h.handshakeOutbound()

	var wire []byte
	wire = protocol.AppendRawFrame(wire, h.params.Magic, protocol.CmdTx, []byte{1, 2, 3})
	wire = protocol.AppendFrame(wire, h.params.Magic, invOf(9), protocol.ProtocolVersion)
	rcv := h.postWire(wire)
	h.expectSend(rcv)
	d := expect[*dispatcher.Deliver](t, h.disp)
	if d.Msg.Command() != protocol.CmdInv {
		t.Fatalf("delivered %s", d.Msg.Command())
	}
	d.Done(h.system.Root)
	if info := h.info(); info.BytesRecvPerMsg[protocol.CmdTx] != protocol.HeaderSize+3 {
		t.Fatalf("per message %v", info.BytesRecvPerMsg)
	}
	if r := describe(t, h); r["decode_errors"] != nil {
		t.Fatalf("decoded the tx: %v", r)
	}
}

// describe asks the peer for its inspection summary.
func describe(t *testing.T, h *harness) map[string]any {
	t.Helper()
	p := newProbe(h.system, h.wait)
	defer h.system.Root.Stop(p.pid)
	h.system.Root.Send(h.peer, &inspect.Describe{ReplyTo: p.pid})
	return expect[*inspect.Description](t, p).Summary
}
