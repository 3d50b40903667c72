package headerchain

import (
	"fmt"

	"github.com/actornode/actornode/protocol"
)

// Source holds the full headers of an index, which keeps in memory only
// what its checks and its best chain need. Record n of the source is the
// header of entry n+1: entry 0, the root, is the index's own. The index
// appends every header it adds, in order, so records and entries cannot
// diverge; a Source must therefore keep what it is given readable even
// when it cannot persist it. headerstore.Store is the node's Source;
// MemorySource is one for tests and for a node without a data directory.
type Source interface {
	// Records returns the number of records.
	Records() int64
	// Append adds headers as the records after the last.
	Append(hs []protocol.BlockHeader)
	// ReadRecords fills dst with the records from number n on.
	ReadRecords(dst []protocol.BlockHeader, n int64) error
}

// memChunk is the number of headers in one allocation of a MemorySource.
const memChunk = 1 << 12

// MemorySource is a Source in memory: 80 bytes a header, grown in
// fixed-size chunks so growing never copies what it holds. The zero value
// is empty and ready.
type MemorySource struct {
	chunks []*[memChunk]protocol.BlockHeader
	n      int64
}

// Records implements Source.
func (m *MemorySource) Records() int64 { return m.n }

// Append implements Source.
func (m *MemorySource) Append(hs []protocol.BlockHeader) {
	for i := range hs {
		if m.n%memChunk == 0 && m.n/memChunk == int64(len(m.chunks)) {
			m.chunks = append(m.chunks, new([memChunk]protocol.BlockHeader))
		}
		m.chunks[m.n/memChunk][m.n%memChunk] = hs[i]
		m.n++
	}
}

// ReadRecords implements Source.
func (m *MemorySource) ReadRecords(dst []protocol.BlockHeader, n int64) error {
	if n < 0 || n+int64(len(dst)) > m.n {
		return fmt.Errorf("memory header source: records %d to %d of %d", n, n+int64(len(dst)), m.n)
	}
	for i := range dst {
		r := n + int64(i)
		dst[i] = m.chunks[r/memChunk][r%memChunk]
	}
	return nil
}
