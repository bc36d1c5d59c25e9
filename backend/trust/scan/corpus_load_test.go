package scan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The corpus (testdata/corpus, see its README): definitions and results,
// poisoned or honest, each held out from training or not.

const corpusDir = "testdata/corpus"

// heldOut reports whether a case (or a recorded server) is kept from the
// scorer's training: three in ten, by the hash of its id.
func heldOut(id string) bool {
	h := uint32(2166136261) // FNV-1a, 32 bits
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return h%10 < 3
}

// defCase is one definition of the corpus.
type defCase struct {
	id, family, lang, file string
	kind                   string // tool, prompt, resource, resource-template or instructions
	server                 string // the recorded server it is from
	siblings               []string
	def                    any // decoded JSON; for instructions, the text
	poisoned, heldOut      bool
}

// resultCase is one result text of the corpus.
type resultCase struct {
	id, family, lang, file string
	text                   string
	injected, heldOut      bool
}

type corpus struct {
	defs         []defCase
	results      []resultCase
	others       map[string]string // tool -> server, of others.yaml
	descriptions map[string]string // tool -> description, of others.yaml and the recorded servers
	// contexts are those of the recorded servers, made once each.
	contexts map[string]*Context
}

type yamlCase struct {
	ID         string   `yaml:"id"`
	Family     string   `yaml:"family"`
	Lang       string   `yaml:"lang"`
	Kind       string   `yaml:"kind"`
	Expect     []string `yaml:"expect"`
	Siblings   []string `yaml:"siblings"`
	Definition any      `yaml:"definition"`
	Text       *string  `yaml:"text"`
}

// recording is what recordcorpus writes for one server.
type recording struct {
	Server            string            `json:"server"`
	Instructions      string            `json:"instructions"`
	Tools             []json.RawMessage `json:"tools"`
	Prompts           []json.RawMessage `json:"prompts"`
	Resources         []json.RawMessage `json:"resources"`
	ResourceTemplates []json.RawMessage `json:"resourceTemplates"`
}

