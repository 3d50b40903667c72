# actornode: make help lists the targets.

GO        ?= go
GOBIN     ?= $(shell $(GO) env GOPATH)/bin
BIN       ?= bin
BTCD_VER  ?= v0.26.2
STATICCHECK_VER ?= v0.8.2
BTCD      ?= $(GOBIN)/btcd
STATICCHECK ?= $(GOBIN)/staticcheck
# bcoin, a Bitcoin node in JavaScript, for the interop tests: make bcoin
# installs testdata/bcoin's locked packages into BCOIN_DIR with npm and builds
# its one native module (leveldown) against the machine's Node.js headers.
BCOIN_DIR ?= $(BIN)/bcoin
NODE      ?= node
NPM       ?= npm
PKGS      := ./...
# The btcd differential tests and benchmarks live in a nested module, so
# that btcd stays out of the node's dependencies.
WIREDIFF  := protocol/wirediff
FUZZTIME  ?= 30s
# The fuzz targets CI runs briefly, as package:function.
FUZZ      := ./protocol:FuzzDecode ./protocol:FuzzDecodeTx ./protocol:FuzzDecodeAddr \
             ./protocol:FuzzDecodeList ./protocol:FuzzDecodeFilter ./protocol:FuzzDecodeSmall \
             ./protocol:FuzzParseHeader ./protocol:FuzzCompactSize ./transport:FuzzDeframe
# The rest: their seeds run in make test; fuzzing them for a few seconds
# can end in the toolchain's own "context deadline exceeded" while it
# still gathers its baseline (slow seeds: keys, files), so only make
# fuzzall fuzzes them, for FUZZTIME each.
FUZZMORE  := ./protocol/bip324:FuzzResponder ./protocol/bip324:FuzzEstablished \
             ./protocol/bip324:FuzzParseContents ./transport/pcp:FuzzDecodeMapResponse \
             ./actors/chain/headerstore:FuzzLoad ./actors/chain/headerchain/presync:FuzzProcessNextHeaders \
             ./actors/connmgr/machine:FuzzSplitHostPortAsNet

.PHONY: help build run test race bench fuzz fuzzall lint demo tools bcoin clean loadtest sim syncbench

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

build: ## build the node binary into bin/actornode
	$(GO) build -o $(BIN)/actornode .

run: build ## run a mainnet node from config.yaml (Ctrl-C stops it)
	./$(BIN)/actornode -config=config.yaml $(ARGS)

test: $(BTCD) ## run every test (vet, unit, race, interop with btcd and bcoin, differential with btcd)
	@$(MAKE) --no-print-directory bcoin || echo "bcoin could not be installed: its interop tests skip"
	$(GO) vet $(PKGS)
	BTCD=$(BTCD) BCOIN=$(abspath $(BCOIN_DIR)) $(GO) test -race -count=1 -timeout 8m $(PKGS)
	cd $(WIREDIFF) && $(GO) vet ./... && $(GO) test -count=1 ./...

race: ## run the tests under the race detector, twice, shuffled
	$(GO) test -race -count=2 -shuffle=on -timeout 15m $(PKGS)

bench: ## run the benchmarks with allocations; the codec side by side with btcd's
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)
	mkdir -p $(BIN)
	cd $(WIREDIFF) && $(GO) test -run='^$$' -bench=. -benchmem -count=5 . | tee $(CURDIR)/$(BIN)/wirediff-bench.txt
	@if command -v benchstat >/dev/null; then benchstat -col /impl $(BIN)/wirediff-bench.txt; \
	 else echo "(go install golang.org/x/perf/cmd/benchstat@latest for a table)"; fi

# loadtest: the speed table against a fresh node per figure, node on CPU 0
# and generator on CPU 1; LIMITSERVER=/path/to/limitserver measures p2pload's
# bare server beside it (ratios), LOADTEST_ARGS adds loadgen table flags.
TASKSET   := $(shell command -v taskset >/dev/null 2>&1 && echo taskset -c 1)
SIM_PEERS ?= 100000

loadtest: build ## the speed table: the node against our load generator (LIMITSERVER=path adds ratios)
	$(GO) build -o $(BIN)/loadgen ./actors/loadgen/cmd/loadgen
	$(TASKSET) ./$(BIN)/loadgen table -node $(BIN)/actornode $(if $(LIMITSERVER),-limitserver $(LIMITSERVER)) $(LOADTEST_ARGS)

