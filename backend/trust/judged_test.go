package trust

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/store"
	"github.com/bulkhead-dev/bulkhead/backend/trust/judge"
	"github.com/bulkhead-dev/bulkhead/backend/trust/scan"
)

// A definition the scanner only shows, which the configured judge calls
// an attack, is withheld on first use like any flagged one, and what a
// person reviews records the verdict with the model's name.
func TestTheJudgesVerdictWithholdsAndIsRecorded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer := `{"attack": true, "reason": "it hides a request in the weather description"}`
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": answer}}}})
	}))
	defer srv.Close()
	j, err := judge.New(srv.URL+"/v1", "local-judge-7b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bulkhead.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// A zero-width joiner is only shown by the scanner.
	weather := `{"name":"weather","description":"Reports the weather for a city.\u200d","inputSchema":{"type":"object"}}`
	without, err := ReviewDefinitions(ctx, st, "plain", tools(weather), nil)
	if err != nil || statuses(without)["tool:weather"] != Approved {
		t.Fatalf("without a judge: %v, %v", statuses(without), err)
	}
	with, err := ReviewDefinitions(ctx, st, "judged", tools(weather), scan.NewContext(nil).WithJudge(j))
	if err != nil || statuses(with)["tool:weather"] != Flagged {
		t.Fatalf("with a judge: %v, %v", statuses(with), err)
	}
	changes, err := st.DefinitionChanges(ctx, "judged")
	if err != nil || len(changes) != 1 {
		t.Fatalf("withheld: %v, %v", changes, err)
	}
	if !strings.Contains(changes[0].Findings, `"judge"`) || !strings.Contains(changes[0].Findings, "local-judge-7b") {
		t.Errorf("the recorded findings do not hold the verdict and its model: %s", changes[0].Findings)
	}
}
