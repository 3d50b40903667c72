package wirediff

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// pver is the version both sides encode and decode for.
const pver = protocol.ProtocolVersion

// btcdMessage returns an empty btcd message for a command both implement,
// or nil.
func btcdMessage(cmd string) wire.Message {
	switch cmd {
	case protocol.CmdVersion:
		return new(wire.MsgVersion)
	case protocol.CmdVerack:
		return new(wire.MsgVerAck)
	case protocol.CmdPing:
		return new(wire.MsgPing)
	case protocol.CmdPong:
		return new(wire.MsgPong)
	case protocol.CmdGetAddr:
		return new(wire.MsgGetAddr)
	case protocol.CmdAddr:
		return new(wire.MsgAddr)
	case protocol.CmdAddrV2:
		return new(wire.MsgAddrV2)
	case protocol.CmdSendAddrV2:
		return new(wire.MsgSendAddrV2)
	case protocol.CmdWtxidRelay:
		return new(wire.MsgWTxIdRelay)
	case protocol.CmdSendHeaders:
		return new(wire.MsgSendHeaders)
	case protocol.CmdFeeFilter:
		return new(wire.MsgFeeFilter)
	case protocol.CmdInv:
		return new(wire.MsgInv)
	case protocol.CmdGetData:
		return new(wire.MsgGetData)
	case protocol.CmdNotFound:
		return new(wire.MsgNotFound)
	case protocol.CmdGetHeaders:
		return new(wire.MsgGetHeaders)
	case protocol.CmdGetBlocks:
		return new(wire.MsgGetBlocks)
	case protocol.CmdHeaders:
		return new(wire.MsgHeaders)
	case protocol.CmdTx:
		return new(wire.MsgTx)
	case protocol.CmdBlock:
		return new(wire.MsgBlock)
	case protocol.CmdMempool:
		return new(wire.MsgMemPool)
	case protocol.CmdReject:
		return new(wire.MsgReject)
	case protocol.CmdFilterLoad:
		return new(wire.MsgFilterLoad)
	case protocol.CmdFilterAdd:
		return new(wire.MsgFilterAdd)
	case protocol.CmdFilterClear:
		return new(wire.MsgFilterClear)
	case protocol.CmdMerkleBlock:
		return new(wire.MsgMerkleBlock)
	case protocol.CmdGetCFilters:
		return new(wire.MsgGetCFilters)
	case protocol.CmdCFilter:
		return new(wire.MsgCFilter)
	case protocol.CmdGetCFHeaders:
		return new(wire.MsgGetCFHeaders)
	case protocol.CmdCFHeaders:
		return new(wire.MsgCFHeaders)
	case protocol.CmdGetCFCheckpt:
		return new(wire.MsgGetCFCheckpt)
	case protocol.CmdCFCheckpt:
		return new(wire.MsgCFCheckpt)
	}
	return nil
}

// sharedCommands are the commands both packages implement.
var sharedCommands = []string{
	protocol.CmdVersion, protocol.CmdVerack, protocol.CmdPing, protocol.CmdPong, protocol.CmdGetAddr,
	protocol.CmdAddr, protocol.CmdAddrV2, protocol.CmdSendAddrV2, protocol.CmdWtxidRelay,
	protocol.CmdSendHeaders, protocol.CmdFeeFilter, protocol.CmdInv, protocol.CmdGetData,
	protocol.CmdNotFound, protocol.CmdGetHeaders, protocol.CmdGetBlocks, protocol.CmdHeaders,
	protocol.CmdTx, protocol.CmdBlock, protocol.CmdMempool, protocol.CmdReject, protocol.CmdFilterLoad,
	protocol.CmdFilterAdd, protocol.CmdFilterClear, protocol.CmdMerkleBlock, protocol.CmdGetCFilters,
	protocol.CmdCFilter, protocol.CmdGetCFHeaders, protocol.CmdCFHeaders, protocol.CmdGetCFCheckpt,
	protocol.CmdCFCheckpt,
}

// btcdDecode decodes payload with btcd, as its ReadMessage would (version
// wants a *bytes.Buffer).
func btcdDecode(cmd string, payload []byte) (wire.Message, error) {
	m := btcdMessage(cmd)
	return m, m.BtcDecode(bytes.NewBuffer(payload), pver, wire.WitnessEncoding)
}

// btcdEncode encodes m with btcd.
func btcdEncode(t testing.TB, m wire.Message) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.BtcEncode(&buf, pver, wire.WitnessEncoding); err != nil {
		t.Fatalf("btcd encode %s: %v", m.Command(), err)
	}
	return buf.Bytes()
}

