package plan

import (
	"go/build"
	"strings"
	"testing"
)

// TestPure: the plan is computed from the values its caller passes in. The package reads and writes nothing (no
// store, no files, no network): the engine reads its inputs and stores its rows.
func TestPure(t *testing.T) {
	t.Parallel()
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/salesengine/salesengine/") || imp == "database/sql" || imp == "os" || strings.HasPrefix(imp, "net") {
			t.Errorf("package plan imports %s", imp)
		}
	}
}
