package protocol

import (
	"errors"
	"net/netip"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// codecCase is one message with its exact payload.
type codecCase struct {
	name string
	pver uint32 // 0 means ProtocolVersion
	msg  Message
	hex  string
	// okCuts lists prefix lengths that decode successfully (optional
	// trailing fields); every other shorter prefix must fail.
	okCuts []int
	// raw marks a message kept undecoded: every prefix decodes.
	raw bool
}

func (c codecCase) version() uint32 {
	if c.pver == 0 {
		return ProtocolVersion
	}
	return c.pver
}

// Well-known test values.
var (
	testTorV3 = "79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f"
	testI2P   = "a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0"
	hash11    = strings.Repeat("11", 32)
	hash22    = strings.Repeat("22", 32)
)

func addr32(t testing.TB, s string) (a [32]byte) {
	copy(a[:], unhex(t, s))
	return a
}

// coreVersionHex is a version message as a Core 27.0 node on regtest sends
// it to 127.0.0.1:18444: its own services in addr_from with an empty address.
const coreVersionHex = "80110100" + // protocol version 70016
	"090c000000000000" + // services NETWORK|WITNESS|NETWORK_LIMITED|P2P_V2
	"00f1536500000000" + // timestamp 1700000000
	"0904000000000000" + // addr_recv services NETWORK|WITNESS|NETWORK_LIMITED
	"00000000000000000000ffff7f000001" + // addr_recv ::ffff:127.0.0.1
	"480c" + // addr_recv port 18444, big-endian
	"090c000000000000" + // addr_from services (ours again)
	"00000000000000000000000000000000" + // addr_from :: (Core's CService{})
	"0000" + // addr_from port 0
	"efcdab8967452301" + // nonce 0x0123456789abcdef
	"10" + "2f5361746f7368693a32372e302e302f" + // user agent "/Satoshi:27.0.0/"
	"50f80c00" + // start height 850000
	"01" // relay

func coreVersion() *MsgVersion {
	return &MsgVersion{
		ProtocolVersion: 70016,
		Services:        SFNodeNetwork | SFNodeWitness | SFNodeNetworkLimited | SFNodeP2PV2,
		Timestamp:       1700000000,
		AddrRecv: NetAddress{Services: SFNodeNetwork | SFNodeWitness | SFNodeNetworkLimited,
			Addr: netip.MustParseAddr("127.0.0.1"), Port: 18444},
		AddrFrom:    NetAddress{Services: SFNodeNetwork | SFNodeWitness | SFNodeNetworkLimited | SFNodeP2PV2},
		Nonce:       0x0123456789abcdef,
		UserAgent:   "/Satoshi:27.0.0/",
		StartHeight: 850000,
		Relay:       true,
	}
}

func codecCases(t testing.TB) []codecCase {
	genesis := hashOf(t, mainnetGenesis)
	return []codecCase{
		{name: "version from core", msg: coreVersion(), hex: coreVersionHex,
			okCuts: []int{46, 80, 97, 101}},
		{name: "version no relay", msg: &MsgVersion{ProtocolVersion: 70001, Nonce: 5, UserAgent: "/x/",
			StartHeight: 1, Relay: true}, hex: "71110100" + "0000000000000000" + "0000000000000000" +
			strings.Repeat("00", 26) + strings.Repeat("00", 26) + "0500000000000000" + "03" + "2f782f" +
			"01000000" + "01", okCuts: []int{46, 80, 84, 88}},
		{name: "version empty user agent", msg: &MsgVersion{ProtocolVersion: 70016, Relay: false},
			hex: "80110100" + strings.Repeat("00", 16) + strings.Repeat("00", 52) + strings.Repeat("00", 8) +
				"00" + "00000000" + "00", okCuts: []int{46, 80, 81, 85}},
		{name: "verack", msg: &MsgVerack{}, hex: ""},
		{name: "ping", msg: &MsgPing{Nonce: 0x0102030405060708}, hex: "0807060504030201"},
		{name: "ping before BIP31", pver: BIP0031Version, msg: &MsgPing{}, hex: ""},
		{name: "pong", msg: &MsgPong{Nonce: 0x0102030405060708}, hex: "0807060504030201"},
		{name: "getaddr", msg: &MsgGetAddr{}, hex: ""},
		{name: "addr", msg: &MsgAddr{AddrList: []NetAddress{
			{Timestamp: 1700000000, Services: SFNodeNetwork | SFNodeWitness | SFNodeNetworkLimited,
				Addr: netip.MustParseAddr("203.0.113.5"), Port: 8333},
			{Addr: netip.MustParseAddr("2001:db8::1"), Port: 8333},
		}}, hex: "02" +
			"00f15365" + "0904000000000000" + "00000000000000000000ffffcb007105" + "208d" +
			"00000000" + "0000000000000000" + "20010db8000000000000000000000001" + "208d"},
		{name: "addr empty", msg: &MsgAddr{}, hex: "00"},
		{name: "addrv2", msg: &MsgAddrV2{AddrList: []NetAddressV2{
			{Timestamp: 1700000000, Services: SFNodeNetwork | SFNodeWitness | SFNodeNetworkLimited,
				Network: NetIPv4, Addr: addr32(t, "cb007105"), Port: 8333},
			{Network: NetTorV3, Addr: addr32(t, testTorV3), Port: 8333},
			{Services: SFNodeNetwork, Network: NetI2P, Addr: addr32(t, testI2P)},
			{Network: NetCJDNS, Addr: addr32(t, "fc000000000000000000000000000001"), Port: 8333},
			{Services: SFNodeNetwork | SFNodeWitness, Network: NetIPv6,
				Addr: addr32(t, "20010db8000000000000000000000001"), Port: 8333},
		}}, hex: "05" +
			"00f15365" + "fd0904" + "01" + "04" + "cb007105" + "208d" +
			"00000000" + "00" + "04" + "20" + testTorV3 + "208d" +
			"00000000" + "01" + "05" + "20" + testI2P + "0000" +
			"00000000" + "00" + "06" + "10" + "fc000000000000000000000000000001" + "208d" +
			"00000000" + "09" + "02" + "10" + "20010db8000000000000000000000001" + "208d"},
		{name: "sendaddrv2", msg: &MsgSendAddrV2{}, hex: ""},
		{name: "wtxidrelay", msg: &MsgWtxidRelay{}, hex: ""},
		{name: "sendheaders", msg: &MsgSendHeaders{}, hex: ""},
		{name: "feefilter", msg: &MsgFeeFilter{MinFee: 1000}, hex: "e803000000000000"},
		{name: "sendcmpct low bandwidth", msg: &MsgSendCmpct{Version: 2}, hex: "00" + "0200000000000000"},
		{name: "sendcmpct high bandwidth", msg: &MsgSendCmpct{Announce: true, Version: 2}, hex: "01" + "0200000000000000"},
		{name: "inv", msg: &MsgInv{InvList: []InvVect{
			{Type: InvTypeWTx, Hash: Hash(unhex(t, hash11))},
			{Type: InvTypeBlock, Hash: genesis},
		}}, hex: "02" + "05000000" + hash11 + "02000000" + mainnetGenesisWire},
		{name: "getdata witness block", msg: &MsgGetData{InvList: []InvVect{
			{Type: InvTypeWitnessBlock, Hash: genesis},
		}}, hex: "01" + "02000040" + mainnetGenesisWire},
		{name: "notfound", msg: &MsgNotFound{InvList: []InvVect{
			{Type: InvTypeTx, Hash: Hash(unhex(t, hash22))},
		}}, hex: "01" + "01000000" + hash22},
		{name: "getheaders", msg: &MsgGetHeaders{ProtocolVersion: 70016,
			BlockLocatorHashes: []Hash{Hash(unhex(t, hash11)), genesis}},
			hex: "80110100" + "02" + hash11 + mainnetGenesisWire + strings.Repeat("00", 32)},
		{name: "getheaders with stop", msg: &MsgGetHeaders{ProtocolVersion: 70016, HashStop: genesis},
			hex: "80110100" + "00" + mainnetGenesisWire},
		{name: "headers genesis", msg: &MsgHeaders{Headers: []BlockHeader{mainnetGenesisHeader(t)}},
			hex: "01" + mainnetGenesisHeaderHex + "00"},
		{name: "headers empty", msg: &MsgHeaders{}, hex: "00"},
		{name: "getblocks", msg: &MsgGetBlocks{ProtocolVersion: 70016, BlockLocatorHashes: []Hash{genesis},
			HashStop: Hash(unhex(t, hash11))}, hex: "80110100" + "01" + mainnetGenesisWire + hash11},
		{name: "getblocks empty locator", msg: &MsgGetBlocks{ProtocolVersion: 70016},
			hex: "80110100" + "00" + strings.Repeat("00", 32)},
		{name: "tx", msg: testTx(t), hex: testTxHex},
		{name: "tx with witness", msg: testWitnessTx(t), hex: testWitnessTxHex},
		{name: "tx empty", msg: &MsgTx{Version: 1}, hex: "01000000" + "00" + "00" + "00000000"},
		{name: "block", msg: &MsgBlock{Header: mainnetGenesisHeader(t), Transactions: []MsgTx{*testTx(t), *testWitnessTx(t)}},
			hex: mainnetGenesisHeaderHex + "02" + testTxHex + testWitnessTxHex},
		{name: "block no transactions", msg: &MsgBlock{Header: mainnetGenesisHeader(t)}, hex: mainnetGenesisHeaderHex + "00"},
		{name: "mempool", msg: &MsgMempool{}, hex: ""},
		{name: "filterclear", msg: &MsgFilterClear{}, hex: ""},
		{name: "filterload", msg: &MsgFilterLoad{Filter: []byte{0xb5, 0x0f}, HashFuncs: 11, Flags: BloomUpdateAll},
			hex: "02" + "b50f" + "0b000000" + "00000000" + "01"},
		{name: "filteradd", msg: &MsgFilterAdd{Data: unhex(t, hash11)}, hex: "20" + hash11},
		{name: "merkleblock", msg: &MsgMerkleBlock{Header: mainnetGenesisHeader(t), Transactions: 1,
			Hashes: []Hash{hashOf(t, genesisMerkle)}, Flags: []byte{0x01}},
			hex: mainnetGenesisHeaderHex + "01000000" + "01" + genesisMerkleWire + "01" + "01"},
		{name: "alert", msg: &MsgAlert{Payload: []byte{1, 2}, Signature: []byte{3}}, hex: "02" + "0102" + "01" + "03"},
		{name: "reject tx", msg: &MsgReject{Cmd: CmdTx, Code: RejectInvalid, Reason: "bad-txns",
			Hash: Hash(unhex(t, hash22))}, hex: "02" + "7478" + "10" + "08" + "6261642d74786e73" + hash22},
		{name: "reject version", msg: &MsgReject{Cmd: CmdVersion, Code: RejectObsolete, Reason: "old"},
			hex: "07" + "76657273696f6e" + "11" + "03" + "6f6c64"},
		{name: "getcfilters", msg: &MsgGetCFilters{StartHeight: 1000, StopHash: genesis},
			hex: "00" + "e8030000" + mainnetGenesisWire},
		{name: "getcfheaders", msg: &MsgGetCFHeaders{StartHeight: 1, StopHash: genesis},
			hex: "00" + "01000000" + mainnetGenesisWire},
		{name: "getcfcheckpt", msg: &MsgGetCFCheckpt{StopHash: genesis}, hex: "00" + mainnetGenesisWire},
		{name: "cfilter", msg: &MsgCFilter{BlockHash: genesis, Filter: []byte{0x01, 0x9d, 0xfc, 0xa8}},
			hex: "00" + mainnetGenesisWire + "04" + "019dfca8"},
		{name: "cfheaders", msg: &MsgCFHeaders{StopHash: genesis, PrevFilterHeader: Hash(unhex(t, hash11)),
			FilterHashes: []Hash{Hash(unhex(t, hash22)), Hash(unhex(t, hash11))}},
			hex: "00" + mainnetGenesisWire + hash11 + "02" + hash22 + hash11},
		{name: "cfcheckpt", msg: &MsgCFCheckpt{StopHash: genesis, FilterHeaders: []Hash{Hash(unhex(t, hash22))}},
			hex: "00" + mainnetGenesisWire + "01" + hash22},
		{name: "cmpctblock", msg: &MsgCmpctBlock{Header: mainnetGenesisHeader(t), Nonce: 0x0102030405060708,
			ShortIDs:     []uint64{0xa1a2a3a4a5a6, 0x010203040506},
			PrefilledTxs: []PrefilledTx{{Index: 0, Tx: *testTx(t)}, {Index: 3, Tx: *testWitnessTx(t)}}},
			hex: mainnetGenesisHeaderHex + "0807060504030201" + "02" + "a6a5a4a3a2a1" + "060504030201" +
				"02" + "00" + testTxHex + "02" + testWitnessTxHex},
		{name: "getblocktxn", msg: &MsgGetBlockTxn{BlockHash: genesis, Indexes: []uint16{1, 2, 10, 65535}},
			hex: mainnetGenesisWire + "04" + "01" + "00" + "07" + "fdf4ff"},
		{name: "blocktxn", msg: &MsgBlockTxn{BlockHash: genesis, Transactions: []MsgTx{*testWitnessTx(t)}},
			hex: mainnetGenesisWire + "01" + testWitnessTxHex},
		{name: "raw unknown with payload", msg: &MsgRaw{Cmd: "futurecmd", Payload: []byte{0xde, 0xad, 0xbe, 0xef}},
			hex: "deadbeef", raw: true},
		{name: "raw unknown", msg: &MsgRaw{Cmd: "futurecmd"}, hex: "", raw: true},
	}
}

func TestMessageCodec(t *testing.T) {
	for _, tc := range codecCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			cmd, pver, want := tc.msg.Command(), tc.version(), unhex(t, tc.hex)

			if got := tc.msg.AppendPayload(nil, pver); string(got) != string(want) {
				t.Fatalf("encode:\n got %x\nwant %x", got, want)
			}
			got, err := Decode(cmd, want, pver)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.msg) {
				t.Fatalf("decode:\n got %+v\nwant %+v", got, tc.msg)
			}

			// Through a frame and back.
			frame := AppendFrame(nil, 0xdab5bffa, tc.msg, pver)
			h, err := ParseHeader(frame)
			if err != nil || h.CommandName() != cmd || int(h.Length) != len(want) ||
				h.VerifyChecksum(frame[HeaderSize:]) != nil {
				t.Fatalf("frame header %+v, %v", h, err)
			}
			if string(frame[HeaderSize:]) != string(want) {
				t.Fatalf("frame payload %x", frame[HeaderSize:])
			}

			if tc.raw {
				return
			}
			// Trailing bytes are ignored, as in Core.
			if got, err := Decode(cmd, append(slices.Clip(want), 0xff, 0x00, 0x01), pver); err != nil ||
				!reflect.DeepEqual(got, tc.msg) {
				t.Fatalf("with trailing bytes: %+v, %v", got, err)
			}
			// Every shorter prefix fails cleanly, unless it ends at an
			// optional field.
			for cut := range len(want) {
				_, err := Decode(cmd, want[:cut:cut], pver)
				if slices.Contains(tc.okCuts, cut) {
					if err != nil {
						t.Fatalf("cut at %d (optional fields): %v", cut, err)
					}
					continue
				}
				var de *DecodeError
				if !errors.As(err, &de) || de.Command != cmd || !errors.Is(err, ErrShortInput) {
					t.Fatalf("cut at %d of %d: err = %v, want a DecodeError for %s wrapping ErrShortInput",
						cut, len(want), err, cmd)
				}
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  string
		hex  string
		want error
		text string
	}{
		{name: "pong short", cmd: CmdPong, hex: "010203", want: ErrShortInput,
			text: "decode pong: nonce: short input"},
		{name: "version addr_recv cut", cmd: CmdVersion, hex: coreVersionHex[:44*2], want: ErrShortInput,
			text: "decode version: addr_recv: port: short input"},
		{name: "version addr_from cut", cmd: CmdVersion, hex: coreVersionHex[:50*2], want: ErrShortInput,
			text: "decode version: addr_from: services: short input"},
		{name: "version user agent too long", cmd: CmdVersion,
			hex: coreVersionHex[:80*2] + "fd0101" + strings.Repeat("61", 257), want: ErrTooLarge,
			text: "decode version: user_agent: too large: 257 > 256"},
		{name: "version user agent max", cmd: CmdVersion,
			hex: coreVersionHex[:80*2] + "fd0001" + strings.Repeat("61", 256), want: nil},
		{name: "addr too many", cmd: CmdAddr, hex: "fde903", want: ErrTooMany,
			text: "decode addr: count: too many entries: 1001 > 1000"},
		{name: "addr count beyond input", cmd: CmdAddr, hex: "02" + strings.Repeat("00", 59), want: ErrShortInput,
			text: "decode addr: count: short input"},
		{name: "addrv2 too many", cmd: CmdAddrV2, hex: "fde903", want: ErrTooMany},
		{name: "addrv2 non-canonical count", cmd: CmdAddrV2, hex: "fd0100", want: ErrNonCanonical,
			text: "decode addrv2: count: non-canonical compact size"},
		{name: "addrv2 ipv4 of 5 bytes", cmd: CmdAddrV2, hex: "01" + "00000000" + "00" + "01" + "05" + "0102030405" + "208d",
			want: ErrBadAddress, text: "decode addrv2: entry 0: addr_size: bad address: ipv4 address of 5 bytes, want 4"},
		{name: "addrv2 torv3 of 16 bytes", cmd: CmdAddrV2, hex: "01" + "00000000" + "00" + "04" + "10" +
			strings.Repeat("ab", 16) + "208d", want: ErrBadAddress},
		{name: "addrv2 address over 512", cmd: CmdAddrV2, hex: "01" + "00000000" + "00" + "07" + "fd0102" +
			strings.Repeat("00", 515), want: ErrTooLarge,
			text: "decode addrv2: entry 0: addr_size: too large: 513 > 512"},
		{name: "addrv2 second entry cut", cmd: CmdAddrV2, hex: "02" + "00000000" + "00" + "01" + "04" + "01020304" + "208d" +
			"00000000" + "00" + "01" + "04" + "0102", want: ErrShortInput,
			text: "decode addrv2: entry 1: addr: short input"},
		{name: "inv too many", cmd: CmdInv, hex: "fd51c3", want: ErrTooMany,
			text: "decode inv: count: too many entries: 50001 > 50000"},
		{name: "getdata count over MAX_SIZE", cmd: CmdGetData, hex: "ffffffffffffffffff", want: ErrTooLarge},
		{name: "notfound count beyond input", cmd: CmdNotFound, hex: "fd50c3" + strings.Repeat("00", 10),
			want: ErrShortInput},
		{name: "getheaders too many", cmd: CmdGetHeaders, hex: "80110100" + "66", want: ErrTooMany,
			text: "decode getheaders: locator_count: too many entries: 102 > 101"},
		{name: "getheaders no stop", cmd: CmdGetHeaders, hex: "80110100" + "00", want: ErrShortInput,
			text: "decode getheaders: hash_stop: short input"},
		{name: "headers too many", cmd: CmdHeaders, hex: "fdd107", want: ErrTooMany},
		// Core reads the tx count after each header with ReadCompactSize
		// and ignores its value: any canonical value up to MAX_SIZE passes.
		{name: "headers tx count not zero", cmd: CmdHeaders, hex: "01" + mainnetGenesisHeaderHex + "01", want: nil},
		{name: "headers tx count large", cmd: CmdHeaders, hex: "02" + mainnetGenesisHeaderHex + "fdfd00" +
			mainnetGenesisHeaderHex + "fe00000002", want: nil},
		{name: "headers tx count non-canonical", cmd: CmdHeaders, hex: "02" + mainnetGenesisHeaderHex + "fd0000" +
			mainnetGenesisHeaderHex + "00", want: ErrNonCanonical,
			text: "decode headers: header 0: tx_count: non-canonical compact size"},
		{name: "headers tx count over MAX_SIZE", cmd: CmdHeaders, hex: "01" + mainnetGenesisHeaderHex + "fe01000002",
			want: ErrTooLarge},
		{name: "headers tx count cut", cmd: CmdHeaders, hex: "01" + mainnetGenesisHeaderHex + "fd01",
			want: ErrShortInput},
		{name: "getblocks too many", cmd: CmdGetBlocks, hex: "80110100" + "66", want: ErrTooMany,
			text: "decode getblocks: locator_count: too many entries: 102 > 101"},
		{name: "tx superfluous witness", cmd: CmdTx, hex: "02000000" + "0001" + "01" + hash11 + "00000000" + "00" +
			"ffffffff" + "00" + "00" + "00000000", want: ErrSuperfluousWitness,
			text: "decode tx: witness: superfluous witness record"},
		{name: "tx superfluous witness no inputs", cmd: CmdTx, hex: "02000000" + "0001" + "00" + "00" + "00000000",
			want: ErrSuperfluousWitness},
		{name: "tx unknown flag", cmd: CmdTx, hex: "02000000" + "0002" + "01" + hash11 + "00000000" + "00" +
			"ffffffff" + "00" + "00000000", want: ErrUnknownTxFlag, text: "decode tx: flag: unknown transaction optional data"},
		{name: "tx unknown flag with witness", cmd: CmdTx, hex: "02000000" + "0003" + "01" + hash11 + "00000000" + "00" +
			"ffffffff" + "00" + "0101aa" + "00000000", want: ErrUnknownTxFlag},
		{name: "tx script beyond input", cmd: CmdTx, hex: "02000000" + "01" + hash11 + "00000000" + "fd0001" +
			strings.Repeat("00", 40), want: ErrShortInput, text: "decode tx: input 0: script: short input"},
		{name: "tx script over MAX_SIZE", cmd: CmdTx, hex: "02000000" + "01" + hash11 + "00000000" + "fe01000002",
			want: ErrTooLarge},
		{name: "tx witness item cut", cmd: CmdTx, hex: "02000000" + "0001" + "01" + hash11 + "00000000" + "00" +
			"ffffffff" + "00" + "01" + "05" + "aabb", want: ErrShortInput,
			text: "decode tx: witness 0: item: short input"},
		{name: "block second tx cut", cmd: CmdBlock, hex: mainnetGenesisHeaderHex + "02" + testTxHex + testTxHex[:60],
			want: ErrShortInput, text: "decode block: tx 1: txin_count: short input"},
		{name: "block tx count beyond input", cmd: CmdBlock, hex: mainnetGenesisHeaderHex + "fd0010" + testTxHex,
			want: ErrShortInput, text: "decode block: tx_count: short input"},
		{name: "filterload too large", cmd: CmdFilterLoad, hex: "fda18c" + strings.Repeat("00", 36001+9),
			want: ErrTooLarge, text: "decode filterload: filter: too large: 36001 > 36000"},
		{name: "filterload max", cmd: CmdFilterLoad, hex: "fda08c" + strings.Repeat("00", 36000) + "32000000" +
			"00000000" + "00", want: nil},
		{name: "filterload too many hash funcs", cmd: CmdFilterLoad, hex: "01" + "00" + "33000000" + "00000000" + "00",
			want: ErrTooLarge, text: "decode filterload: hash_funcs: too large: 51 > 50"},
		{name: "filteradd too large", cmd: CmdFilterAdd, hex: "fd0902" + strings.Repeat("00", 521), want: ErrTooLarge,
			text: "decode filteradd: data: too large: 521 > 520"},
		{name: "filteradd max", cmd: CmdFilterAdd, hex: "fd0802" + strings.Repeat("00", 520), want: nil},
		{name: "cfheaders too many", cmd: CmdCFHeaders, hex: "00" + strings.Repeat("00", 64) + "fdd107",
			want: ErrTooMany, text: "decode cfheaders: filter_hashes_count: too many entries: 2001 > 2000"},
		{name: "reject command too long", cmd: CmdReject, hex: "0d" + strings.Repeat("61", 13) + "01" + "00",
			want: ErrTooLarge},
		{name: "reject reason too long", cmd: CmdReject, hex: "02" + "7478" + "10" + "70" + strings.Repeat("61", 112) +
			hash11, want: ErrTooLarge, text: "decode reject: reason: too large: 112 > 111"},
		{name: "reject block without hash", cmd: CmdReject, hex: "05" + "626c6f636b" + "10" + "00", want: ErrShortInput,
			text: "decode reject: hash: short input"},
		{name: "getblocktxn overflow", cmd: CmdGetBlockTxn, hex: hash11 + "02" + "fdfeff" + "01", want: ErrIndexOverflow,
			text: "decode getblocktxn: index 1: difference: index overflows 16 bits"},
		{name: "getblocktxn first index over 65535", cmd: CmdGetBlockTxn, hex: hash11 + "01" + "fe00000100",
			want: ErrIndexOverflow},
		{name: "cmpctblock prefilled overflow", cmd: CmdCmpctBlock, hex: mainnetGenesisHeaderHex + "0000000000000000" +
			"00" + "02" + "fdffff" + testTxHex + "00" + testTxHex, want: ErrIndexOverflow,
			text: "decode cmpctblock: prefilledtxn 1: index: index overflows 16 bits"},
		{name: "cmpctblock prefilled index 65535", cmd: CmdCmpctBlock, hex: mainnetGenesisHeaderHex + "0000000000000000" +
			"00" + "01" + "fdffff" + testTxHex, want: nil},
		{name: "cmpctblock prefilled tx bad", cmd: CmdCmpctBlock, hex: mainnetGenesisHeaderHex + "0000000000000000" +
			"00" + "01" + "00" + "02000000" + "0002" + "00" + "00" + "00000000" + strings.Repeat("00", 8), want: ErrUnknownTxFlag,
			text: "decode cmpctblock: prefilledtxn 0: flag: unknown transaction optional data"},
		{name: "cmpctblock too many transactions", cmd: CmdCmpctBlock, hex: mainnetGenesisHeaderHex + "0000000000000000" +
			"fe00000100" + strings.Repeat("00", 6*65536), want: ErrIndexOverflow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := Decode(tc.cmd, unhex(t, tc.hex), ProtocolVersion)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if msg != nil || !errors.Is(err, tc.want) {
				t.Fatalf("Decode = %v, %v; want error %v", msg, err, tc.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.Command != tc.cmd || de.Field == "" {
				t.Fatalf("error %v is not a DecodeError naming %s and a field", err, tc.cmd)
			}
			if tc.text != "" && err.Error() != tc.text {
				t.Fatalf("error text\n got %q\nwant %q", err.Error(), tc.text)
			}
		})
	}
}

// A huge count behind a short payload fails without allocating for it.
func TestDecodeHugeCountAllocatesNothing(t *testing.T) {
	for _, tc := range []struct{ cmd, hex string }{
		{cmd: CmdInv, hex: "fd50c3" + strings.Repeat("00", 10)},
		{cmd: CmdAddr, hex: "fde803" + strings.Repeat("00", 10)},
		{cmd: CmdAddrV2, hex: "fde803" + strings.Repeat("00", 10)},
		{cmd: CmdHeaders, hex: "fdd007" + strings.Repeat("00", 10)},
		{cmd: CmdGetHeaders, hex: "80110100" + "65" + strings.Repeat("00", 10)},
		{cmd: CmdVersion, hex: coreVersionHex[:80*2] + "fd0001" + "61"},
		{cmd: CmdTx, hex: "02000000" + "fe00000002" + strings.Repeat("00", 10)},
		{cmd: CmdTx, hex: "02000000" + "01" + hash11 + "00000000" + "fe00000002" + "00"},
		{cmd: CmdBlock, hex: mainnetGenesisHeaderHex + "fe00000002" + strings.Repeat("00", 10)},
		{cmd: CmdBlockTxn, hex: hash11 + "fe00000002" + strings.Repeat("00", 10)},
		{cmd: CmdCmpctBlock, hex: mainnetGenesisHeaderHex + "0000000000000000" + "fdffff" + strings.Repeat("00", 10)},
		{cmd: CmdGetBlockTxn, hex: hash11 + "fe00000100" + strings.Repeat("00", 10)},
		{cmd: CmdMerkleBlock, hex: mainnetGenesisHeaderHex + "00000000" + "fe00000002" + strings.Repeat("00", 10)},
		{cmd: CmdCFCheckpt, hex: "00" + hash11 + "fe00000002" + strings.Repeat("00", 10)},
		{cmd: CmdCFilter, hex: "00" + hash11 + "fe00000002" + strings.Repeat("00", 10)},
		{cmd: CmdAlert, hex: "fe00000002" + strings.Repeat("00", 10)},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			payload := unhex(t, tc.hex)
			const runs = 20
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range runs {
				if _, err := Decode(tc.cmd, payload, ProtocolVersion); !errors.Is(err, ErrShortInput) {
					t.Fatalf("err = %v, want ErrShortInput", err)
				}
			}
			runtime.ReadMemStats(&after)
			// The message struct, the DecodeError and its text: a few
			// hundred bytes, not a slice sized by the count.
			if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 1024 {
				t.Fatalf("%d bytes allocated per failing decode", perRun)
			}
		})
	}
}