# syncbench: a header sync between two node processes on loopback, plain
# and presynced (-minimumchainwork at half the chain); SYNC_ARGS adds
# loadgen headersync flags (-profiles DIR keeps the heap profiles).
SYNC_HEADERS ?= 1000000

syncbench: build ## SYNC_HEADERS (1,000,000) regtest headers synced node to node: time, heap and RSS per header
	$(GO) build -o $(BIN)/loadgen ./actors/loadgen/cmd/loadgen
	./$(BIN)/loadgen headersync -node $(BIN)/actornode -n $(SYNC_HEADERS) $(SYNC_ARGS)

sim: ## SIM_PEERS (100,000) simulated peers over the in-memory network: memory per peer, messages/s
	$(GO) run ./actors/loadgen/cmd/loadgen sim -n $(SIM_PEERS)

fuzz: ## run the codec and framing fuzz targets for FUZZTIME each (CI: FUZZTIME=5s)
	@set -e; for t in $(FUZZ); do pkg=$${t%%:*}; f=$${t##*:}; \
	  echo "fuzz $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f\$$" -fuzztime=$(FUZZTIME) $$pkg; done
	cd $(WIREDIFF) && $(GO) test -run='^$$' -fuzz='^FuzzDifferential$$' -fuzztime=$(FUZZTIME) .

fuzzall: ## fuzz every target, those of make fuzz and the slower ones, for FUZZTIME each
	@set -e; for t in $(FUZZ) $(FUZZMORE); do pkg=$${t%%:*}; f=$${t##*:}; \
	  echo "fuzz $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f\$$" -fuzztime=$(FUZZTIME) $$pkg; done

lint: $(STATICCHECK) ## gofmt, go vet and staticcheck (changes nothing)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)
	cd $(WIREDIFF) && $(GO) vet ./... && $(STATICCHECK) ./...

demo: build ## three regtest nodes on loopback that find each other and ping
	./$(BIN)/actornode demo

tools: $(BTCD) $(STATICCHECK) ## install the tools the tests use (btcd, staticcheck)

$(BTCD):
	GOBIN=$(GOBIN) $(GO) install github.com/btcsuite/btcd@$(BTCD_VER)

$(STATICCHECK):
	GOBIN=$(GOBIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VER)

bcoin: $(BCOIN_DIR)/.built ## install bcoin (npm) for the interop tests into bin/bcoin; they skip without it

# npm ci --ignore-scripts installs the locked packages and builds nothing:
# bcoin's native add-ons fall back to JavaScript, except mrmr, which node-gyp
# builds here from source against the headers Node.js installed (nodedir),
# downloading nothing. leveldown (overridden to 6.1.1, as bcoin's 4 does not
# build on Node.js 20) stays unbuilt: the tests keep bcoin's chain in memory.
$(BCOIN_DIR)/.built: testdata/bcoin/package.json testdata/bcoin/package-lock.json testdata/bcoin/loopback.js
	@command -v $(NODE) >/dev/null && command -v $(NPM) >/dev/null || { echo "make bcoin needs node and npm"; exit 1; }
	@nodedir=$$(dirname $$(dirname $$(readlink -f $$(command -v $(NODE))))); \
	  test -f $$nodedir/include/node/node_api.h || { echo "make bcoin needs Node.js's headers in $$nodedir/include/node"; exit 1; }
	rm -rf $(BCOIN_DIR)
	mkdir -p $(BCOIN_DIR)
	cp testdata/bcoin/package.json testdata/bcoin/package-lock.json testdata/bcoin/loopback.js $(BCOIN_DIR)/
	cd $(BCOIN_DIR) && $(NPM) ci --ignore-scripts --no-audit --no-fund --loglevel=error
	nodedir=$$(dirname $$(dirname $$(readlink -f $$(command -v $(NODE))))); \
	  cd $(BCOIN_DIR)/node_modules/mrmr && \
	  $(NODE) $$($(NPM) root -g)/npm/node_modules/node-gyp/bin/node-gyp.js rebuild --nodedir=$$nodedir --loglevel=error >build.log 2>&1 \
	  || { cat build.log; exit 1; }
	cd $(BCOIN_DIR) && $(NODE) -r ./loopback.js node_modules/bcoin/bin/node --version >/dev/null
	touch $@

clean: ## remove what the build made
	rm -rf $(BIN) data
