# Bulkhead. `make run` and `make test` do all set-up on a fresh machine.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/bulkhead
PKGS    := ./... ./testdata/servers/...

.PHONY: run build test lint engine clean help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

run: engine build ## build bulkhead, check the set-up and show the catalog
	$(BIN) doctor
	$(BIN) catalog ls
	@echo
	@echo "Ready. Point an MCP client at a sandboxed server, for example:"
	@echo "  {\"command\": \"$(CURDIR)/$(BIN)\", \"args\": [\"run\", \"time\"]}"

build: ## build the static bulkhead binary into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w -X main.version=$(VERSION)' -o $(BIN) ./backend/cmd/bulkhead

test: engine lint ## lint, then unit and real-engine integration tests (race detector on)
	$(GO) test -race -count=1 $(PKGS)

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l backend testdata); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

engine: ## make sure a Docker Engine answers (installs docker.io on Debian if needed)
	scripts/ensure-docker

clean: ## remove build output
	rm -rf bin
