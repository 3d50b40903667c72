package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The node binary, as a user runs it: built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "actornode-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "actornode")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic("build actornode: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBinary runs the node with args and returns its exit code and stderr.
func runBinary(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("actornode %v did not exit within 20s", args)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

func TestBadValuesNameTheKeyAndExit2(t *testing.T) {
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badFile, []byte("network: regtest\nmaxconections: 10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	twiceFile := filepath.Join(dir, "twice.yaml")
	if err := os.WriteFile(twiceFile, []byte("network: regtest\nport: 18444\nport: 18445\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"flag not a number", []string{"-regtest", "-maxconnections=many"}, []string{"maxconnections", `"many" is not a whole number`}},
		{"bad network", []string{"-network=moonnet"}, []string{"network", "moonnet"}},
		{"bad duration", []string{"-regtest", "-pinginterval=5"}, []string{"pinginterval", "duration"}},
		{"unknown key in file", []string{"-config=" + badFile}, []string{"line 2", "maxconections", "unknown key"}},
		{"missing file", []string{"-config=" + filepath.Join(dir, "nope.yaml")}, []string{"read config", "nope.yaml"}},
		{"unknown flag", []string{"-nosuchflag"}, []string{"nosuchflag"}},
		{"key twice in file", []string{"-config=" + twiceFile}, []string{"line 3", "config port:", "given twice (first on line 2)"}},
		{"unknown debug category", []string{"-regtest", "-debug=net", "-debug=frobnicate"}, []string{"config debug:", "unsupported logging category -debug=frobnicate"}},
		{"receive buffer past 32 bits", []string{"-regtest", "-maxreceivebuffer=5000000"}, []string{"config maxreceivebuffer:", "outside 1..4294967"}},
		{"send buffer past int", []string{"-regtest", "-maxsendbuffer=99999999999999999999"}, []string{"config maxsendbuffer:", "out of range"}},
		{"bad addnode", []string{"-regtest", "-addnode=bad host"}, []string{"config addnode:", "is not HOST"}},
		{"regtestservices on testnet4", []string{"-testnet4", "-regtestservices=NETWORK,WITNESS"},
			[]string{"config regtestservices:", "only with -regtest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runBinary(t, tc.args...)
			if code != 2 {
				t.Errorf("exit code %d, want 2; stderr:\n%s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// TestRunServeDebugAndStopOnSignal runs the binary as make run does (on
// regtest, loopback, no seeds), reads the actor tree from the debug endpoint
// and stops it with SIGTERM: it exits 0, having logged its stop in order
// (stopBySignal).
func TestRunServeDebugAndStopOnSignal(t *testing.T) {
	n := startJSONNode(t, "-config=config.yaml", "-debugaddr=127.0.0.1:0")
	debugURL, _ := n.waitLine(t, "node started")["debug"].(string)
	if debugURL == "" {
		t.Fatal("the 'node started' line has no debug URL")
	}

	resp, err := http.Get(debugURL + "actors")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, kind := range []string{`"node"`, `"io"`, `"connmgr"`, `"addrbook"`, `"dispatcher"`} {
		if !strings.Contains(string(body), `"kind": `+kind) {
			t.Errorf("actor tree has no kind %s:\n%s", kind, body)
		}
	}
	if !regexp.MustCompile(`"path": "node/connmgr"`).Match(body) {
		t.Errorf("actor tree has no path node/connmgr:\n%s", body)
	}

	n.stopBySignal(t, syscall.SIGTERM)
}

// Like Core with a corrupt peers.dat, the node refuses to start over a
// corrupt address book, names the file and says what to do; the file is
// left as it was. Starting empty would quietly mean seeding from DNS again.
func TestCorruptAddressBookStopsTheNode(t *testing.T) {
	dir := t.TempDir()
	netDir := filepath.Join(dir, "regtest") // Core's per-network directory
	if err := os.Mkdir(netDir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(netDir, "addrbook.dat")
	junk := []byte("ANAB\x01 this is not an address book, and it is long enough to have a header and a checksum")
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stderr := runBinary(t, regtestFlags(dir)...)
	if code != 1 {
		t.Errorf("exit code %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, w := range []string{"invalid or corrupt address book file " + path, "checksum mismatch",
		"move the file out of the way"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr does not say %q:\n%s", w, stderr)
		}
	}
	if kept, err := os.ReadFile(path); err != nil || string(kept) != string(junk) {
		t.Errorf("the file was not left as it was: %q, %v", kept, err)
	}
	entries, _ := os.ReadDir(netDir)
	for _, e := range entries {
		if name := e.Name(); name != "addrbook.dat" && name != ".lock" {
			t.Errorf("data directory holds %s; want only the book (and the lock)", name)
		}
	}
}

// Core's parameter interaction: -maxconnections=0 turns listening and DNS
// seeding off unless they are set explicitly, as -connect does.
func TestMaxConnectionsZeroTurnsListeningAndSeedingOff(t *testing.T) {
	for _, tc := range []struct {
		args            []string
		listen, dnsSeed bool
	}{
		{[]string{"-regtest"}, true, true},
		{[]string{"-regtest", "-maxconnections=0"}, false, false},
		{[]string{"-regtest", "-maxconnections=0", "-listen", "-dnsseed=1"}, true, true},
	} {
		cfg, err := loadConfig(tc.args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if cfg.Listen != tc.listen || cfg.DNSSeed != tc.dnsSeed {
			t.Errorf("%v: listen %v dnsseed %v, want %v %v", tc.args, cfg.Listen, cfg.DNSSeed, tc.listen, tc.dnsSeed)
		}
	}
}
