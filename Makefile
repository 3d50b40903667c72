# actornode: make help lists the targets.

GO        ?= go
GOBIN     ?= $(shell $(GO) env GOPATH)/bin
BIN       ?= bin
BTCD_VER  ?= v0.26.2
STATICCHECK_VER ?= 2026.2.2
BTCD      ?= $(GOBIN)/btcd
STATICCHECK ?= $(GOBIN)/staticcheck
# Packages with concurrency run under the race detector.
PKGS      := ./...
FUZZTIME  ?= 30s

.PHONY: help build run test race bench fuzz lint demo tools clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

build: ## build the node binary into bin/actornode
	$(GO) build -o $(BIN)/actornode .

run: build ## run a mainnet node from config.yaml (Ctrl-C stops it)
	./$(BIN)/actornode -config=config.yaml $(ARGS)

test: $(BTCD) ## run every test (vet, unit, race, interop with btcd)
	$(GO) vet $(PKGS)
	BTCD=$(BTCD) $(GO) test -race -count=1 -timeout 8m $(PKGS)

race: ## run the tests under the race detector, twice, shuffled
	$(GO) test -race -count=2 -shuffle=on -timeout 15m $(PKGS)

bench: ## run the benchmarks with allocations
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

fuzz: ## run every fuzz target for FUZZTIME each
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

lint: $(STATICCHECK) ## gofmt, go vet and staticcheck (changes nothing)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)

demo: build ## three regtest nodes on loopback that find each other and ping
	./$(BIN)/actornode demo

tools: $(BTCD) $(STATICCHECK) ## install the tools the tests use (btcd, staticcheck)

$(BTCD):
	GOBIN=$(GOBIN) $(GO) install github.com/btcsuite/btcd@$(BTCD_VER)

$(STATICCHECK):
	GOBIN=$(GOBIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VER)

clean: ## remove what the build made
	rm -rf $(BIN) data
