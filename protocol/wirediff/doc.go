// Package wirediff proves package protocol against btcd's wire package
// (github.com/btcsuite/btcd/wire/v2 v2.0.1, the wire module btcd v0.26.2
// builds with) and measures the two side by side. It is a separate module
// so btcd stays out of actornode's dependency graph; it has no code of its
// own, only tests, a differential fuzz target and benchmarks:
//
//	cd protocol/wirediff
//	go test ./...                                  # differential tests
//	go test -run=^$ -fuzz=FuzzDifferential -fuzztime=30s
//	go test -run=^$ -bench=. -benchmem -count=5 | tee bench.txt
//	benchstat -col /impl bench.txt                 # ours and btcd's side by side
//
// # Where btcd differs from Core
//
// Package protocol follows Bitcoin Core; where btcd decodes differently,
// the differential tests skip that case and name the reason
// (knownDifference). The differences:
//
//   - headers: btcd rejects a non-zero transaction count after a header;
//     Core reads and ignores it.
//   - getheaders, getblocks: btcd allows 500 locator hashes; Core
//     disconnects above 101.
//   - tx (and block, blocktxn): btcd rejects a zero flag byte after a zero
//     input count, which Core reads as an empty transaction with no
//     outputs.
//   - version: btcd accepts addr_from with no nonce after it; Core reads
//     the two together.
//   - addrv2: Core (and protocol) keep I2P and CJDNS entries, which btcd
//     drops; btcd keeps Tor v2 entries, which Core drops.
//   - reject: btcd sets no length limit on the command or reason; Core
//     limited them to 12 and 111 bytes.
//   - cfilter, cfcheckpt, merkleblock: btcd caps filter data at 256 KiB,
//     checkpoints at 100,000 and merkle flags at 50,000 bytes; Core sets
//     no cap below the 4,000,000-byte payload.
//   - CompactSize: btcd reads any canonical value; Core rejects one above
//     0x02000000 (MAX_SIZE).
//
// btcd has no sendcmpct, cmpctblock, getblocktxn, blocktxn or alert; those
// are proven by protocol's own tests, and the SipHash behind compact block
// short ids against github.com/aead/siphash.
package wirediff
