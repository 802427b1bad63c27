package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/salesengine/salesengine/internal/store/storetest"
)

// markdownFiles are the documents whose links are checked: the README and every docs/*.md.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{filepath.Join("..", "README.md")}, files...)
}

var (
	fenceRE   = regexp.MustCompile("^\\s{0,3}(```+|~~~+)|^\\s+(```+|~~~+)")
	headingRE = regexp.MustCompile(`^\s{0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$`)
	codeRE    = regexp.MustCompile("`+[^`]*`+")
	linkRE    = regexp.MustCompile(`!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	schemeRE  = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// line is one line of Markdown outside fenced code blocks, with its number.
type line struct {
	n    int
	text string
}

// prose returns the lines of a Markdown document that are not inside fenced code blocks.
func prose(src string) []line {
	var out []line
	fence := ""
	for i, l := range strings.Split(src, "\n") {
		if m := fenceRE.FindStringSubmatch(l); m != nil {
			marker := m[1] + m[2]
			switch {
			case fence == "":
				fence = marker[:3]
				continue
			case strings.HasPrefix(strings.TrimSpace(l), fence) && strings.TrimSpace(strings.Trim(strings.TrimSpace(l), fence[:1])) == "":
				fence = ""
				continue
			}
		}
		if fence == "" {
			out = append(out, line{i + 1, l})
		}
	}
	return out
}

// slug is GitHub's anchor for a heading: the rendered text in lower case, without punctuation other than
// hyphens and underscores, spaces as hyphens.
func slug(heading string) string {
	heading = linkRE.ReplaceAllString(heading, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns every heading anchor of a document, duplicates numbered -1, -2, ... as GitHub does.
func anchors(src string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, l := range prose(src) {
		m := headingRE.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		s := slug(m[2])
		if n, dup := seen[s]; dup {
			seen[s] = n + 1
			out[s+"-"+strconv.Itoa(n+1)] = true
		} else {
			seen[s] = 0
			out[s] = true
		}
	}
	return out
}

func TestSlug(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Quick start":                                            "quick-start",
		"`salesengine connections edit ID|NAME`":                 "salesengine-connections-edit-idname",
		"Responses, retries and dead letters":                    "responses-retries-and-dead-letters",
		"systemd: a service and a timer":                         "systemd-a-service-and-a-timer",
		"The `default` connection (previous system's variables)": "the-default-connection-previous-systems-variables",
		"Dependencies, and why each is there":                    "dependencies-and-why-each-is-there",
		"Sábanas y fundas":                                       "sábanas-y-fundas",
		"snake_case [link](x.md) text":                           "snake_case-link-text",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	a := anchors("# Errors\n## Webhooks\n```sh\n# not a heading\n```\n## Webhooks\n## Webhooks\n")
	for _, want := range []string{"errors", "webhooks", "webhooks-1", "webhooks-2"} {
		if !a[want] {
			t.Errorf("anchors lack %q: %v", want, a)
		}
	}
	if a["not-a-heading"] {
		t.Error("a comment in a code block counted as a heading")
	}
}

// TestLinks checks every relative link in README.md and docs/*.md: the file exists and, for a #anchor, the
// target has a heading with that anchor.
func TestLinks(t *testing.T) {
	t.Parallel()
	cache := map[string]map[string]bool{}
	targetAnchors := func(path string) map[string]bool {
		if a, ok := cache[path]; ok {
			return a
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cache[path] = anchors(string(src))
		return cache[path]
	}
	checked := 0
	for _, file := range markdownFiles(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range prose(string(src)) {
			text := codeRE.ReplaceAllString(l.text, "")
			for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
				target := m[2]
				if target == "" || schemeRE.MatchString(target) || strings.HasPrefix(target, "//") {
					continue
				}
				checked++
				path, anchor, _ := strings.Cut(target, "#")
				dest := file
				if path != "" {
					dest = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
					if _, err := os.Stat(dest); err != nil {
						t.Errorf("%s:%d: link %q: %s does not exist", file, l.n, target, dest)
						continue
					}
				}
				if anchor == "" {
					continue
				}
				if !strings.HasSuffix(dest, ".md") {
					t.Errorf("%s:%d: link %q: an anchor into a file that is not Markdown", file, l.n, target)
					continue
				}
				if !targetAnchors(dest)[anchor] {
					t.Errorf("%s:%d: link %q: %s has no heading with anchor #%s", file, l.n, target, dest, anchor)
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d relative links found: is the parser broken?", checked)
	}
}

// TestReadmeIsAFrontPage keeps the README short: details belong in docs/.
func TestReadmeIsAFrontPage(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(src) >= 10240 {
		t.Errorf("README.md is %d bytes; keep it under 10 KB and move details to docs/", len(src))
	}
}

// TestEverydayQueriesAreTheTestedOnes: the queries the manual tells users to run are, character for character,
// the ones the store conformance suite runs on both engines.
func TestEverydayQueriesAreTheTestedOnes(t *testing.T) {
	t.Parallel()
	for file, queries := range map[string][]string{
		"database.md": {storetest.QueryForecastMonth, storetest.QueryForecastFinalMonth, storetest.QueryToProducePostgres, storetest.QueryToProduceSQLite,
			storetest.QueryProductionNowPostgres, storetest.QueryProductionNowSQLite, storetest.QueryOpenProduction,
			storetest.QueryIncomingPurchases, storetest.QueryStockMovesByMonth},
		"planning.md":    {storetest.QueryToProducePostgres, storetest.QueryProductionNowPostgres},
		"forecasting.md": {storetest.QueryForecastFinalMonth},
	} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			if !strings.Contains(string(src), "```sql\n"+q+"\n```") {
				t.Errorf("%s does not show the tested query:\n%s", file, q)
			}
		}
	}
}
