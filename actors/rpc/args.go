package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// kind is the JSON type a parameter takes.
type kind uint8

const (
	kindString kind = iota
	kindNumber
	kindBool
)

func (k kind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	default:
		return "bool"
	}
}

// param is one parameter of a method, in Core's order.
type param struct {
	name     string
	kind     kind
	optional bool
}

// args are a call's parameters, positional, checked against the method's
// params: args[i] is nil when the parameter was not given (or null).
type args []json.RawMessage

// bind maps raw parameters (a JSON array, an object of named parameters,
// or nothing) onto m's params and checks their types, with Core's errors:
// too many or too few is the method's help as RPC_MISC_ERROR, an unknown
// name RPC_INVALID_PARAMETER, a wrong type RPC_TYPE_ERROR.
func bind(m *method, raw json.RawMessage) (args, *Error) {
	out := make(args, len(m.params))
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
	case raw[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, errorf(CodeInvalidRequest, "Params must be an array or object")
		}
		if len(list) > len(m.params) {
			return nil, errorf(CodeMiscError, "%s", m.help)
		}
		copy(out, list)
	case raw[0] == '{':
		var named map[string]json.RawMessage
		if err := json.Unmarshal(raw, &named); err != nil {
			return nil, errorf(CodeInvalidRequest, "Params must be an array or object")
		}
		for name, v := range named {
			i := m.paramIndex(name)
			if i < 0 {
				return nil, errorf(CodeInvalidParameter, "Unknown named parameter %s", name)
			}
			out[i] = v
		}
	default:
		return nil, errorf(CodeInvalidRequest, "Params must be an array or object")
	}
	for i, p := range m.params {
		v := bytes.TrimSpace(out[i])
		if len(v) == 0 || bytes.Equal(v, []byte("null")) {
			out[i] = nil
			if !p.optional {
				return nil, errorf(CodeMiscError, "%s", m.help)
			}
			continue
		}
		if got := jsonType(v); got != p.kind.String() {
			return nil, errorf(CodeTypeError, "JSON value of type %s for field %s is not of expected type %s", got, p.name, p.kind)
		}
		out[i] = v
	}
	return out, nil
}

// jsonType names the JSON type of v as Core's type errors do.
func jsonType(v json.RawMessage) string {
	switch v[0] {
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case '[':
		return "array"
	case '{':
		return "object"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

func (a args) given(i int) bool { return i < len(a) && a[i] != nil }

func (a args) str(i int) string {
	var s string
	if a.given(i) {
		_ = json.Unmarshal(a[i], &s) // type checked in bind
	}
	return s
}

func (a args) boolean(i int, def bool) bool {
	if !a.given(i) {
		return def
	}
	return string(a[i]) == "true"
}

// integer returns parameter i as a whole number, def when absent.
func (a args) integer(i int, def int64) (int64, *Error) {
	if !a.given(i) {
		return def, nil
	}
	n, err := strconv.ParseInt(string(a[i]), 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		// Core's UniValue::getInt<int64_t> on a number past int64.
		return 0, errorf(CodeMiscError, "JSON integer out of range")
	}
	if err != nil {
		f, ferr := strconv.ParseFloat(string(a[i]), 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, errorf(CodeTypeError, "JSON number %s is not an integer", a[i])
		}
		n = int64(f)
	}
	return n, nil
}

func (m *method) paramIndex(name string) int {
	for i, p := range m.params {
		if p.name == name {
			return i
		}
	}
	return -1
}

// usage is the first line of a method's help: its name and parameters.
func (m *method) usage() string {
	s := m.name
	for _, p := range m.params {
		name := p.name
		if p.kind == kindString {
			name = strconv.Quote(name)
		}
		if p.optional {
			s += fmt.Sprintf(" ( %s )", name)
		} else {
			s += " " + name
		}
	}
	return s
}
