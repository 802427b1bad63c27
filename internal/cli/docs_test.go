package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCommandsDocUpToDate fails when docs/commands.md no longer matches the command tree.
func TestCommandsDocUpToDate(t *testing.T) {
	t.Parallel()
	want := CommandsMarkdown()
	got, err := os.ReadFile(filepath.Join("..", "..", "docs", "commands.md"))
	if err != nil {
		t.Fatalf("%v: run go generate ./...", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/commands.md is stale: run go generate ./...")
	}
	if !bytes.Equal(CommandsMarkdown(), want) {
		t.Error("CommandsMarkdown is not deterministic")
	}
}
