package wirediff

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/actornode/actornode/protocol"
	"github.com/btcsuite/btcd/wire/v2"
)

// benchMessage is one message the benchmarks encode and decode.
type benchMessage struct {
	name string
	msg  protocol.Message
}

// benchMessages are the messages of issue 3's table: version, addr (1000),
// inv (50,000), headers (2000), a real segwit transaction and a real
// 1.2 MB mainnet block.
func benchMessages(t testing.TB) []benchMessage {
	frame, _ := readVector(t, "version-core-0.9.3.txt")
	version, err := protocol.Decode(protocol.CmdVersion, frame[protocol.HeaderSize:], pver)
	if err != nil {
		t.Fatal(err)
	}
	addr := &protocol.MsgAddr{AddrList: make([]protocol.NetAddress, protocol.MaxAddrPerMsg)}
	for i := range addr.AddrList {
		addr.AddrList[i] = protocol.NetAddress{Timestamp: 1700000000 + uint32(i),
			Services: protocol.SFNodeNetwork | protocol.SFNodeWitness,
			Addr:     netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Port: 8333}
	}
	g := newGen(3)
	inv := &protocol.MsgInv{InvList: make([]protocol.InvVect, protocol.MaxInvPerMsg)}
	for i := range inv.InvList {
		inv.InvList[i] = protocol.InvVect{Type: protocol.InvTypeWTx, Hash: g.hash()}
	}
	headers := &protocol.MsgHeaders{Headers: make([]protocol.BlockHeader, protocol.MaxHeadersPerMsg)}
	for i := range headers.Headers {
		headers.Headers[i] = g.header()
	}
	segwit, _ := readVector(t, "segwit-tx.txt")
	tx, err := protocol.Decode(protocol.CmdTx, segwit, pver)
	if err != nil {
		t.Fatal(err)
	}
	block, err := protocol.Decode(protocol.CmdBlock, readBlock(t, block1MB), pver)
	if err != nil {
		t.Fatal(err)
	}
	return []benchMessage{
		{name: "version", msg: version},
		{name: "addr1000", msg: addr},
		{name: "inv50000", msg: inv},
		{name: "headers2000", msg: headers},
		{name: "segwittx", msg: tx},
		{name: "block1MB", msg: block},
	}
}

// BenchmarkDecode decodes each message with protocol.Decode and with btcd's
// BtcDecode (from a reused reader), both into a fresh message.
func BenchmarkDecode(b *testing.B) {
	for _, bm := range benchMessages(b) {
		cmd := bm.msg.Command()
		payload := bm.msg.AppendPayload(nil, pver)
		b.Run("msg="+bm.name+"/impl=actornode", func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := protocol.Decode(cmd, payload, pver); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("msg="+bm.name+"/impl=btcd", func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				buf.Write(payload)
				if err := btcdMessage(cmd).BtcDecode(&buf, pver, wire.WitnessEncoding); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode encodes each message into a reused buffer: AppendPayload
// for ours, BtcEncode into a bytes.Buffer for btcd's (converted once,
// outside the loop).
func BenchmarkEncode(b *testing.B) {
	for _, bm := range benchMessages(b) {
		payload := bm.msg.AppendPayload(nil, pver)
		b.Run("msg="+bm.name+"/impl=actornode", func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			buf := make([]byte, 0, len(payload))
			for b.Loop() {
				buf = bm.msg.AppendPayload(buf[:0], pver)
			}
		})
		b.Run("msg="+bm.name+"/impl=btcd", func(b *testing.B) {
			theirs := toBtcd(bm.msg)
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			var buf bytes.Buffer
			buf.Grow(len(payload))
			for b.Loop() {
				buf.Reset()
				if err := theirs.BtcEncode(&buf, pver, wire.WitnessEncoding); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseHeader parses a frame header and names its command: no
// allocation (btcd has no header parser of its own to compare with).
func BenchmarkParseHeader(b *testing.B) {
	frame := protocol.AppendFrame(nil, 0xd9b4bef9, &protocol.MsgPing{Nonce: 1}, pver)
	b.ReportAllocs()
	for b.Loop() {
		h, err := protocol.ParseHeader(frame)
		if err != nil || h.CommandName() != protocol.CmdPing {
			b.Fatal(err)
		}
	}
}
