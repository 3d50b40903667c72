package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/peer"
)

// writePeers prints one line per peer, like a short getpeerinfo.
func writePeers(out io.Writer, infos []*peer.Info) {
	if len(infos) == 0 {
		fmt.Fprintln(out, "no peers")
		return
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tADDRESS\tDIR\tTYPE\tHANDSHAKE\tPING MS\tRECV\tSENT\tUSER AGENT")
	for _, p := range infos {
		dir, hs, ping := "out", "pending", "-"
		if p.Inbound {
			dir = "in"
		}
		if p.Handshaken {
			hs = "done"
		}
		if p.PingTime > 0 {
			ping = fmt.Sprintf("%.2f", p.PingTime*1000)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n",
			p.ID, p.Addr, dir, p.ConnectionType, hs, ping, p.BytesRecv, p.BytesSent, p.SubVer)
	}
	_ = tw.Flush()
}

// writeTree draws the actor tree with box-drawing branches, each actor
// with its kind, mailbox counters and summary.
func writeTree(out io.Writer, root inspect.Node) {
	fmt.Fprintln(out, line(root))
	drawChildren(out, root.Children, "")
}

func drawChildren(out io.Writer, children []inspect.Node, prefix string) {
	for i, c := range children {
		branch, indent := "├── ", "│   "
		if i == len(children)-1 {
			branch, indent = "└── ", "    "
		}
		fmt.Fprintln(out, prefix+branch+line(c))
		drawChildren(out, c.Children, prefix+indent)
	}
}

func line(n inspect.Node) string {
	name := n.Path[strings.LastIndexByte(n.Path, '/')+1:]
	var b strings.Builder
	b.WriteString(name)
	switch {
	case n.Unresponsive:
		b.WriteString(" [no answer]")
	case n.Kind != "":
		fmt.Fprintf(&b, " [%s]", n.Kind)
	}
	if s := n.Stats; s != nil {
		fmt.Fprintf(&b, " mailbox=%d processed=%d restarts=%d up=%.0fs", s.MailboxLen, s.Processed, s.Restarts, s.UptimeSeconds)
	}
	if len(n.Summary) > 0 {
		keys := make([]string, 0, len(n.Summary))
		for k := range n.Summary {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s=%v", k, n.Summary[k]))
		}
		b.WriteString("  " + strings.Join(parts, " "))
	}
	return b.String()
}
