package debughttp_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/actornode/actornode/actors/node/nodeinfo"
	"github.com/actornode/actornode/actors/node/nodetest"
)

// chromium returns the path of Debian's chromium, or skips (fails under CI)
// when it is not installed.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const reason = "chromium is not installed (apt-get install -y chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(reason)
	}
	t.Skip(reason)
	return ""
}

// browser starts a headless chromium with a fresh profile and no network
// of its own, and returns a tab's context.
func browser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	return tab
}

// waitJS polls a JavaScript condition in the page until it is true.
func waitJS(t *testing.T, tab context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		text, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("waiting for %s (%s): %v\npage:\n%s", what, expr, err, text)
	}
}

func TestPageShowsTreeAndPeersAndUpdates(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	tab := browser(t, ctx)

	a := nodetest.Start(t, testConfig(t))
	connectTo(t, a, 1)

	if err := chromedp.Do(tab, chromedp.Navigate(a.DebugURL()+"?refresh=200")); err != nil {
		t.Fatalf("load page: %v", err)
	}
	waitJS(t, tab, "the tree and one peer",
		`document.querySelectorAll('#peers tbody tr').length === 1 &&
		 document.querySelectorAll('#tree li[data-kind="peer"]').length === 1 &&
		 document.querySelector('#tree li[data-path="node/connmgr"]') !== null &&
		 document.querySelector('#tree li[data-path="node/io"]') !== null`)
	// The chain's row: a fresh regtest node holds the genesis header.
	waitJS(t, tab, "the chain's row", `document.querySelector('#chain tbody tr[data-headers="0"]') !== null`)
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.__sameLoad = true`)); err != nil {
		t.Fatal(err)
	}

	connectTo(t, a, 2)
	infos, err := nodeinfo.Peers(a.System().Root, a.ConnMgr(), 2*time.Second)
	if err != nil || len(infos) != 2 {
		t.Fatalf("peers of a: %v, %v", infos, err)
	}
	newest := infos[1]
	waitJS(t, tab, "the second peer without a reload", fmt.Sprintf(
		`window.__sameLoad === true &&
		 document.querySelectorAll('#peers tbody tr').length === 2 &&
		 document.querySelector('#peers tr[data-peer-id="%d"][data-addr="%s"]') !== null &&
		 document.querySelectorAll('#tree li[data-kind="peer"]').length === 2 &&
		 document.querySelector('#tree li[data-path="node/connmgr/peer-%d"]') !== null`,
		newest.ID, newest.Addr, newest.ID))
	if count, err := chromedp.Run(tab, chromedp.Text("#peer-count")); err != nil || count != "2" {
		t.Fatalf("peer count shown = %q (%v), want 2", count, err)
	}
}
