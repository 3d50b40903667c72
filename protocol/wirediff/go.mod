module github.com/actornode/actornode/protocol/wirediff

go 1.26.8

replace github.com/actornode/actornode => ../..

require (
	github.com/actornode/actornode v0.0.0
	github.com/aead/siphash v1.0.1
	github.com/btcsuite/btcd/chainhash/v2 v2.0.0
	github.com/btcsuite/btcd/wire/v2 v2.0.1
)

require (
	github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc // indirect
	github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2 // indirect
	golang.org/x/crypto v0.54.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
