package protocol

// MsgNotFound is the notfound message: the listed objects requested with
// getdata are not available.
type MsgNotFound struct {
	InvList []InvVect
}

// Command returns "notfound".
func (m *MsgNotFound) Command() string { return CmdNotFound }

// AppendPayload appends the list. It does not enforce MaxInvPerMsg.
func (m *MsgNotFound) AppendPayload(dst []byte, _ uint32) []byte {
	return appendInvList(dst, m.InvList)
}

// DecodePayload decodes the list; more than MaxInvPerMsg entries wraps
// ErrTooMany.
func (m *MsgNotFound) DecodePayload(b []byte, _ uint32) (err error) {
	m.InvList, err = decodeInvList(CmdNotFound, b)
	return err
}
