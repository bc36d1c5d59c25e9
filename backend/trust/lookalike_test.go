package trust

import (
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
)

func TestLookalikesOfVerifiedEntries(t *testing.T) {
	verified := []catalog.Entry{
		{Name: "time", Title: "Time", Image: "mcp/time:latest", Source: catalog.Source{Builtin: true}},
		{Name: "github-server", Title: "GitHub", Image: "ghcr.io/github/github-mcp-server:1", Source: catalog.Source{Builtin: true}},
	}
	user := func(name, title, image string) catalog.Entry {
		return catalog.Entry{Name: name, Title: title, Image: image, Source: catalog.Source{File: "c.yaml", Line: 3}}
	}
	cases := []struct {
		entry catalog.Entry
		want  string // "field:verified", or "" for none
	}{
		{user("tirne", "Clock", "acme/clock:1"), "name:time"},                                // rn drawn as m
		{user("tiem", "Clock", "acme/clock:1"), "name:time"},                                 // neighbours swapped
		{user("server-github", "Code", "acme/code:1"), "name:github-server"},                 // words reordered
		{user("clock", "TIME", "acme/clock:1"), "title:time"},                                // same title
		{user("clock", "Clock", "mcpp/time:latest"), "image:time"},                           // same repository, other namespace
		{user("code", "Code", "ghcr.io/github/github-mcp-servers:1"), "image:github-server"}, // a character more
		{user("weather", "Weather", "acme/weather:2"), ""},
		{user("notes", "Notes", "mcp/notes:1"), ""},
		{user("clock", "Clock", "mcp/time:latest"), ""}, // the verified image itself is no disguise
	}
	for _, c := range cases {
		got := Lookalikes(c.entry, verified)
		var keys []string
		for _, l := range got {
			keys = append(keys, l.Field+":"+l.Verified)
			if l.Why == "" || !strings.Contains(l.String(), l.Entry) {
				t.Errorf("%+v lacks a reason", l)
			}
		}
		if c.want == "" && len(got) > 0 || c.want != "" && !strings.Contains(strings.Join(keys, ","), c.want) {
			t.Errorf("%s/%s/%s: got %v, want %q", c.entry.Name, c.entry.Title, c.entry.Image, got, c.want)
		}
	}
	if got := Lookalikes(verified[0], verified); got != nil {
		t.Errorf("a verified entry is its own lookalike: %v", got)
	}
}
