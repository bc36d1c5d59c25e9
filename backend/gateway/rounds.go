//lint:file-ignore SA1019 roots and sampling are deprecated from MCP 2026-07-28 (SEP-2577), yet still what servers ask for; this file passes them on.

package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
)

// From 2026-07-28 a server asks its client for input (a question for the
// user, a request for the model, the roots) by ending a request with input
// requests; the client sends the request again with its answers and the
// server's request state ("multi-round trip"). The gateway screens every
// question. To a client of that revision it passes them on, sealing the
// server's state with what the request was, so a retry can only continue
// that request; for a client of an earlier revision it asks them itself,
// mid-request as that revision allows, and sends the request again.

// maxRounds bounds the rounds of one request, as the SDK's own client
// bounds those it runs.
const maxRounds = 10

// sealLife is how long the rounds of one request may take in all.
const sealLife = 10 * time.Minute

// sealed is what a round's request state stands for: the request it
// continues and, for a tool call, the decision already made on it, so the
// answer is not held or decided a second time.
type sealed struct {
	Server  string `json:"s"`
	Method  string `json:"m"`
	Name    string `json:"n"`  // the tool or prompt, or the resource's URI
	Args    string `json:"a"`  // digest of the arguments the client sent
	State   string `json:"st"` // the server's own request state
	Expires int64  `json:"e"`  // set at the first round: a request's rounds end together
	Round   int    `json:"r"`
	// The decision on a tool call, as policy made it, on the arguments the
	// seal binds (a held call's are the client's, or it is denied).
	Decision   string `json:"d,omitempty"`
	DecidedBy  string `json:"b,omitempty"`
	ApprovalID int64  `json:"i,omitempty"`
}

// requestSeal is the part of a seal that names the request it continues.
func requestSeal(server, method, name string, args json.RawMessage) sealed {
	return sealed{Server: server, Method: method, Name: name, Args: policy.ArgsHash(args)}
}

// needsOf is a result's input requests when it asks for input (an empty
// map, not nil, when it asks to be sent again with none), else nil. A
// result with input requests asks for input whatever its resultType says,
// as the SDK reads it when it answers the client.
func needsOf(needsInput bool, needs mcp.InputRequestMap) mcp.InputRequestMap {
	if !needsInput && needs == nil {
		return nil
	}
	if needs == nil {
		needs = mcp.InputRequestMap{}
	}
	return needs
}

// argsOf is a prompt's arguments as a request's seal binds them.
func argsOf(args map[string]string) json.RawMessage {
	b, _ := json.Marshal(args)
	return b
}

func (s sealed) sameRequest(o sealed) bool {
	return s.Server == o.Server && s.Method == o.Method && s.Name == o.Name && s.Args == o.Args
}

// decision is the decision a seal carries, as made on the first round, on
// args, the arguments it binds.
func (s sealed) decision(args json.RawMessage) policy.Outcome {
	return policy.Outcome{Allowed: true, Arguments: args, Decision: s.Decision, DecidedBy: s.DecidedBy, ApprovalID: s.ApprovalID}
}

// outcome is that decision as a later round is audited with it: said to
// be a continuation, so no row reads as a second decision.
func (s sealed) outcome(args json.RawMessage) policy.Outcome {
	out := s.decision(args)
	out.DecidedBy = fmt.Sprintf("bulkhead: round %d of a call decided by %s", s.Round+1, s.DecidedBy)
	return out
}

// errBadState is what a retry whose request state the gateway did not
// issue for it, or that expired or was used, gets: the spec's code for it.
var errBadState = &jsonrpc.Error{Code: CodeInvalidParams, Message: "requestState was not issued by this gateway for this request, has expired or was already used: send the request again without inputResponses or requestState"}

// seal encrypts s for the client to echo, under a key of this gateway
// process (AES-GCM: what the client cannot read it cannot change either).
// Its nonce names it, so it is used once.
func (g *Gateway) seal(s sealed) (string, error) {
	if s.Expires == 0 {
		s.Expires = time.Now().Add(sealLife).Unix()
	}
	s.Round++
	body, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.sealer.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(g.sealer.Seal(nonce, nonce, body, nil)), nil
}

// unseal checks that token is a seal this gateway issued for the request
// want names, still fresh and not used before, and uses it up.
func (g *Gateway) unseal(token string, want sealed) (sealed, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	n := g.sealer.NonceSize()
	if err != nil || len(raw) < n {
		return sealed{}, errBadState
	}
	nonce := string(raw[:n])
	body, err := g.sealer.Open(nil, raw[:n], raw[n:], nil)
	var s sealed
	if err != nil || json.Unmarshal(body, &s) != nil || !s.sameRequest(want) {
		return sealed{}, errBadState
	}
	now := time.Now().Unix()
	g.mu.Lock()
	defer g.mu.Unlock()
	for n, exp := range g.usedSeals {
		if exp < now {
			delete(g.usedSeals, n)
		}
	}
	if s.Expires < now || g.usedSeals[nonce] != 0 {
		return sealed{}, errBadState
	}
	g.usedSeals[nonce] = s.Expires
	return s, nil
}

