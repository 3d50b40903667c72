package protocol

// MsgGetData is the getdata message: requests the listed objects.
type MsgGetData struct {
	InvList []InvVect
}

// Command returns "getdata".
func (m *MsgGetData) Command() string { return CmdGetData }

// AppendPayload appends the list. It does not enforce MaxInvPerMsg.
func (m *MsgGetData) AppendPayload(dst []byte, _ uint32) []byte {
	return appendInvList(dst, m.InvList)
}

// DecodePayload decodes the list; more than MaxInvPerMsg entries wraps
// ErrTooMany.
func (m *MsgGetData) DecodePayload(b []byte, _ uint32) (err error) {
	m.InvList, err = decodeInvList(CmdGetData, b)
	return err
}
