package node_test

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/protocol"
)

// frame is a hand-built frame for the framing tests.
func frame(magic uint32, cmd string, payload []byte) []byte {
	return protocol.AppendRawFrame(nil, magic, cmd, payload)
}

// pingPong checks that r still gets a pong for a ping.
func pingPong(t *testing.T, r *actortest.Remote, nonce uint64) {
	t.Helper()
	r.Send(&protocol.MsgPing{Nonce: nonce})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if pong, ok := r.Expect(t, protocol.CmdPong, time.Until(deadline)).(*protocol.MsgPong); ok && pong.Nonce == nonce {
			return
		}
	}
	t.Fatalf("no pong with nonce %d", nonce)
}

// TestFramingFaultsCostOnlyThatPeer: a wrong magic and an oversized length
// each close only their own connection; a bad checksum drops that frame and
// the connection keeps answering pings, as Core does.
func TestFramingFaultsCostOnlyThatPeer(t *testing.T) {
	n := nodetest.Start(t, nodetest.Regtest(t, "127.0.0.1:0"))
	addr := nodetest.ListenAddr(t, n).String()
	magic := n.Params().Magic

	dial := func() *actortest.Remote {
		r := actortest.DialTCP(t, addr, magic)
		r.Handshake(t, nil)
		return r
	}
	bystander := dial()
	badMagic := dial()
	oversized := dial()
	badSum := dial()

	badMagic.SendRaw(frame(magic^0xffffffff, protocol.CmdPing, make([]byte, 8)))
	if err := badMagic.ExpectClosed(t, 5*time.Second); err == nil {
		t.Error("wrong magic: connection not closed")
	}

	big := frame(magic, protocol.CmdPing, make([]byte, 8))
	binary.LittleEndian.PutUint32(big[16:20], protocol.MaxPayloadSize+1)
	oversized.SendRaw(big[:24])
	if err := oversized.ExpectClosed(t, 5*time.Second); err == nil {
		t.Error("oversized length: connection not closed")
	}

	bad := frame(magic, protocol.CmdPing, binary.LittleEndian.AppendUint64(nil, 7))
	bad[20] ^= 0xff // checksum
	badSum.SendRaw(bad)
	pingPong(t, badSum, 8)
	for _, m := range badSum.Received() {
		if p, ok := m.(*protocol.MsgPong); ok && p.Nonce == 7 {
			t.Error("the frame with a bad checksum was answered")
		}
	}

	pingPong(t, bystander, 9)
	nodetest.Eventually(t, 5*time.Second, "two peers left", func() bool { return nodetest.HandshakenCount(t, n) == 2 })
}

// TestDebugPeersShape reads /debug/peers over HTTP and checks the fields of
// Core's getpeerinfo that the issue names.
func TestDebugPeersShape(t *testing.T) {
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.DebugAddr = "127.0.0.1:0"
	n := nodetest.Start(t, cfg)
	r := actortest.DialTCP(t, nodetest.ListenAddr(t, n).String(), n.Params().Magic)
	r.SetAutoPong(true)
	r.Handshake(t, nil)
	pingPong(t, r, 1)

	var got []map[string]any
	nodetest.Eventually(t, 10*time.Second, "a peer with a ping time", func() bool {
		resp, err := http.Get(n.DebugURL() + "peers")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		got = nil
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		return len(got) == 1 && got[0]["pingtime"] != nil
	})
	p := got[0]
	for _, key := range []string{"id", "addr", "inbound", "version", "subver", "services", "conntime",
		"lastsend", "lastrecv", "bytessent", "bytesrecv", "pingtime", "connection_type"} {
		if _, ok := p[key]; !ok {
			t.Errorf("getpeerinfo entry has no %q: %v", key, p)
		}
	}
	if p["inbound"] != true || p["subver"] != actortest.RemoteUserAgent {
		t.Errorf("inbound %v subver %v", p["inbound"], p["subver"])
	}
	if s, _ := p["services"].(string); len(s) != 16 || strings.Trim(s, "0123456789abcdef") != "" {
		t.Errorf("services %q is not 16 hex digits", p["services"])
	}
	if s, _ := p["addr"].(string); s != r.LocalAddr().String() {
		t.Errorf("addr %v, want %v", p["addr"], r.LocalAddr())
	}
}
