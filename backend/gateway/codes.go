package gateway

import (
	"errors"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// The JSON-RPC error codes clients get from the gateway. A server's own
// JSON-RPC errors pass through with their codes; the SDK answers unknown
// methods (-32601) and bad parameters (-32602). docs/errors.md lists these
// for client authors, and a test keeps the two in step.
const (
	// CodeParseError: a line on stdio that is not JSON.
	CodeParseError = -32700
	// CodeInvalidRequest: a line on stdio that is not one JSON-RPC object,
	// or is larger than MaxMessageBytes.
	CodeInvalidRequest = -32600
	// CodeInvalidParams: a request naming what no server offers.
	CodeInvalidParams = -32602
	// CodeInternal: the gateway could not do its own part (its state
	// database failed, say).
	CodeInternal = -32603
	// CodeWithheld: the tool or prompt is new or changed and waits for a
	// person's approval (bulkhead changes).
	CodeWithheld = -32010
	// CodeResultWithheld: the result held text aimed at the model or a
	// secret, and was blocked, or held and not released (bulkhead holds).
	CodeResultWithheld = -32011
	// CodeDeclined: policy, or a person, did not allow the call.
	CodeDeclined = -32012
	// CodeUnavailable: the server is stopped, blocked (its image or launch
	// spec changed, a secret is missing, a look-alike is unconfirmed),
	// cannot start, or the Docker Engine is away.
	CodeUnavailable = -32013
	// CodeServerFailed: the server ended, did not answer in time, or sent
	// a reply the gateway could not read.
	CodeServerFailed = -32014
)

// codeRejectedByTransport is the code the SDK gives a request its own
// transport could not deliver (an HTTP failure, say); the server never saw
// it, so it is not passed on as the server's.
const codeRejectedByTransport = -32005

// coded gives err a JSON-RPC code, keeping its message; an error that
// carries a code already keeps that one.
func coded(code int64, err error) error {
	var wire *jsonrpc.Error
	if err == nil || errors.As(err, &wire) {
		return err
	}
	return &jsonrpc.Error{Code: code, Message: err.Error()}
}
