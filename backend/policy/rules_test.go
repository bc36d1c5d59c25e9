package policy

import (
	"encoding/json"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

func TestDecide(t *testing.T) {
	hash := ArgsHash(json.RawMessage(`{"path":"/a"}`))
	tool := Tool{Server: "fs", Name: "read", Destructive: true}
	readOnly := Tool{Server: "fs", Name: "read", ReadOnly: true}
	approvedReadOnly := Tool{Server: "fs", Name: "read", ReadOnly: true, Approved: true}
	rule := func(tool, args, action string) store.Rule {
		return store.Rule{Server: "fs", Tool: tool, ArgsHash: args, Action: action, SetBy: "user me"}
	}
	var noAdmin Admin
	denyAll := Admin{Tools: []AdminRule{{Server: "*", Tool: "*", Action: Deny}}}
	askFS := Admin{Tools: []AdminRule{{Server: "fs", Action: Ask}}}
	cases := []struct {
		name  string
		admin Admin
		rules []store.Rule
		tool  Tool
		args  string
		want  Action
	}{
		{"a new server asks", noAdmin, nil, tool, hash, Ask},
		{"annotations alone do not soften an unapproved server", noAdmin, nil, readOnly, hash, Ask},
		{"a read-only tool of an approved server is allowed", noAdmin, nil, approvedReadOnly, hash, Allow},
		{"a read-only but destructive tool still asks", noAdmin, nil, Tool{Server: "fs", Name: "read", ReadOnly: true, Destructive: true, Approved: true}, hash, Ask},
		{"annotations never override a person's ask", noAdmin, []store.Rule{rule("", "", "ask")}, approvedReadOnly, hash, Ask},
		{"the tool rule beats the server rule", noAdmin, []store.Rule{rule("", "", "deny"), rule("read", "", "allow")}, tool, hash, Allow},
		{"exact arguments beat the tool rule", noAdmin, []store.Rule{rule("read", "", "deny"), rule("read", hash, "allow")}, tool, hash, Allow},
		{"other arguments do not ride on an exact rule", noAdmin, []store.Rule{rule("read", hash, "allow")}, tool, ArgsHash(json.RawMessage(`{"path":"/b"}`)), Ask},
		{"another server's rule does not apply", noAdmin, []store.Rule{{Server: "other", Action: "allow"}}, tool, hash, Ask},
		{"the administrator's deny wins over a person's allow", denyAll, []store.Rule{rule("read", "", "allow")}, tool, hash, Deny},
		{"the administrator's ask wins over a person's allow", askFS, []store.Rule{rule("read", "", "allow")}, tool, hash, Ask},
		{"the administrator's ask does not loosen a person's deny", askFS, []store.Rule{rule("read", "", "deny")}, tool, hash, Deny},
		{"the administrator's ask wins over annotations", askFS, nil, approvedReadOnly, hash, Ask},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := Decide(c.admin, c.rules, c.tool, c.args)
			if v.Action != c.want || v.Why == "" {
				t.Errorf("Decide = %+v, want %s", v, c.want)
			}
		})
	}
}

func TestArgsHashIgnoresKeyOrderNotValues(t *testing.T) {
	a := ArgsHash(json.RawMessage(`{"b": 1, "a": [1, 2]}`))
	if a != ArgsHash(json.RawMessage(`{"a":[1,2],"b":1}`)) {
		t.Error("key order changed the hash")
	}
	for _, other := range []string{`{"a":[2,1],"b":1}`, `{"a":[1,2],"b":1.0}`, `{"a":[1,2],"b":"1"}`, `{"a":[1,2]}`} {
		if ArgsHash(json.RawMessage(other)) == a {
			t.Errorf("%s hashes like the original", other)
		}
	}
	if ArgsHash(nil) != ArgsHash(json.RawMessage(`{}`)) || ArgsHash(json.RawMessage(`null`)) != ArgsHash(nil) {
		t.Error("no arguments should hash as {}")
	}
}
