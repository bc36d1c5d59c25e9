# Bulkhead. `make run` and `make test` do all set-up on a fresh machine.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/bulkhead
PKGS    := ./... ./testdata/servers/...

.PHONY: run build test lint engine ui browser screenshots clean help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: engine build ## build bulkhead, check the set-up and show the catalog
	$(BIN) doctor
	$(BIN) catalog ls
	@echo
	@echo "Ready. Point an MCP client at a sandboxed server, for example:"
	@echo "  {\"command\": \"$(CURDIR)/$(BIN)\", \"args\": [\"run\", \"time\"]}"

build: ui ## build the static bulkhead binary (with the web UI) into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w -X main.version=$(VERSION)' -o $(BIN) ./backend/cmd/bulkhead

test: engine browser ui lint ## lint, then unit, real-engine and browser tests (race detector on)
	$(GO) test -race -count=1 $(PKGS)

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l backend testdata ui/embed.go); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

ui: ui/node_modules/.package-lock.json ## build the web UI into ui/dist/app, which the binary embeds
	cd ui && npm run build

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

browser: ## make sure Debian's Chromium is there for the browser tests
	scripts/ensure-chromium

screenshots: engine browser ui ## refresh the screenshots in docs/screenshots from the browser tests
	SHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestUI ./backend/cmd/bulkhead

engine: ## make sure a Docker Engine answers (installs docker.io on Debian if needed)
	scripts/ensure-docker

clean: ## remove build output
	rm -rf bin ui/dist/app
