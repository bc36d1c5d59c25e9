// Package policy decides what an agent's tool calls may do: allow, ask a
// person, or deny, from the rules a person set, an administrator's policy
// and safe defaults; and holds the calls that ask until a person decides.
package policy

import (
	"fmt"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// Action is what happens to a call.
type Action string

const (
	Allow Action = "allow"
	Ask   Action = "ask"
	Deny  Action = "deny"
)

// ParseAction reads an action a person typed.
func ParseAction(s string) (Action, error) {
	switch a := Action(s); a {
	case Allow, Ask, Deny:
		return a, nil
	}
	return "", fmt.Errorf("action %q: use allow, ask or deny", s)
}

// strictness orders actions: a stricter one wins where two apply.
func (a Action) strictness() int {
	switch a {
	case Allow:
		return 0
	case Ask:
		return 1
	}
	return 2
}

// Tool is what a decision knows of the tool called.
type Tool struct {
	Server string
	Name   string
	// Approved: the server is verified, or a person approved this tool's
	// definition (whatever the scanner found in it: a flagged definition
	// reaches clients only once a person approved it). Only then may
	// annotations soften a default.
	Approved    bool
	ReadOnly    bool // annotations.readOnlyHint
	Destructive bool // annotations.destructiveHint (true when unset, per the spec)
}

// Verdict is a decision and why.
type Verdict struct {
	Action Action
	Why    string
}

// Decide applies, in order: the most specific rule a person set (exact
// arguments, then the tool, then the server), else the defaults (allow a
// read-only, non-destructive tool of an approved server; ask for
// everything else); then the administrator's rules, which
// can only make it stricter.
func Decide(admin Admin, rules []store.Rule, t Tool, argsHash string) Verdict {
	v := defaultVerdict(t)
	if r, ok := personRule(rules, t, argsHash); ok {
		v = Verdict{Action(r.Action), personWhy(r)}
	}
	if a, ok := admin.rule(t.Server, t.Name); ok && a.Action.strictness() > v.Action.strictness() {
		v = Verdict{a.Action, "the administrator's policy " + a.Action.verb() + " it"}
	}
	return v
}

func defaultVerdict(t Tool) Verdict {
	if t.Approved && t.ReadOnly && !t.Destructive {
		return Verdict{Allow, "a read-only tool of an approved server"}
	}
	return Verdict{Ask, "no rule is set for it, so a person decides"}
}

func personRule(rules []store.Rule, t Tool, argsHash string) (store.Rule, bool) {
	var best store.Rule
	rank := 0
	for _, r := range rules {
		if r.Server != t.Server {
			continue
		}
		n := 0
		switch {
		case r.Tool == t.Name && r.ArgsHash != "" && r.ArgsHash == argsHash:
			n = 3
		case r.Tool == t.Name && r.ArgsHash == "":
			n = 2
		case r.Tool == "" && r.ArgsHash == "":
			n = 1
		}
		if n > rank {
			best, rank = r, n
		}
	}
	return best, rank > 0
}

func personWhy(r store.Rule) string {
	what := "server " + r.Server
	switch {
	case r.ArgsHash != "":
		what = "tool " + r.Tool + " with these exact arguments"
	case r.Tool != "":
		what = "tool " + r.Tool
	}
	return fmt.Sprintf("%s's rule for %s: %s", r.SetBy, what, r.Action)
}

func (a Action) verb() string {
	switch a {
	case Deny:
		return "denies"
	case Ask:
		return "asks a person for"
	}
	return "allows"
}
