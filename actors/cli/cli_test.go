package cli_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/cli"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
)

func testConfig(t *testing.T) node.Config {
	t.Helper()
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 0
	cfg.DebugAddr = "127.0.0.1:0"
	return cfg
}

// run runs the CLI and returns its exit code, stdout and stderr.
func run(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := cli.Run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestSubcommandsAgainstARunningNode(t *testing.T) {
	cfg := testConfig(t)
	cfg.Server = true
	cfg.RPCBind = []string{"127.0.0.1:0"}
	a := nodetest.Start(t, cfg)
	bcfg := testConfig(t)
	bcfg.DebugAddr = "off"
	bcfg.AddNode = []string{a.ListenAddrs()[0].String()}
	nodetest.Start(t, bcfg)

	u, err := url.Parse(a.DebugURL())
	if err != nil {
		t.Fatal(err)
	}
	flags := []string{"-regtest", "-datadir=" + cfg.DataDir,
		"-rpcport=" + strconv.Itoa(int(a.RPCAddrs()[0].Port())), "-debugaddr=" + u.Host}
	with := func(cmd string, extra ...string) []string {
		return append(append([]string{cmd}, flags...), extra...)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out, errOut := run(with("peers")...)
		if code != 0 {
			t.Fatalf("peers: exit %d: %s", code, errOut)
		}
		if strings.Contains(out, "inbound") && strings.Contains(out, "done") && strings.Contains(out, "/actornode:0.1.0/") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("peers never showed a handshaken inbound peer:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}

	code, out, errOut := run(with("tree")...)
	if code != 0 {
		t.Fatalf("tree: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"node [node]", "├── ", "connmgr [connmgr]", "└── peer-", "[peer]", "mailbox=", "processed="} {
		if !strings.Contains(out, want) {
			t.Errorf("tree lacks %q:\n%s", want, out)
		}
	}

	if code, out, errOut := run(with("addnode", "127.0.0.1:3")...); code != 0 || out != "add: 127.0.0.1:3\n" {
		t.Fatalf("addnode: exit %d %q %q", code, out, errOut)
	}
	if code, _, errOut := run(with("addnode", "127.0.0.1:3")...); code != 1 || !strings.Contains(errOut, "error code: -23") {
		t.Fatalf("second addnode: exit %d %q", code, errOut)
	}
	if code, _, _ := run(with("addnode")...); code != 2 {
		t.Fatalf("addnode without an address: exit %d, want 2", code)
	}

	if code, out, errOut := run(with("stop")...); code != 0 || out != "actornode stopping\n" {
		t.Fatalf("stop: exit %d %q %q", code, out, errOut)
	}
	select {
	case <-a.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("node still running after stop")
	}
}

func TestClearMessageWhenNoNodeRuns(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range [][]string{
		{"peers", "-regtest", "-datadir=" + dir, "-rpcport=1", "-debugaddr=127.0.0.1:1"},
		{"tree", "-regtest", "-debugaddr=127.0.0.1:1"},
		{"stop", "-regtest", "-datadir=" + dir},
		{"addnode", "-regtest", "-datadir=" + dir, "-rpcpassword=x", "-rpcport=1", "127.0.0.1:5"},
	} {
		code, _, errOut := run(cmd...)
		if code != 3 || !strings.Contains(errOut, "no node is running") {
			t.Errorf("%v: exit %d, stderr %q; want 3 and \"no node is running\"", cmd, code, errOut)
		}
	}
	if code, _, _ := run("frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

// A peer chooses its user agent; Core keeps only its sanitised form
// (cleanSubVer). One that clears the screen, retitles the window and draws
// a fake peer row reaches `actornode peers`, `actornode tree`, getpeerinfo
// and the debug endpoint as plain text, with none of its control bytes.
func TestEscapeLadenUserAgentReachesTheTerminalSanitised(t *testing.T) {
	cfg := testConfig(t)
	cfg.Server = true
	cfg.RPCBind = []string{"127.0.0.1:0"}
	a := nodetest.Start(t, cfg)

	r := actortest.DialTCP(t, a.ListenAddrs()[0].String(), a.Params().Magic)
	v := r.NewVersion()
	v.UserAgent = "/evil\x1b[2J\x1b[H\x1b]0;owned\x07:1.0/\r\n99  10.9.9.9:8333  in  inbound  done  /fake:1.0/\x1b[8m"
	r.Handshake(t, v)
	const clean = "/evil2JH0;owned:1.0/99  10.9.9.9:8333  in  inbound  done  /fake:1.0/8m"

	u, err := url.Parse(a.DebugURL())
	if err != nil {
		t.Fatal(err)
	}
	flags := []string{"-regtest", "-datadir=" + cfg.DataDir,
		"-rpcport=" + strconv.Itoa(int(a.RPCAddrs()[0].Port())), "-debugaddr=" + u.Host}
	noControl := func(what, out string) {
		t.Helper()
		for _, c := range []byte(out) {
			if c < 0x20 && c != '\n' || c == 0x7f {
				t.Fatalf("%s prints control byte %#x:\n%q", what, c, out)
			}
		}
	}
	var peers string
	actortest.Eventually(t, 10*time.Second, "peers to list the handshaken peer", func() bool {
		code, out, errOut := run(append([]string{"peers"}, flags...)...)
		if code != 0 {
			t.Fatalf("peers: exit %d: %s", code, errOut)
		}
		peers = out
		return strings.Contains(out, "done")
	})
	noControl("peers", peers)
	if !strings.Contains(peers, clean) {
		t.Errorf("peers lacks the sanitised user agent %q:\n%s", clean, peers)
	}
	if lines := strings.Count(peers, "\n"); lines != 2 {
		t.Errorf("peers prints %d lines, want a header and one peer:\n%s", lines, peers)
	}

	code, tree, errOut := run("tree", "-regtest", "-debugaddr="+u.Host)
	if code != 0 {
		t.Fatalf("tree: exit %d: %s", code, errOut)
	}
	noControl("tree", tree)
	if !strings.Contains(tree, "subver="+clean) {
		t.Errorf("tree lacks subver=%s:\n%s", clean, tree)
	}

	for _, p := range nodetest.Peers(t, a) {
		if p.SubVer != clean {
			t.Errorf("getpeerinfo subver = %q, want %q", p.SubVer, clean)
		}
	}
	resp, err := http.Get("http://" + u.Host + "/debug/peers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var infos []struct {
		SubVer string `json:"subver"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&infos); err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].SubVer != clean {
		t.Errorf("/debug/peers subver = %+v, want one %q", infos, clean)
	}
}
