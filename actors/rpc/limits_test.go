package rpc_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/rpc"
	"github.com/actornode/actornode/actors/rpc/client"
)

// startServer starts an RPC server on loopback answering for a fresh node,
// with cfg's limits and the password "pw".
func startServer(t *testing.T, cfg rpc.Config) *rpc.Server {
	t.Helper()
	a := nodetest.Start(t, testConfig(t))
	cfg.Bind = []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}
	cfg.Password = "pw"
	cfg.Backend = rpc.Backend{Root: a.System().Root, ConnMgr: a.ConnMgr(), Stop: func() {}}
	srv, err := rpc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

// uptime posts an uptime call as user:pass and returns the status and body.
func uptime(t *testing.T, srv *rpc.Server, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+srv.Addrs()[0].String()+"/",
		strings.NewReader(`{"method":"uptime","id":1}`))
	req.SetBasicAuth(user, pass)
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Errorf("uptime: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// Password guesses run on the threads, each holding its thread for the
// failure delay, behind a queue of fixed depth: with 2 threads and a queue
// of 2, four guesses are in the server at once and every further one is
// refused at once with 503, however many connections the guesser opens.
func TestPasswordGuessesAreBoundedByTheThreads(t *testing.T) {
	const threads, depth, extra = 2, 2, 20
	srv := startServer(t, rpc.Config{Threads: threads, WorkQueue: depth, AuthFailDelay: 2 * time.Second})
	type answer struct {
		code int
		body string
	}
	status := make(chan answer, threads+depth+extra)
	guess := func(wg *sync.WaitGroup) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body := uptime(t, srv, "", "guess")
			status <- answer{code, body}
		}()
	}
	var held sync.WaitGroup
	for range threads {
		guess(&held)
	}
	nodetest.Eventually(t, 10*time.Second, "both threads busy with a guess", func() bool {
		running, _ := srv.WorkStats()
		return running == threads
	})
	for range depth {
		guess(&held)
	}
	nodetest.Eventually(t, 10*time.Second, "the queue full of guesses", func() bool {
		_, waiting := srv.WorkStats()
		return waiting == depth
	})
	var refused sync.WaitGroup
	for range extra {
		guess(&refused)
	}
	refused.Wait()
	for range extra {
		if a := <-status; a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, "Work queue depth exceeded") {
			t.Fatalf("a guess beyond the queue: HTTP %d %q, want 503 Work queue depth exceeded", a.code, a.body)
		}
	}
	held.Wait()
	for range threads + depth {
		if a := <-status; a.code != http.StatusUnauthorized {
			t.Fatalf("a queued guess: HTTP %d, want 401", a.code)
		}
	}
	if code, body := uptime(t, srv, "", "pw"); code != http.StatusOK {
		t.Fatalf("right password after the guesses: HTTP %d %s", code, body)
	}
}

// dialRaw opens a connection to srv that gives up reading after 20 s.
func dialRaw(t *testing.T, srv *rpc.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", srv.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	return c
}

// untilClosed reads c until the server closes it and returns what came;
// it fails the test if the read deadline comes first.
func untilClosed(t *testing.T, c net.Conn, what string) string {
	t.Helper()
	data, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: connection still open after 20 s", what)
	}
	return string(data)
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// Clients that never finish a request are dropped after the server
// timeout, authenticated or not; bodies over 32 MiB are refused unread;
// connections over the cap are closed at once.
func TestClientsCannotHoldTheServer(t *testing.T) {
	const maxConns = 4
	srv := startServer(t, rpc.Config{Timeout: time.Second, MaxConns: maxConns})

	for _, auth := range []string{basic("", "pw"), basic("", "guess"), ""} {
		c := dialRaw(t, srv)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Length: 100\r\n\r\n", auth)
		untilClosed(t, c, "a body that never comes")
	}
	silent := dialRaw(t, srv)
	untilClosed(t, silent, "a client that sends nothing")

	big := dialRaw(t, srv)
	fmt.Fprintf(big, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Length: %d\r\n\r\n", basic("", "pw"), 32<<20+1)
	resp, err := http.ReadResponse(bufio.NewReader(big), nil)
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over 32 MiB: %v %v, want 413", resp, err)
	}

	big.Close()
	actortest.Eventually(t, 5*time.Second, "every earlier connection's slot free", func() bool { return srv.OpenConns() == 0 })

	held := make([]net.Conn, maxConns)
	for i := range held {
		held[i] = dialRaw(t, srv)
		fmt.Fprint(held[i], "POST / HTTP/1.1\r\nHost: x\r\n") // headers unfinished
	}
	actortest.Eventually(t, 5*time.Second, "the held connections in every slot", func() bool { return srv.OpenConns() == maxConns })
	over := dialRaw(t, srv)
	fmt.Fprintf(over, "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Length: 2\r\n\r\n{}", basic("", "pw"))
	if got := untilClosed(t, over, "a connection over the cap"); got != "" {
		t.Fatalf("a connection over the cap was answered: %q", got)
	}
	// The held ones time out, and the server answers again.
	for _, c := range held {
		untilClosed(t, c, "a held connection")
	}
	if code, body := uptime(t, srv, "", "pw"); code != http.StatusOK {
		t.Fatalf("after the held connections: HTTP %d %s", code, body)
	}
}

