# Bulkhead's image: the static binary on an empty base. The Docker Desktop
# extension's labels, metadata and UI are added with the UI issue.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY backend backend
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/bulkhead ./backend/cmd/bulkhead

FROM scratch
COPY --from=build /out/bulkhead /bulkhead
USER 65534:65534
ENTRYPOINT ["/bulkhead"]
