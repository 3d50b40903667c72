package httplimit_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/internal/httplimit"
)

// serve runs a limited server on loopback: timeout, maxConns; its handler
// reads the body and answers 200 "ok".
func serve(t *testing.T, timeout time.Duration, maxConns int) (string, *httplimit.Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lim := httplimit.Listen(ln, maxConns, nil)
	srv := httplimit.Server(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, "ok")
	}), timeout, nil)
	go func() { _ = srv.Serve(lim) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), lim
}

// dial opens a raw connection that gives up reading after 20 s.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	return c
}

// closedByServer reads until the server closes c; it fails the test if
// our own read deadline comes first.
func closedByServer(t *testing.T, c net.Conn, what string) {
	t.Helper()
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: connection still open after 20 s", what)
	}
}

func TestClientsThatHoldAConnectionAreDropped(t *testing.T) {
	addr, lim := serve(t, 300*time.Millisecond, 100)
	silent := dial(t, addr)
	noBody := dial(t, addr)
	fmt.Fprint(noBody, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
	halfHeader := dial(t, addr)
	fmt.Fprint(halfHeader, "POST / HTTP/1.1\r\nHost: x\r\n")
	idle := dial(t, addr)
	fmt.Fprint(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("first request on the kept-alive connection: %v %v", resp, err)
	}
	for what, c := range map[string]net.Conn{
		"silent client": silent, "body never sent": noBody, "headers never finished": halfHeader, "idle kept-alive": idle,
	} {
		closedByServer(t, c, what)
	}
	actortest.Eventually(t, 10*time.Second, "every slot freed", func() bool { return lim.Open() == 0 })
}

func TestHeadersOver8KiBAreRefused(t *testing.T) {
	addr, _ := serve(t, 10*time.Second, 100)
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 16<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("16 KiB of headers: HTTP %d, want 431", resp.StatusCode)
	}
	req.Header.Set("X-Big", strings.Repeat("a", 4<<10))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("4 KiB of headers: HTTP %d, want 200", resp.StatusCode)
	}
}

func TestConnectionsOverTheCapAreClosed(t *testing.T) {
	const max = 3
	addr, lim := serve(t, time.Minute, max)
	held := make([]net.Conn, max)
	for i := range held {
		held[i] = dial(t, addr)
	}
	actortest.Eventually(t, 10*time.Second, "the held connections accepted", func() bool { return lim.Open() == max })
	over := dial(t, addr)
	fmt.Fprint(over, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	closedByServer(t, over, "connection over the cap")
	if lim.Refused() != 1 || lim.Open() != max {
		t.Fatalf("refused %d, open %d; want 1 and %d", lim.Refused(), lim.Open(), max)
	}
	held[0].Close()
	actortest.Eventually(t, 10*time.Second, "a slot freed", func() bool { return lim.Open() == max-1 })
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after a slot freed: HTTP %d", resp.StatusCode)
	}
}