// resume reads a retry's request state: the seal it names, or none for a
// first round. Answers without the gateway's state are refused: they
// answer no question the gateway passed on.
func (g *Gateway) resume(state string, answers mcp.InputResponseMap, want sealed) (*sealed, error) {
	if state == "" {
		if len(answers) > 0 {
			return nil, errBadState
		}
		return nil, nil
	}
	s, err := g.unseal(state, want)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// send is one round of a request to a server: sent with the answers and
// state of the round before (none on the first), it returns the input
// the server still needs (nil once it has answered) and its state.
type send func(answers mcp.InputResponseMap, state string) (needs mcp.InputRequestMap, next string, err error)

// rounds runs a request that a server may answer with input requests,
// starting from the client's answers to the round resumed, if any. For a
// client of the stateless revision it returns the server's next
// questions, screened, with the state to send them back with; for an
// earlier client it asks them itself until the server answers. out is the
// seal's template: the request and, for a tool call, its decision; the
// deadline, count of rounds and server's state come from the round resumed.
func (g *Gateway) rounds(ctx context.Context, d *downstream, ss *mcp.ServerSession, out sealed, resumed *sealed, answers mcp.InputResponseMap, round send) (mcp.InputRequestMap, string, error) {
	var state string
	if resumed != nil {
		out.Expires, out.Round, state = resumed.Expires, resumed.Round, resumed.State
	}
	for n := 1; ; n++ {
		needs, next, err := round(answers, state)
		if err != nil || needs == nil {
			return nil, "", err
		}
		if err := g.screenQuestions(ctx, d, needs); err != nil {
			return nil, "", err
		}
		if stateless(ss) {
			if out.Round >= maxRounds {
				return nil, "", fmt.Errorf("server %q asked for input %d times in one request; the gateway stops there", d.name, maxRounds)
			}
			out.State = next
			sealedState, err := g.seal(out)
			return needs, sealedState, err
		}
		switch {
		case len(needs) == 0:
			return nil, "", fmt.Errorf("server %q is busy (it asked for no input and to be asked again): try again later", d.name)
		case n == maxRounds:
			return nil, "", fmt.Errorf("server %q asked for input %d times in one request; the gateway stops there", d.name, maxRounds)
		}
		if answers, err = ask(ctx, ss, needs); err != nil {
			return nil, "", err
		}
		state = next
	}
}

// screenQuestions screens every text of what a server asks the user or
// the model, each question whole as it would reach the client (message,
// schema, URL, messages, tools offered to the model, _meta), and refuses a
// kind of question the gateway does not know.
func (g *Gateway) screenQuestions(ctx context.Context, d *downstream, needs mcp.InputRequestMap) error {
	for id, q := range needs {
		var subject string
		switch q.(type) {
		case *mcp.ListRootsParams:
			continue // the client's own roots; nothing of the server's
		case *mcp.ElicitParams:
			subject = "question for the user (elicitation)"
		case *mcp.CreateMessageParams, *mcp.CreateMessageWithToolsParams:
			subject = "request for the client's model (sampling)"
		default:
			return fmt.Errorf("server %q asked for input of a kind the gateway does not pass on (%T)", d.name, q)
		}
		raw, err := json.Marshal(q)
		if err != nil {
			return err
		}
		var tree any
		if err := json.Unmarshal(raw, &tree); err != nil {
			return err
		}
		if err := g.screen(ctx, d, subject, structuredSlots(tree)); err != nil {
			return err
		}
		if screened, _ := json.Marshal(tree); !bytes.Equal(screened, raw) {
			if needs[id], err = remade(q, screened); err != nil {
				return err
			}
		}
	}
	return nil
}

// remade is a question of q's kind read from its screened JSON.
func remade(q mcp.InputRequest, screened []byte) (mcp.InputRequest, error) {
	var out mcp.InputRequest
	switch q.(type) {
	case *mcp.ElicitParams:
		out = &mcp.ElicitParams{}
	case *mcp.CreateMessageParams:
		out = &mcp.CreateMessageParams{}
	default:
		out = &mcp.CreateMessageWithToolsParams{}
	}
	return out, json.Unmarshal(screened, out)
}

// ask puts a round's questions to a client of an earlier revision, each as
// the request that revision has for it, and collects the answers.
func ask(ctx context.Context, ss *mcp.ServerSession, needs mcp.InputRequestMap) (mcp.InputResponseMap, error) {
	answers := mcp.InputResponseMap{}
	for id, q := range needs {
		var a mcp.InputResponse
		var err error
		switch p := q.(type) {
		case *mcp.ElicitParams:
			a, err = ss.Elicit(ctx, p)
		case *mcp.CreateMessageWithToolsParams:
			a, err = createMessage(ctx, ss, p)
		case *mcp.CreateMessageParams:
			a, err = ss.CreateMessage(ctx, p)
		case *mcp.ListRootsParams:
			a, err = ss.ListRoots(ctx, p)
		default:
			err = fmt.Errorf("unknown kind of input request %T", q)
		}
		if err != nil {
			return nil, fmt.Errorf("asking the client for input %q: %w", id, err)
		}
		answers[id] = a
	}
	return answers, nil
}

// createMessage asks for a sampling: with tools where the server offers
// the model some, else as the plain request every revision has.
func createMessage(ctx context.Context, ss *mcp.ServerSession, p *mcp.CreateMessageWithToolsParams) (mcp.InputResponse, error) {
	if len(p.Tools) > 0 {
		return ss.CreateMessageWithTools(ctx, p)
	}
	plain := &mcp.CreateMessageParams{Meta: p.Meta, IncludeContext: p.IncludeContext, MaxTokens: p.MaxTokens, Metadata: p.Metadata,
		ModelPreferences: p.ModelPreferences, StopSequences: p.StopSequences, SystemPrompt: p.SystemPrompt, Temperature: p.Temperature}
	for _, m := range p.Messages {
		if len(m.Content) != 1 {
			return nil, errors.New("a sampling message with several contents needs a client that samples with tools")
		}
		plain.Messages = append(plain.Messages, &mcp.SamplingMessage{Role: m.Role, Content: m.Content[0]})
	}
	return ss.CreateMessage(ctx, plain)
}
