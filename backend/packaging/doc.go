// Package packaging holds the tests of how Bulkhead ships: the Docker
// Desktop extension image (Dockerfile, metadata.json, compose.yaml and
// docker.svg at the repository root), built as `make extension` builds it,
// and run as Docker Desktop runs it.
package packaging