// The conversions below map our values onto btcd's types field by field, so
// that btcd encoding the converted value and us encoding ours meeting in the
// same bytes shows that both mean the same thing by each field.

func toHash(h protocol.Hash) chainhash.Hash { return chainhash.Hash(h) }

func toHashes(hs []protocol.Hash) []*chainhash.Hash {
	out := make([]*chainhash.Hash, len(hs))
	for i := range hs {
		h := chainhash.Hash(hs[i])
		out[i] = &h
	}
	return out
}

func toHeader(h *protocol.BlockHeader) wire.BlockHeader {
	return wire.BlockHeader{Version: h.Version, PrevBlock: toHash(h.PrevBlock), MerkleRoot: toHash(h.MerkleRoot),
		Timestamp: time.Unix(int64(h.Timestamp), 0), Bits: h.Bits, Nonce: h.Nonce}
}

func toNetAddress(a *protocol.NetAddress) wire.NetAddress {
	ip := a.Addr.As16()
	if !a.Addr.IsValid() {
		ip = [16]byte{}
	}
	return wire.NetAddress{Timestamp: time.Unix(int64(a.Timestamp), 0), Services: wire.ServiceFlag(a.Services),
		IP: net.IP(ip[:]), Port: a.Port}
}

func toInvList(list []protocol.InvVect) []*wire.InvVect {
	out := make([]*wire.InvVect, len(list))
	for i := range list {
		out[i] = &wire.InvVect{Type: wire.InvType(list[i].Type), Hash: toHash(list[i].Hash)}
	}
	return out
}

func toTx(tx *protocol.MsgTx) *wire.MsgTx {
	out := &wire.MsgTx{Version: tx.Version, LockTime: tx.LockTime}
	for _, in := range tx.TxIn {
		out.TxIn = append(out.TxIn, &wire.TxIn{
			PreviousOutPoint: wire.OutPoint{Hash: toHash(in.PreviousOutPoint.Hash), Index: in.PreviousOutPoint.Index},
			SignatureScript:  in.SignatureScript, Witness: wire.TxWitness(in.Witness), Sequence: in.Sequence,
		})
	}
	for _, o := range tx.TxOut {
		out.TxOut = append(out.TxOut, &wire.TxOut{Value: o.Value, PkScript: o.PkScript})
	}
	return out
}

