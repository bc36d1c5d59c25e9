package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A sealer makes request states (SEP-2322) a client cannot forge or alter:
// the state a server hands out travels through the client and comes back
// with the retry, so it is signed with a key only this process knows, and
// names the tool it is for and when it stops being good. It is signed, not
// encrypted: the client may read it. A restarted server refuses the states
// its earlier self handed out.
type sealer struct{ key []byte }

const stateLifetime = 10 * time.Minute

func newSealer() *sealer {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(err)
	}
	return &sealer{key: key}
}

type sealedState struct {
	For     string          `json:"for"`
	Expires int64           `json:"exp"`
	Data    json.RawMessage `json:"data"`
}

func (s *sealer) mac(b []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(b)
	return m.Sum(nil)
}

func (s *sealer) seal(name string, data any) string {
	d, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	body, _ := json.Marshal(sealedState{For: name, Expires: time.Now().Add(stateLifetime).Unix(), Data: d})
	enc := base64.RawURLEncoding
	return enc.EncodeToString(body) + "." + enc.EncodeToString(s.mac(body))
}

// open checks a state sealed for name and decodes its data into v. Any
// failure is the client's: invalid params.
func (s *sealer) open(name, state string, v any) error {
	enc := base64.RawURLEncoding
	b64body, b64sig, _ := strings.Cut(state, ".")
	body, err1 := enc.DecodeString(b64body)
	sig, err2 := enc.DecodeString(b64sig)
	if err := errors.Join(err1, err2); err != nil || !hmac.Equal(sig, s.mac(body)) {
		return badState("it fails its integrity check")
	}
	var st sealedState
	if err := json.Unmarshal(body, &st); err != nil {
		return badState("it does not decode")
	}
	if st.For != name {
		return badState("it was issued for " + st.For)
	}
	if time.Now().Unix() > st.Expires {
		return badState("it has expired")
	}
	if err := json.Unmarshal(st.Data, v); err != nil {
		return badState("its data does not decode")
	}
	return nil
}

func badState(why string) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid requestState: " + why}
}

// answeredAll opens the state a tool sealed with the keys it asked for, and
// tells whether the retry answers every one. No state means nothing was asked.
func answeredAll(seals *sealer, name string, p *mcp.CallToolParamsRaw) (bool, error) {
	if p.RequestState == "" {
		return false, nil
	}
	var asked []string
	if err := seals.open(name, p.RequestState, &asked); err != nil {
		return false, err
	}
	return !slices.ContainsFunc(asked, func(k string) bool { return p.InputResponses[k] == nil }), nil
}

func askAndSeal(seals *sealer, name string, reqs mcp.InputRequestMap) *mcp.CallToolResult {
	return inputRequired(reqs, seals.seal(name, slices.Sorted(maps.Keys(reqs))))
}
