package rpc

import (
	"fmt"
	"net/http"
)

// Error codes, as Bitcoin Core's src/rpc/protocol.h defines them.
const (
	// Standard JSON-RPC 2.0 errors.
	CodeInvalidRequest = -32600 // RPC_INVALID_REQUEST
	CodeMethodNotFound = -32601 // RPC_METHOD_NOT_FOUND
	CodeInvalidParams  = -32602 // RPC_INVALID_PARAMS
	CodeInternalError  = -32603 // RPC_INTERNAL_ERROR
	CodeParseError     = -32700 // RPC_PARSE_ERROR

	// General application errors.
	CodeMiscError        = -1 // RPC_MISC_ERROR: std::exception thrown in command handling
	CodeTypeError        = -3 // RPC_TYPE_ERROR: unexpected type was passed as parameter
	CodeInvalidParameter = -8 // RPC_INVALID_PARAMETER: invalid, missing or duplicate parameter
	CodeInWarmup         = -28

	// P2P client errors.
	CodeClientNotConnected        = -9  // RPC_CLIENT_NOT_CONNECTED
	CodeClientNodeAlreadyAdded    = -23 // RPC_CLIENT_NODE_ALREADY_ADDED
	CodeClientNodeNotAdded        = -24 // RPC_CLIENT_NODE_NOT_ADDED
	CodeClientNodeNotConnected    = -29 // RPC_CLIENT_NODE_NOT_CONNECTED
	CodeClientInvalidIPOrSubnet   = -30 // RPC_CLIENT_INVALID_IP_OR_SUBNET
	CodeClientP2PDisabled         = -31 // RPC_CLIENT_P2P_DISABLED
	CodeClientNodeCapacityReached = -34 // RPC_CLIENT_NODE_CAPACITY_REACHED
)

// Error is a JSON-RPC error object: Core's code and message.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

func errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// httpStatus is the HTTP status Core gives a JSON-RPC 1.0 error reply:
// 400 for an invalid request, 404 for an unknown method, else 500.
func httpStatus(code int) int {
	switch code {
	case CodeInvalidRequest:
		return http.StatusBadRequest
	case CodeMethodNotFound:
		return http.StatusNotFound
	default:
		return http.StatusInternalServerError
	}
}
