package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestErrorCodesAreDocumented: every exported code in the gateway's
// codes.go has its row in errors.md, with its number, and nothing else is
// listed.
func TestErrorCodesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("errors.md")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "../backend/gateway/codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	ast.Inspect(f, func(n ast.Node) bool {
		v, ok := n.(*ast.ValueSpec)
		if !ok || !v.Names[0].IsExported() || len(v.Values) != 1 {
			return true
		}
		value := strings.TrimSpace(strings.ReplaceAll(exprText(v.Values[0]), " ", ""))
		row := "| " + value + " | " + v.Names[0].Name + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("errors.md lacks the row %q", row)
		}
		seen++
		return true
	})
	if listed := strings.Count(string(doc), "\n| -3"); listed != seen || seen == 0 {
		t.Errorf("errors.md lists %d codes, codes.go defines %d", listed, seen)
	}
}

func exprText(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.UnaryExpr:
		return e.Op.String() + exprText(e.X)
	case *ast.BasicLit:
		return e.Value
	}
	return ""
}
