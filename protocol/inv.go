package protocol

import (
	"encoding/binary"
	"strconv"
)

// InvType is the type of an inventory vector (Core's GetDataMsg).
type InvType uint32

// Inventory types. The witness variants (BIP144) set InvWitnessFlag on the
// base type and appear only in getdata.
const (
	InvTypeError         InvType = 0
	InvTypeTx            InvType = 1
	InvTypeBlock         InvType = 2
	InvTypeFilteredBlock InvType = 3 // BIP37 merkleblock
	InvTypeCmpctBlock    InvType = 4 // BIP152
	InvTypeWTx           InvType = 5 // BIP339: the hash is a wtxid

	// InvWitnessFlag (MSG_WITNESS_FLAG) asks for the witness serialization.
	InvWitnessFlag InvType = 1 << 30

	InvTypeWitnessTx            = InvTypeTx | InvWitnessFlag
	InvTypeWitnessBlock         = InvTypeBlock | InvWitnessFlag
	InvTypeFilteredWitnessBlock = InvTypeFilteredBlock | InvWitnessFlag
)

// String returns the type's name after Core's CInv::GetMessageType ("tx",
// "witness-block"), or its hex value when unknown.
func (t InvType) String() string {
	prefix := ""
	if t&InvWitnessFlag != 0 {
		prefix = "witness-"
	}
	switch t &^ InvWitnessFlag {
	case InvTypeTx:
		return prefix + CmdTx
	case InvTypeWTx:
		return prefix + "wtx"
	case InvTypeBlock:
		return prefix + CmdBlock
	case InvTypeFilteredBlock:
		return prefix + CmdMerkleBlock
	case InvTypeCmpctBlock:
		return prefix + CmdCmpctBlock
	}
	return "0x" + strconv.FormatUint(uint64(t), 16)
}

// InvVect is one inventory entry: a type and a hash.
type InvVect struct {
	Type InvType
	Hash Hash
}

// InvVectSize is the wire size of an InvVect.
const InvVectSize = 4 + HashSize

// appendInvList appends a count and the entries.
func appendInvList(dst []byte, list []InvVect) []byte {
	dst = AppendCompactSize(dst, uint64(len(list)))
	for i := range list {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(list[i].Type))
		dst = append(dst, list[i].Hash[:]...)
	}
	return dst
}

// decodeInvList decodes the payload shared by inv, getdata and notfound: at
// most MaxInvPerMsg entries (Core's MAX_INV_SZ).
func decodeInvList(cmd string, b []byte) ([]InvVect, error) {
	r := newReader(cmd, b)
	n := r.count("count", MaxInvPerMsg, InvVectSize)
	if r.err != nil || n == 0 {
		return nil, r.finish()
	}
	list := make([]InvVect, n)
	// count guaranteed n full entries: read them at fixed offsets.
	p := r.b
	for i := range list {
		list[i].Type = InvType(binary.LittleEndian.Uint32(p))
		list[i].Hash = Hash(p[4:InvVectSize])
		p = p[InvVectSize:]
	}
	return list, nil
}

// MsgInv is the inv message: announces transactions or blocks.
type MsgInv struct {
	InvList []InvVect
}

// Command returns "inv".
func (m *MsgInv) Command() string { return CmdInv }

// AppendPayload appends the list. It does not enforce MaxInvPerMsg.
func (m *MsgInv) AppendPayload(dst []byte, _ uint32) []byte { return appendInvList(dst, m.InvList) }

// DecodePayload decodes the list; more than MaxInvPerMsg entries wraps
// ErrTooMany.
func (m *MsgInv) DecodePayload(b []byte, _ uint32) (err error) {
	m.InvList, err = decodeInvList(CmdInv, b)
	return err
}
