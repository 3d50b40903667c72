package headerstore_test

import (
	"fmt"
	"os"
	"time"

	"github.com/actornode/actornode/actors/chain/headerchain"
	"github.com/actornode/actornode/actors/chain/headerstore"
	"github.com/actornode/actornode/protocol"
)

// At start the chain's owner opens the store and loads it into a fresh
// index, which checks every header again and then appends to the store
// every header it adds; a Flush makes them durable.
func Example() {
	dir, _ := os.MkdirTemp("", "headerstore-example")
	defer os.RemoveAll(dir)
	mainnet, _ := protocol.Network(protocol.NameMainnet)

	start := func() (*headerstore.Store, *headerchain.Index) {
		s, err := headerstore.Open(dir, mainnet.Magic)
		if err != nil {
			panic(err)
		}
		ix, _ := headerchain.New(mainnet, headerchain.WithCapacity(int(s.Records())), headerchain.WithSource(s))
		st, err := s.Load(ix.Restore)
		fmt.Println("loaded:", st.Records, "error:", err, "tip:", ix.Tip().Height)
		return s, ix
	}

	s, ix := start()
	raw, _ := os.ReadFile("../headerchain/testdata/mainnet-000000-002020.bin")
	var msg []protocol.BlockHeader
	for off := protocol.BlockHeaderSize; off <= 10*protocol.BlockHeaderSize; off += protocol.BlockHeaderSize {
		h, _ := protocol.ParseBlockHeader(raw[off:])
		msg = append(msg, h)
	}
	res, err := ix.Add(msg, time.Now())
	if err == nil {
		err = s.Flush()
	}
	fmt.Println("appended:", res.Added, "error:", err)
	s.Close()

	s, _ = start()
	s.Close()
	// Output:
	// loaded: 0 error: <nil> tip: 0
	// appended: 10 error: <nil>
	// loaded: 10 error: <nil> tip: 10
}