// rpcauthLine computes a -rpcauth line as Core's share/rpcauth/rpcauth.py
// does: the hex HMAC-SHA256 of the password keyed by the salt string.
func rpcauthLine(user, salt, password string) string {
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(password))
	return user + ":" + salt + "$" + hex.EncodeToString(m.Sum(nil))
}

func TestRPCAuthUsersBesideTheCookie(t *testing.T) {
	cfg := testConfig(t)
	cfg.RPCAuth = []string{
		rpcauthLine("alice", "cb77f0957de88ff388cf817ddbc7273", "correct horse"),
		rpcauthLine("bob", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "battery staple"),
	}
	n := nodetest.Start(t, cfg)
	call := func(user, pass string) error {
		c := &client.Client{URL: n.RPCURL(), User: user, Password: pass}
		_, err := c.Call(context.Background(), "uptime")
		return err
	}
	cookieUser, cookiePass, err := rpc.ReadCookie(cfg.DataDirOrDefault())
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range [][2]string{{"alice", "correct horse"}, {"bob", "battery staple"}, {cookieUser, cookiePass}} {
		if err := call(ok[0], ok[1]); err != nil {
			t.Errorf("%s: %v", ok[0], err)
		}
	}
	for _, bad := range [][2]string{{"alice", "battery staple"}, {"bob", "correct horse"}, {"alice", "correct hors"}, {"carol", "correct horse"}} {
		if err := call(bad[0], bad[1]); !errors.Is(err, client.ErrUnauthorized) {
			t.Errorf("%s/%s: %v, want ErrUnauthorized", bad[0], bad[1], err)
		}
	}
}

func TestParseRPCAuth(t *testing.T) {
	good := rpcauthLine("alice", "salt", "pw")
	user, salt, hash, err := rpc.ParseRPCAuth(good)
	if err != nil || user != "alice" || salt != "salt" || len(hash) != 32 {
		t.Fatalf("ParseRPCAuth(%q) = %q %q %x %v", good, user, salt, hash, err)
	}
	for _, bad := range []string{
		"alice", "alice:salt", "alice:salt$", "alice:salt$zz", "alice:salt$abcd",
		"al:ice:" + strings.TrimPrefix(good, "alice:"), "alice:sa$lt$" + strings.Repeat("00", 32),
	} {
		_, _, _, err := rpc.ParseRPCAuth(bad)
		if err == nil {
			t.Errorf("ParseRPCAuth(%q) accepted", bad)
		} else if _, secret, ok := strings.Cut(bad, "$"); ok && secret != "" && strings.Contains(err.Error(), secret) {
			t.Errorf("error %q repeats the hash", err)
		}
	}
	line, err := rpc.RPCAuthLine("bob", "pw")
	if err != nil {
		t.Fatal(err)
	}
	_, salt, _, err = rpc.ParseRPCAuth(line)
	if err != nil || line != rpcauthLine("bob", salt, "pw") {
		t.Fatalf("RPCAuthLine = %q (%v), not Core's HMAC", line, err)
	}
}