func TestAddrV2IgnoredEntries(t *testing.T) {
	ipv4 := "00000000" + "00" + "01" + "04" + "01020304" + "208d"
	for _, tc := range []struct {
		name  string
		entry string
	}{
		{name: "torv2", entry: "00000000" + "00" + "03" + "0a" + strings.Repeat("ab", 10) + "208d"},
		{name: "torv2 any length", entry: "00000000" + "00" + "03" + "03" + "abcdef" + "208d"},
		{name: "unknown network", entry: "00000000" + "00" + "07" + "05" + "0102030405" + "208d"},
		{name: "unknown empty", entry: "00000000" + "00" + "ff" + "00" + "208d"},
		{name: "ipv4 in ipv6", entry: "00000000" + "00" + "02" + "10" + "00000000000000000000ffff01020304" + "208d"},
		{name: "torv2 in ipv6", entry: "00000000" + "00" + "02" + "10" + "fd87d87eeb43" + strings.Repeat("00", 10) + "208d"},
		{name: "internal in ipv6", entry: "00000000" + "00" + "02" + "10" + "fd6b88c08724" + strings.Repeat("00", 10) + "208d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := Decode(CmdAddrV2, unhex(t, "03"+ipv4+tc.entry+ipv4), ProtocolVersion)
			if err != nil {
				t.Fatal(err)
			}
			list := msg.(*MsgAddrV2).AddrList
			if len(list) != 2 {
				t.Fatalf("kept %d entries, want the 2 IPv4 ones: %+v", len(list), list)
			}
			for _, a := range list {
				if a.Network != NetIPv4 || a.String() != "1.2.3.4:8333" {
					t.Fatalf("kept %+v", a)
				}
			}
		})
	}
	// Only ignored entries: an empty list.
	msg, err := Decode(CmdAddrV2, unhex(t, "01"+"00000000"+"00"+"03"+"00"+"0000"), ProtocolVersion)
	if err != nil || msg.(*MsgAddrV2).AddrList != nil {
		t.Fatalf("got %+v, %v", msg, err)
	}
}

