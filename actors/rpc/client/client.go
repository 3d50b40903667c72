package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// ErrUnauthorized is returned when the server refuses the credentials.
var ErrUnauthorized = errors.New("incorrect rpcuser or rpcpassword (authorization failed)")

// Error is an error the server returned for a call: Core's code and
// message.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("error code: %d\nerror message:\n%s", e.Code, e.Message)
}

// Client calls one server. The zero value is not usable: set URL.
type Client struct {
	// URL is the server's, "http://127.0.0.1:8332/".
	URL string
	// User and Password are the basic authentication credentials.
	User, Password string
	// HTTP is the client used; nil means one with a 30 s timeout.
	HTTP *http.Client

	id atomic.Uint64
}

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
}

// Call calls method with positional params and returns the raw result. An
// error from the server is an *Error; a refused login is ErrUnauthorized;
// a server that cannot be reached is the transport's error.
func (c *Client) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(request{JSONRPC: "1.0", ID: c.id.Add(1), Method: method, Params: params})
	if err != nil {
		return nil, fmt.Errorf("call %s: encode: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(c.User, c.Password)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", method, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("call %s: read reply: %w", method, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, fmt.Errorf("call %s: %w", method, ErrUnauthorized)
	}
	var r response
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("call %s: HTTP %d: %s", method, resp.StatusCode, bytes.TrimSpace(data))
	}
	if r.Error != nil {
		return nil, r.Error
	}
	return r.Result, nil
}
