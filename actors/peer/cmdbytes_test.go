package peer

import (
	"fmt"
	"testing"
)

func TestCmdBytesCountsKnownCommandsByNameAndTheRestAsOther(t *testing.T) {
	var c cmdBytes
	c.add("ping", 32)
	c.add("ping", 32)
	c.add("version", 126)
	for i := range 100 { // a remote inventing commands
		c.add(fmt.Sprintf("junk%d", i), 25)
	}
	if len(c) != 3 {
		t.Fatalf("%d entries after 100 invented commands, want 3 (ping, version, other)", len(c))
	}
	got := c.toMap()
	want := map[string]uint64{"ping": 64, "version": 126, otherCommand: 2500}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("counts = %v, want %v", got, want)
	}
}
