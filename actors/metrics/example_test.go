package metrics_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/actornode/actornode/actors/metrics"
)

// A peer reports its frames; /metrics shows them by command and direction.
func Example() {
	m := metrics.New(nil, 0)
	var peer metrics.Peer = m
	peer.MessageReceived("ping", 1, 32)
	peer.MessageSent("pong", 1, 32)

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		l := lines.Text()
		if strings.HasPrefix(l, "actornode_messages_total{command=\"p") && !strings.HasSuffix(l, " 0") {
			fmt.Println(l)
		}
	}
	// Output:
	// actornode_messages_total{command="ping",direction="in"} 1
	// actornode_messages_total{command="pong",direction="out"} 1
}
