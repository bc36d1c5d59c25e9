# Bulkhead's Docker Desktop extension image: the static bulkhead binary (the
# extension's backend, serving the API and the gateway on a socket), the
# web UI, metadata.json, compose.yaml and the icon, on an empty base.
#
#   docker build -t bulkhead/bulkhead-extension .          for users: builds
#       the UI and the binary in the node and golang stages below
#   make extension                                          without pulling
#       anything: builds them on this machine, then --target extension-local
#
# The stages for `make extension` come first and use only scratch, so the
# classic builder, which builds every stage before its target, pulls nothing.

FROM scratch AS extension-base
LABEL org.opencontainers.image.title="Bulkhead" \
      org.opencontainers.image.description="Run MCP servers in locked-down sandboxes: pinned, scanned, and asking you before an agent's tool call runs." \
      org.opencontainers.image.vendor="Bulkhead" \
      org.opencontainers.image.source="https://github.com/bulkhead-dev/bulkhead" \
      org.opencontainers.image.licenses="Apache-2.0" \
      com.docker.desktop.extension.api.version=">= 0.3.4" \
      com.docker.desktop.extension.icon="https://raw.githubusercontent.com/bulkhead-dev/bulkhead/main/docker.svg" \
      com.docker.extension.screenshots='[{"alt":"The catalog: verified servers, pinned images, permissions and one-click Start","url":"https://raw.githubusercontent.com/bulkhead-dev/bulkhead/main/docs/screenshots/catalog.png"},{"alt":"A held tool call waiting for your approval","url":"https://raw.githubusercontent.com/bulkhead-dev/bulkhead/main/docs/screenshots/approvals-allow_once.png"},{"alt":"A changed tool shown field by field before you approve it","url":"https://raw.githubusercontent.com/bulkhead-dev/bulkhead/main/docs/screenshots/changes.png"},{"alt":"The catalog in the dark theme","url":"https://raw.githubusercontent.com/bulkhead-dev/bulkhead/main/docs/screenshots/catalog-dark.png"}]' \
      com.docker.extension.detailed-description="<p>Bulkhead runs each MCP server your AI agent uses in its own sandbox: no network unless granted per host, no host files unless granted, a read-only root, no capabilities, a non-root user and resource limits.</p><p>It is the one MCP endpoint your clients connect to. It pins the image and every tool definition you approved and withholds anything that changes, scans definitions and results for hidden instructions and secrets, holds tool calls for your approval where policy says ask, and keeps an audit log.</p>" \
      com.docker.extension.publisher-url='[{"title":"Bulkhead on GitHub","url":"https://github.com/bulkhead-dev/bulkhead"}]' \
      com.docker.extension.additional-urls='[{"title":"Documentation","url":"https://github.com/bulkhead-dev/bulkhead#readme"},{"title":"Catalog format","url":"https://github.com/bulkhead-dev/bulkhead/blob/main/docs/catalog.md"}]' \
      com.docker.extension.changelog="<ul><li>Sandboxed MCP servers with pinned images, definitions and launch specs</li><li>Approval of tool calls, policy and audit log</li><li>Web UI: catalog, approvals, changes, audit, settings</li></ul>" \
      com.docker.extension.categories="security,utility-tools"
COPY metadata.json compose.yaml docker.svg /

FROM scratch AS local-artifacts
COPY build/extension/ /

FROM extension-base AS extension-local
COPY --from=local-artifacts /bulkhead /bulkhead
COPY --from=local-artifacts /ui /ui
ENTRYPOINT ["/bulkhead"]

FROM node:20 AS ui
WORKDIR /src/ui
COPY ui/package.json ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY ui ./
RUN npm run build

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY backend backend
COPY ui/embed.go ui/
COPY --from=ui /src/ui/dist ui/dist
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/bulkhead ./backend/cmd/bulkhead

FROM extension-base AS extension
COPY --from=build /out/bulkhead /bulkhead
COPY --from=ui /src/ui/dist/app /ui
ENTRYPOINT ["/bulkhead"]
