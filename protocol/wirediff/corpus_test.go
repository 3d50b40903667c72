package wirediff

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/actornode/actornode/protocol"
)

// gen builds messages with random but reproducible contents, in the
// canonical form our decoder produces (nil for empty slices, IPv4 unmapped),
// so a decoded message compares equal to the one encoded.
type gen struct{ r *rand.Rand }

func newGen(seed uint64) gen { return gen{r: rand.New(rand.NewPCG(seed, seed^0x5eed))} }

func (g gen) hash() (h protocol.Hash) {
	for i := range h {
		h[i] = byte(g.r.Uint32())
	}
	return h
}

func (g gen) hashes(n int) []protocol.Hash {
	if n == 0 {
		return nil
	}
	out := make([]protocol.Hash, n)
	for i := range out {
		out[i] = g.hash()
	}
	return out
}

// bytes returns n random bytes, nil for zero.
func (g gen) bytes(n int) []byte {
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

// size returns a length that often sits on a CompactSize boundary.
func (g gen) size(max int) int {
	edges := []int{0, 1, 0xfc, 0xfd, 0xfe}
	if g.r.IntN(3) == 0 {
		if e := edges[g.r.IntN(len(edges))]; e <= max {
			return e
		}
	}
	return g.r.IntN(max + 1)
}

func (g gen) header() protocol.BlockHeader {
	return protocol.BlockHeader{Version: int32(g.r.Uint32()), PrevBlock: g.hash(), MerkleRoot: g.hash(),
		Timestamp: g.r.Uint32(), Bits: g.r.Uint32(), Nonce: g.r.Uint32()}
}

func (g gen) netAddress(withTime bool) protocol.NetAddress {
	a := protocol.NetAddress{Services: protocol.ServiceFlag(g.r.Uint64()), Port: uint16(g.r.Uint32())}
	if withTime {
		a.Timestamp = g.r.Uint32()
	}
	switch g.r.IntN(3) {
	case 0:
		a.Addr = netip.AddrFrom4([4]byte(g.bytes(4)))
	case 1:
		ip := [16]byte(g.bytes(16))
		ip[0] = 0x20 // global unicast, never IPv4-mapped
		a.Addr = netip.AddrFrom16(ip)
	}
	return a
}

// btcdNetworks are the BIP155 networks btcd keeps; it drops I2P and CJDNS
// entries, which Core keeps.
var btcdNetworks = []protocol.NetworkID{protocol.NetIPv4, protocol.NetIPv6, protocol.NetTorV3}

func (g gen) addrV2(nets []protocol.NetworkID) protocol.NetAddressV2 {
	a := protocol.NetAddressV2{Timestamp: g.r.Uint32(), Services: protocol.ServiceFlag(g.r.Uint64() >> g.r.IntN(64)),
		Port: uint16(g.r.Uint32())}
	a.Network = nets[g.r.IntN(len(nets))]
	copy(a.Addr[:], g.bytes(a.Network.AddrSize()))
	switch a.Network {
	case protocol.NetIPv6:
		a.Addr[0] = 0x20
	case protocol.NetCJDNS:
		a.Addr[0] = 0xfc
	case protocol.NetI2P:
		a.Port = 0
	}
	return a
}

func (g gen) tx(witness bool) protocol.MsgTx {
	tx := protocol.MsgTx{Version: int32(g.r.Uint32()), LockTime: g.r.Uint32()}
	nIn := 1 + g.r.IntN(4)
	tx.TxIn = make([]protocol.TxIn, nIn)
	for i := range tx.TxIn {
		in := &tx.TxIn[i]
		in.PreviousOutPoint = protocol.OutPoint{Hash: g.hash(), Index: g.r.Uint32()}
		in.SignatureScript = g.bytes(g.size(300))
		in.Sequence = g.r.Uint32()
		if witness && (i == 0 || g.r.IntN(2) == 0) {
			in.Witness = make([][]byte, 1+g.r.IntN(4))
			for j := range in.Witness {
				in.Witness[j] = g.bytes(g.size(300))
			}
		}
	}
	if n := g.r.IntN(4); n > 0 {
		tx.TxOut = make([]protocol.TxOut, n)
		for i := range tx.TxOut {
			tx.TxOut[i] = protocol.TxOut{Value: int64(g.r.Uint64()), PkScript: g.bytes(g.size(300))}
		}
	}
	return tx
}

func (g gen) invList(n int) []protocol.InvVect {
	if n == 0 {
		return nil
	}
	types := []protocol.InvType{protocol.InvTypeTx, protocol.InvTypeBlock, protocol.InvTypeFilteredBlock,
		protocol.InvTypeCmpctBlock, protocol.InvTypeWTx, protocol.InvTypeWitnessTx, protocol.InvTypeWitnessBlock,
		protocol.InvTypeFilteredWitnessBlock, protocol.InvTypeError}
	out := make([]protocol.InvVect, n)
	for i := range out {
		out[i] = protocol.InvVect{Type: types[g.r.IntN(len(types))], Hash: g.hash()}
	}
	return out
}

// corpus returns several random instances of every message both packages
// implement.
func corpus(t testing.TB) []protocol.Message {
	g := newGen(1)
	var out []protocol.Message
	for round := range 8 {
		ua := string(g.bytes(g.size(protocol.MaxUserAgentLength)))
		out = append(out,
			&protocol.MsgVersion{ProtocolVersion: int32(g.r.Uint32()), Services: protocol.ServiceFlag(g.r.Uint64()),
				Timestamp: int64(g.r.Uint64() >> 1), AddrRecv: g.netAddress(false), AddrFrom: g.netAddress(false),
				Nonce: g.r.Uint64(), UserAgent: ua, StartHeight: int32(g.r.Uint32()), Relay: round%2 == 0},
			&protocol.MsgVerack{}, &protocol.MsgGetAddr{}, &protocol.MsgSendAddrV2{}, &protocol.MsgWtxidRelay{},
			&protocol.MsgSendHeaders{}, &protocol.MsgMempool{}, &protocol.MsgFilterClear{},
			&protocol.MsgPing{Nonce: g.r.Uint64()}, &protocol.MsgPong{Nonce: g.r.Uint64()},
			&protocol.MsgFeeFilter{MinFee: int64(g.r.Uint64())},
			&protocol.MsgInv{InvList: g.invList(g.size(300))},
			&protocol.MsgGetData{InvList: g.invList(g.size(300))},
			&protocol.MsgNotFound{InvList: g.invList(g.size(20))},
			&protocol.MsgGetHeaders{ProtocolVersion: g.r.Uint32(), BlockLocatorHashes: g.hashes(g.r.IntN(protocol.MaxLocatorHashes + 1)),
				HashStop: g.hash()},
			&protocol.MsgGetBlocks{ProtocolVersion: g.r.Uint32(), BlockLocatorHashes: g.hashes(g.r.IntN(protocol.MaxLocatorHashes + 1))},
			&protocol.MsgReject{Cmd: protocol.CmdTx, Code: protocol.RejectCode(g.r.Uint32()), Reason: string(g.bytes(g.r.IntN(112))),
				Hash: g.hash()},
			&protocol.MsgReject{Cmd: protocol.CmdBlock, Code: protocol.RejectInvalid, Reason: "bad-blk", Hash: g.hash()},
			&protocol.MsgReject{Cmd: protocol.CmdVersion, Code: protocol.RejectObsolete, Reason: string(g.bytes(g.r.IntN(112)))},
			&protocol.MsgFilterLoad{Filter: g.bytes(g.size(protocol.MaxFilterLoadFilterSize)),
				HashFuncs: uint32(g.r.IntN(protocol.MaxFilterLoadHashFuncs + 1)), Tweak: g.r.Uint32(),
				Flags: protocol.BloomUpdateType(g.r.IntN(3))},
			&protocol.MsgFilterAdd{Data: g.bytes(g.size(protocol.MaxFilterAddDataSize))},
			&protocol.MsgMerkleBlock{Header: g.header(), Transactions: g.r.Uint32(), Hashes: g.hashes(g.size(300)),
				Flags: g.bytes(g.size(300))},
			&protocol.MsgGetCFilters{FilterType: protocol.FilterTypeBasic, StartHeight: g.r.Uint32(), StopHash: g.hash()},
			&protocol.MsgGetCFHeaders{FilterType: protocol.FilterType(g.r.Uint32()), StartHeight: g.r.Uint32(), StopHash: g.hash()},
			&protocol.MsgGetCFCheckpt{FilterType: protocol.FilterTypeBasic, StopHash: g.hash()},
			&protocol.MsgCFilter{FilterType: protocol.FilterTypeBasic, BlockHash: g.hash(), Filter: g.bytes(g.size(5000))},
			&protocol.MsgCFHeaders{FilterType: protocol.FilterTypeBasic, StopHash: g.hash(), PrevFilterHeader: g.hash(),
				FilterHashes: g.hashes(g.size(protocol.MaxCFHeadersPerMsg))},
			&protocol.MsgCFCheckpt{FilterType: protocol.FilterTypeBasic, StopHash: g.hash(), FilterHeaders: g.hashes(g.size(1000))},
		)
		addr := &protocol.MsgAddr{}
		for range g.size(protocol.MaxAddrPerMsg) {
			addr.AddrList = append(addr.AddrList, g.netAddress(true))
		}
		addrV2 := &protocol.MsgAddrV2{}
		for range g.size(protocol.MaxAddrPerMsg) {
			addrV2.AddrList = append(addrV2.AddrList, g.addrV2(btcdNetworks))
		}
		headers := &protocol.MsgHeaders{}
		for range g.size(protocol.MaxHeadersPerMsg) {
			headers.Headers = append(headers.Headers, g.header())
		}
		block := &protocol.MsgBlock{Header: g.header()}
		for i := range 1 + g.r.IntN(20) {
			block.Transactions = append(block.Transactions, g.tx(i%2 == 1))
		}
		tx, wtx := g.tx(false), g.tx(true)
		out = append(out, addr, addrV2, headers, block, &tx, &wtx)
	}
	return out
}