func loadCorpusT(t testing.TB) *corpus {
	t.Helper()
	c, err := loadCorpusDir(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func loadCorpusDir(dir string) (*corpus, error) {
	c := &corpus{others: map[string]string{}}
	seen := map[string]string{}
	unique := func(id, file string) error {
		if id == "" {
			return errorf("%s: an entry has no id", file)
		}
		if prev, ok := seen[id]; ok {
			return errorf("%s: id %q is used in %s too", file, id, prev)
		}
		seen[id] = file
		return nil
	}
	files := func(pattern string) []string {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		return m
	}
	for _, spec := range []struct {
		pattern      string
		bad, results bool
	}{
		{"poisoned/*.yaml", true, false}, {"honest/written*.yaml", false, false},
		{"injected/*.yaml", true, true}, {"honest/results/*.yaml", false, true},
	} {
		for _, path := range files(spec.pattern) {
			cases, err := readYAMLCases(path)
			if err != nil {
				return nil, err
			}
			base := strings.TrimSuffix(filepath.Base(path), ".yaml")
			for _, e := range cases {
				if err := unique(e.ID, path); err != nil {
					return nil, err
				}
				family := e.Family
				if family == "" && len(e.Expect) > 0 {
					family = e.Expect[0]
				}
				if family == "" {
					family = base
				}
				if spec.results {
					if e.Text == nil {
						return nil, errorf("%s: %s: a result needs text", path, e.ID)
					}
					c.results = append(c.results, resultCase{id: e.ID, family: family, lang: e.Lang, file: base, text: *e.Text, injected: spec.bad, heldOut: heldOut(e.ID)})
					continue
				}
				def, err := asJSON(e.Definition)
				if err != nil || def == nil {
					return nil, errorf("%s: %s: a definition is needed (%v)", path, e.ID, err)
				}
				c.defs = append(c.defs, defCase{id: e.ID, family: family, lang: e.Lang, file: base, kind: orTool(e.Kind),
					siblings: e.Siblings, def: def, poisoned: spec.bad, heldOut: heldOut(e.ID)})
			}
		}
	}
	descriptions := map[string]string{} // of the recorded servers' tools
	for _, path := range files("honest/servers/*.json") {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var r recording
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, errorf("%s: %v", path, err)
		}
		server := strings.TrimSuffix(filepath.Base(path), ".json")
		var names []string
		for _, raw := range r.Tools {
			var n struct{ Name, Description string }
			json.Unmarshal(raw, &n)
			names = append(names, n.Name)
			if _, ok := descriptions[n.Name]; !ok {
				descriptions[n.Name] = n.Description
			}
		}
		add := func(kind string, raws []json.RawMessage) error {
			for i, raw := range raws {
				var def any
				if err := json.Unmarshal(raw, &def); err != nil {
					return errorf("%s: %v", path, err)
				}
				name, _ := def.(map[string]any)["name"].(string)
				id := server + "/" + kind + "/" + name
				if name == "" || seen[id] != "" {
					id += "#" + string(rune('0'+i%10))
				}
				seen[id] = path
				c.defs = append(c.defs, defCase{id: id, family: "server", kind: kind, server: server, file: "servers",
					siblings: names, def: def, heldOut: heldOut(server)})
			}
			return nil
		}
		for _, k := range []struct {
			kind string
			raws []json.RawMessage
		}{{"tool", spread(r.Tools)}, {"prompt", spread(r.Prompts)}, {"resource", spread(r.Resources)}, {"resource-template", spread(r.ResourceTemplates)}} {
			if err := add(k.kind, k.raws); err != nil {
				return nil, err
			}
		}
		if r.Instructions != "" {
			c.defs = append(c.defs, defCase{id: server + "/instructions", family: "server", kind: "instructions", server: server,
				file: "servers", def: r.Instructions, heldOut: heldOut(server)})
		}
	}
	recorded := descriptions
	others, descriptions, err := readOthers(filepath.Join(dir, "others.yaml"))
	if err != nil {
		return nil, err
	}
	c.others, c.descriptions = others, descriptions
	for name, desc := range recorded {
		if _, ok := c.descriptions[name]; !ok {
			c.descriptions[name] = desc
		}
	}
	return c, nil
}

// perServer is the most definitions of a kind taken from one recorded
// server, spread over its list: servers generated from an API spec list
// hundreds of near-identical tools, which would otherwise outweigh every
// other server in the rates.
const perServer = 60

func spread(raws []json.RawMessage) []json.RawMessage {
	if len(raws) <= perServer {
		return raws
	}
	out := make([]json.RawMessage, perServer)
	for i := range out {
		out[i] = raws[i*len(raws)/perServer]
	}
	return out
}

func orTool(kind string) string {
	if kind == "" {
		return "tool"
	}
	return kind
}

func readYAMLCases(path string) ([]yamlCase, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cases []yamlCase
	if err := yaml.Unmarshal(b, &cases); err != nil {
		return nil, errorf("%s: %v", path, err)
	}
	return cases, nil
}

// asJSON gives a YAML value the types the gateway has: decoded from JSON.
func asJSON(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(doc, &out)
}

func readOthers(path string) (tools, descriptions map[string]string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var list []struct{ Server, Name, Description string }
	if err := yaml.Unmarshal(b, &list); err != nil {
		return nil, nil, errorf("%s: %v", path, err)
	}
	out, descriptions := map[string]string{}, map[string]string{}
	for _, o := range list {
		out[o.Name] = o.Server
		descriptions[o.Name] = o.Description
	}
	return out, descriptions, nil
}

// contextFor is what a definition of the corpus is judged against: for a
// recorded server, every other recorded server's tools and others.yaml;
// for a written case, others.yaml.
func (c *corpus) contextFor(d defCase, servers map[string]map[string]string) *Context {
	if d.server == "" {
		return NewContext(c.others).WithSiblings(d.siblings).WithDescriptions(c.descriptions)
	}
	if ctx, ok := c.contexts[d.server]; ok {
		return ctx
	}
	if c.contexts == nil {
		c.contexts = map[string]*Context{}
	}
	own := map[string]bool{}
	for _, n := range d.siblings {
		own[n] = true
	}
	descriptions := map[string]string{}
	for name, desc := range c.descriptions {
		if _, ok := servers[d.server][name]; ok && !own[name] {
			descriptions[name] = desc
		}
	}
	c.contexts[d.server] = NewContext(servers[d.server]).WithSiblings(d.siblings).WithDescriptions(descriptions)
	return c.contexts[d.server]
}

// otherServers maps each recorded server to the tools of all the others
// and of others.yaml (tool -> one server that has it).
func (c *corpus) otherServers() map[string]map[string]string {
	owners := map[string][]string{} // tool -> its servers
	for name, server := range c.others {
		owners[name] = append(owners[name], server)
	}
	servers := map[string]bool{}
	for _, d := range c.defs {
		if d.server != "" && d.kind == "tool" {
			name, _ := d.def.(map[string]any)["name"].(string)
			owners[name] = append(owners[name], d.server)
			servers[d.server] = true
		}
	}
	out := map[string]map[string]string{}
	for s := range servers {
		m := map[string]string{}
		for name, list := range owners {
			for _, owner := range list {
				if owner != s {
					m[name] = owner
					break
				}
			}
		}
		out[s] = m
	}
	return out
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// scanDef scans one corpus definition as the gateway would.
func scanDef(d defCase, ctx *Context) []Finding {
	if d.kind == "instructions" {
		return Text("instructions", d.def.(string), ctx)
	}
	return Definition(d.def, ctx)
}