func TestAddrV2ServicesUnbounded(t *testing.T) {
	// Core reads addrv2 services as a CompactSize without its MAX_SIZE bound.
	hex := "01" + "00000000" + "ff0000000000000080" + "01" + "04" + "01020304" + "208d"
	msg, err := Decode(CmdAddrV2, unhex(t, hex), ProtocolVersion)
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.(*MsgAddrV2).AddrList[0].Services; got != 1<<63 {
		t.Fatalf("services = %#x", uint64(got))
	}
}

func TestNetAddressV2Strings(t *testing.T) {
	for _, tc := range []struct {
		name string
		addr NetAddressV2
		want string
	}{
		// Core's net_tests: this key's .onion name.
		{name: "torv3", addr: NetAddressV2{Network: NetTorV3, Addr: addr32(t, testTorV3), Port: 8333},
			want: "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion:8333"},
		{name: "i2p", addr: NetAddressV2{Network: NetI2P, Addr: addr32(t, strings.Repeat("00", 32))},
			want: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b32.i2p:0"},
		{name: "ipv4", addr: NetAddressV2From(NetAddress{Addr: netip.MustParseAddr("10.0.0.1"), Port: 1}),
			want: "10.0.0.1:1"},
		{name: "ipv6", addr: NetAddressV2From(NetAddress{Addr: netip.MustParseAddr("2001:db8::1"), Port: 2}),
			want: "[2001:db8::1]:2"},
		{name: "cjdns", addr: NetAddressV2{Network: NetCJDNS, Addr: addr32(t, "fc000000000000000000000000000001"), Port: 3},
			want: "[fc00::1]:3"},
		{name: "unknown", addr: NetAddressV2{Network: 9, Port: 4}, want: "unknown(9)::4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.addr.String(); got != tc.want {
				t.Fatalf("String() = %q, want %q", got, tc.want)
			}
		})
	}
	if _, ok := (NetAddressV2{Network: NetTorV3}).AddrPort(); ok {
		t.Fatal("a Tor address has no AddrPort")
	}
}

