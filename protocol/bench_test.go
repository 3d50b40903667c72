package protocol

import (
	"net/netip"
	"testing"
)

func BenchmarkParseHeader(b *testing.B) {
	frame := AppendFrame(nil, 0xd9b4bef9, &MsgPing{Nonce: 1}, ProtocolVersion)
	b.ReportAllocs()
	for b.Loop() {
		h, err := ParseHeader(frame)
		if err != nil || h.CommandName() != CmdPing {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendFramePing(b *testing.B) {
	buf := make([]byte, 0, 64)
	ping := &MsgPing{Nonce: 1}
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFrame(buf[:0], 0xd9b4bef9, ping, ProtocolVersion)
	}
}

func benchDecode(b *testing.B, msg Message) {
	payload := msg.AppendPayload(nil, ProtocolVersion)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(msg.Command(), payload, ProtocolVersion); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeVersion(b *testing.B) { benchDecode(b, coreVersion()) }

func BenchmarkDecodeAddr1000(b *testing.B) {
	m := &MsgAddr{AddrList: make([]NetAddress, MaxAddrPerMsg)}
	for i := range m.AddrList {
		m.AddrList[i] = NetAddress{Timestamp: uint32(i), Services: SFNodeNetwork | SFNodeWitness,
			Addr: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Port: 8333}
	}
	benchDecode(b, m)
}

func BenchmarkDecodeInv50000(b *testing.B) {
	m := &MsgInv{InvList: make([]InvVect, MaxInvPerMsg)}
	for i := range m.InvList {
		m.InvList[i] = InvVect{Type: InvTypeWTx, Hash: Hash{byte(i), byte(i >> 8)}}
	}
	benchDecode(b, m)
}

func BenchmarkDecodeHeaders2000(b *testing.B) {
	m := &MsgHeaders{Headers: make([]BlockHeader, MaxHeadersPerMsg)}
	for i := range m.Headers {
		m.Headers[i] = BlockHeader{Version: 0x20000000, PrevBlock: Hash{byte(i)}, Timestamp: uint32(i), Nonce: uint32(i)}
	}
	benchDecode(b, m)
}

func BenchmarkDecodeSegwitTx(b *testing.B) {
	raw, _ := readVector(b, "segwit-tx.txt")
	var tx MsgTx
	if err := tx.DecodePayload(raw, ProtocolVersion); err != nil {
		b.Fatal(err)
	}
	benchDecode(b, &tx)
}

func BenchmarkDecodeBlock(b *testing.B) {
	m := &MsgBlock{Header: mainnetGenesisHeader(b)}
	for range 2000 {
		m.Transactions = append(m.Transactions, *testWitnessTx(b), *testTx(b))
	}
	benchDecode(b, m)
}
