// Package headerstore keeps the node's block headers on disk: one
// append-only file in a directory, read back at start. It knows bytes and
// checksums, not consensus: headers it loads go to a function (the chain's
// headerchain.Index.Restore) that checks them again.
//
// # File
//
// headers.dat starts with a 16-byte file header: "AHS1", the network's
// message start (so a store of another network is refused), four zero bytes
// and a CRC-32C of those twelve. Records follow, 84 bytes each: a block
// header as the wire carries it and the CRC-32C (Castagnoli) of those 80
// bytes. Records are in the order the headers were accepted, so each
// header's parent comes before it; forks are kept too.
//
// # Appends, reads and flushes
//
// A Store is the header index's headerchain.Source: the index appends each
// header it adds, and Append takes it in memory at once, readable from then
// on (ReadRecords: durable records from the file with one pread for a run,
// newer ones from memory). Flush writes what was appended since the last
// one with one write and one fsync; it may run on a goroutine of its own
// while appends and reads go on (a mutex guards the batch being written
// and the one filling; durable records are never written again, so reads
// of them need no lock). A failed write or sync breaks the store
// (ErrBroken): nothing more is written, and every header, written or not,
// stays readable from memory (80 bytes each) for as long as the process
// runs.
//
// # Writes and crashes
//
// Flush writes a batch with one write and one fsync. A kill at any moment
// leaves whole records followed by at most one torn batch: a partial record,
// or records whose bytes did not all reach the disk. Load keeps every record
// before the first one that is cut short or fails its checksum, when no
// record after it is whole and valid: that tail is what a torn append
// leaves, and Load truncates it (and fsyncs) before the store takes new
// appends. A bad record followed by good ones is not a torn append but
// damage: Load stops with a *CorruptError and changes nothing. A record the
// load function refuses (a header that does not link, or fails a rule)
// stops Load with a *RecordError, also changing nothing; the owner may then
// Truncate at that record and sync the rest again from peers.
//
// Flush blocks on the disk: an actor runs it in a goroutine of its own and
// is told by message when it is done. Load, Truncate and Close run alone
// (Close waits for a running Flush).
package headerstore