func TestInvTypeString(t *testing.T) {
	for typ, want := range map[InvType]string{
		InvTypeTx: "tx", InvTypeBlock: "block", InvTypeWTx: "wtx", InvTypeFilteredBlock: "merkleblock",
		InvTypeCmpctBlock: "cmpctblock", InvTypeWitnessTx: "witness-tx", InvTypeWitnessBlock: "witness-block",
		InvTypeFilteredWitnessBlock: "witness-merkleblock", InvTypeError: "0x0", 0x40000009: "0x40000009",
	} {
		if got := typ.String(); got != want {
			t.Errorf("InvType(%#x).String() = %q, want %q", uint32(typ), got, want)
		}
	}
}

func TestPingVersionLayouts(t *testing.T) {
	// At or below BIP0031Version ping is empty, even if bytes follow.
	msg, err := Decode(CmdPing, unhex(t, "0807060504030201"), BIP0031Version)
	if err != nil || msg.(*MsgPing).Nonce != 0 {
		t.Fatalf("old ping: %+v, %v", msg, err)
	}
	if got := (&MsgPing{Nonce: 1}).AppendPayload(nil, BIP0031Version); len(got) != 0 {
		t.Fatalf("old ping payload %x", got)
	}
}

func TestDecodeRawCopies(t *testing.T) {
	payload := []byte{1, 2, 3}
	msg, err := Decode("futurecmd", payload, ProtocolVersion)
	if err != nil {
		t.Fatal(err)
	}
	payload[0] = 9
	if raw := msg.(*MsgRaw); raw.Cmd != "futurecmd" || raw.Payload[0] != 1 {
		t.Fatalf("MsgRaw %+v aliases the input", raw)
	}
}