// toBtcd converts one of our messages to btcd's, or returns nil for a type
// without a conversion (addrv2: btcd keeps its addresses behind net.Addr,
// so it is compared by bytes only).
func toBtcd(m protocol.Message) wire.Message {
	switch m := m.(type) {
	case *protocol.MsgVersion:
		return &wire.MsgVersion{ProtocolVersion: m.ProtocolVersion, Services: wire.ServiceFlag(m.Services),
			Timestamp: time.Unix(m.Timestamp, 0), AddrYou: toNetAddress(&m.AddrRecv), AddrMe: toNetAddress(&m.AddrFrom),
			Nonce: m.Nonce, UserAgent: m.UserAgent, LastBlock: m.StartHeight, DisableRelayTx: !m.Relay}
	case *protocol.MsgVerack:
		return &wire.MsgVerAck{}
	case *protocol.MsgPing:
		return &wire.MsgPing{Nonce: m.Nonce}
	case *protocol.MsgPong:
		return &wire.MsgPong{Nonce: m.Nonce}
	case *protocol.MsgGetAddr:
		return &wire.MsgGetAddr{}
	case *protocol.MsgAddr:
		out := &wire.MsgAddr{}
		for i := range m.AddrList {
			a := toNetAddress(&m.AddrList[i])
			out.AddrList = append(out.AddrList, &a)
		}
		return out
	case *protocol.MsgSendAddrV2:
		return &wire.MsgSendAddrV2{}
	case *protocol.MsgWtxidRelay:
		return &wire.MsgWTxIdRelay{}
	case *protocol.MsgSendHeaders:
		return &wire.MsgSendHeaders{}
	case *protocol.MsgFeeFilter:
		return &wire.MsgFeeFilter{MinFee: m.MinFee}
	case *protocol.MsgInv:
		return &wire.MsgInv{InvList: toInvList(m.InvList)}
	case *protocol.MsgGetData:
		return &wire.MsgGetData{InvList: toInvList(m.InvList)}
	case *protocol.MsgNotFound:
		return &wire.MsgNotFound{InvList: toInvList(m.InvList)}
	case *protocol.MsgGetHeaders:
		return &wire.MsgGetHeaders{ProtocolVersion: m.ProtocolVersion,
			BlockLocatorHashes: toHashes(m.BlockLocatorHashes), HashStop: toHash(m.HashStop)}
	case *protocol.MsgGetBlocks:
		return &wire.MsgGetBlocks{ProtocolVersion: m.ProtocolVersion,
			BlockLocatorHashes: toHashes(m.BlockLocatorHashes), HashStop: toHash(m.HashStop)}
	case *protocol.MsgHeaders:
		out := &wire.MsgHeaders{}
		for i := range m.Headers {
			h := toHeader(&m.Headers[i])
			out.Headers = append(out.Headers, &h)
		}
		return out
	case *protocol.MsgTx:
		return toTx(m)
	case *protocol.MsgBlock:
		out := &wire.MsgBlock{Header: toHeader(&m.Header)}
		for i := range m.Transactions {
			out.Transactions = append(out.Transactions, toTx(&m.Transactions[i]))
		}
		return out
	case *protocol.MsgMempool:
		return &wire.MsgMemPool{}
	case *protocol.MsgReject:
		return &wire.MsgReject{Cmd: m.Cmd, Code: wire.RejectCode(m.Code), Reason: m.Reason, Hash: toHash(m.Hash)}
	case *protocol.MsgFilterLoad:
		return &wire.MsgFilterLoad{Filter: m.Filter, HashFuncs: m.HashFuncs, Tweak: m.Tweak,
			Flags: wire.BloomUpdateType(m.Flags)}
	case *protocol.MsgFilterAdd:
		return &wire.MsgFilterAdd{Data: m.Data}
	case *protocol.MsgFilterClear:
		return &wire.MsgFilterClear{}
	case *protocol.MsgMerkleBlock:
		return &wire.MsgMerkleBlock{Header: toHeader(&m.Header), Transactions: m.Transactions,
			Hashes: toHashes(m.Hashes), Flags: m.Flags}
	case *protocol.MsgGetCFilters:
		return &wire.MsgGetCFilters{FilterType: wire.FilterType(m.FilterType), StartHeight: m.StartHeight,
			StopHash: toHash(m.StopHash)}
	case *protocol.MsgCFilter:
		return &wire.MsgCFilter{FilterType: wire.FilterType(m.FilterType), BlockHash: toHash(m.BlockHash), Data: m.Filter}
	case *protocol.MsgGetCFHeaders:
		return &wire.MsgGetCFHeaders{FilterType: wire.FilterType(m.FilterType), StartHeight: m.StartHeight,
			StopHash: toHash(m.StopHash)}
	case *protocol.MsgCFHeaders:
		return &wire.MsgCFHeaders{FilterType: wire.FilterType(m.FilterType), StopHash: toHash(m.StopHash),
			PrevFilterHeader: toHash(m.PrevFilterHeader), FilterHashes: toHashes(m.FilterHashes)}
	case *protocol.MsgGetCFCheckpt:
		return &wire.MsgGetCFCheckpt{FilterType: wire.FilterType(m.FilterType), StopHash: toHash(m.StopHash)}
	case *protocol.MsgCFCheckpt:
		return &wire.MsgCFCheckpt{FilterType: wire.FilterType(m.FilterType), StopHash: toHash(m.StopHash),
			FilterHeaders: toHashes(m.FilterHeaders)}
	}
	return nil
}

// readVector reads a vector file of protocol/testdata: hex up to a "#" on
// each line, and "# key: value" lines as fields.
func readVector(t testing.TB, name string) ([]byte, map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	var digits strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if key, value, ok := strings.Cut(strings.TrimPrefix(line, "#"), ":"); strings.HasPrefix(line, "#") && ok &&
			!strings.ContainsAny(strings.TrimSpace(key), " ") {
			fields[strings.TrimSpace(key)] = strings.TrimSpace(value)
			continue
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b, fields
}

// btcdTestdata returns the path of a file in btcd wire's testdata (real
// mainnet blocks), from the module cache.
func btcdTestdata(t testing.TB, name string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/btcsuite/btcd/wire/v2").Output()
	if err != nil {
		t.Fatalf("locate btcd wire module: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "testdata", name)
}

// Real mainnet blocks shipped in btcd wire's testdata, named by hash.
const (
	block1MB = "block-0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2.blk"
	block2MB = "block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk"
)

func readBlock(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(btcdTestdata(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