// allCommands are every command constant of the package.
var allCommands = []string{CmdVersion, CmdVerack, CmdPing, CmdPong, CmdGetAddr, CmdAddr, CmdAddrV2,
	CmdSendAddrV2, CmdWtxidRelay, CmdSendHeaders, CmdFeeFilter, CmdSendCmpct, CmdInv, CmdGetData,
	CmdNotFound, CmdGetHeaders, CmdHeaders, CmdTx, CmdBlock, CmdGetBlocks, CmdMempool, CmdReject,
	CmdMerkleBlock, CmdFilterLoad, CmdFilterAdd, CmdFilterClear, CmdCmpctBlock, CmdGetBlockTxn,
	CmdBlockTxn, CmdGetCFilters, CmdCFilter, CmdGetCFHeaders, CmdCFHeaders, CmdGetCFCheckpt,
	CmdCFCheckpt, CmdAlert}

// Every command has a typed message, a codec case and a fuzz family, and
// its name comes out of a header without allocating.
func TestEveryCommandTyped(t *testing.T) {
	cases := codecCases(t)
	for _, cmd := range allCommands {
		msg := newMessage(cmd)
		if msg == nil || msg.Command() != cmd {
			t.Errorf("%s: newMessage gives %T", cmd, msg)
			continue
		}
		if !slices.ContainsFunc(cases, func(c codecCase) bool { return c.msg.Command() == cmd }) {
			t.Errorf("%s: no codec case", cmd)
		}
		var raw [CommandSize]byte
		copy(raw[:], cmd)
		var name string
		if allocs := testing.AllocsPerRun(10, func() { name = CommandName(raw) }); allocs != 0 || name != cmd {
			t.Errorf("CommandName(%q) = %q with %v allocs", cmd, name, allocs)
		}
	}
}
