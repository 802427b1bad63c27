package cli

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// planJSONRow is a row of 'plan --format json', as much of it as the tests read.
type planJSONRow struct {
	SKU      string   `json:"sku"`
	Month    string   `json:"month"`
	Priority string   `json:"priority"`
	Planned  float64  `json:"planned_quantity"`
	Action   *string  `json:"action"`
	Release  *string  `json:"release_date"`
	Flags    []string `json:"flags"`
}

func (r planJSONRow) key() string { return r.SKU + "|" + r.Month }

// TestPlanActionLate runs the demo (whose fake Odoo has Manufacturing and Purchase) and then 'plan' with --action
// and --late, alone and with --priority, in every format: each returns exactly the rows of the whole plan that
// match; a wrong action is a usage error with a hint. The demo's summary line counts what the plan holds.
func TestPlanActionLate(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	db := filepath.Join(dir, "demo.db")
	r := run(t, env, "--config", cfg, "demo", "--no-serve", "--skus", "40", "--years", "2", "--db", db)
	if r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	env["DATABASE_URL"] = "sqlite:" + db
	planJSON := func(args ...string) []planJSONRow {
		t.Helper()
		r := run(t, env, append([]string{"--config", cfg, "plan", "--format", "json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("plan %v: %+v", args, r)
		}
		var rows []planJSONRow
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
			t.Fatalf("plan %v: %v\n%s", args, err, r.stdout)
		}
		return rows
	}
	all := planJSON()
	keys := func(rows []planJSONRow, keep func(planJSONRow) bool) []string {
		var out []string
		for _, r := range rows {
			if keep(r) {
				out = append(out, r.key())
			}
		}
		return out
	}
	isAction := func(a string) func(planJSONRow) bool {
		return func(r planJSONRow) bool { return r.Action != nil && *r.Action == a }
	}
	isLate := func(r planJSONRow) bool { return slices.Contains(r.Flags, "late_release") }

	// The summary the demo printed is the plan's: planned quantities by action, late releases.
	m := regexp.MustCompile(`(\d+) to replenish: (\d+) to produce, (\d+) to buy, (\d+) released late`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("the demo printed no net plan summary:\n%s", r.stdout)
	}
	var planned, produce, buy, late int
	for _, row := range all {
		if row.Planned > 0 {
			planned++
			if *row.Action == "produce" {
				produce++
			} else {
				buy++
			}
		}
		if isLate(row) {
			late++
		}
	}
	if got := m[1:]; got[0] != strconv.Itoa(planned) || got[1] != strconv.Itoa(produce) || got[2] != strconv.Itoa(buy) || got[3] != strconv.Itoa(late) {
		t.Errorf("the demo says %v to replenish/produce/buy/late; the plan has %d, %d, %d, %d", got, planned, produce, buy, late)
	}
	t.Logf("demo plan: %d rows, %d to replenish, %d produce, %d buy, %d late", len(all), planned, produce, buy, late)
	if produce == 0 || buy == 0 || late == 0 {
		t.Fatalf("the demo's plan has %d to produce, %d to buy, %d late: the filters would test nothing", produce, buy, late)
	}
	// And how far behind the most overdue release is: the earliest release date of the late rows.
	earliest := ""
	for _, row := range all {
		if isLate(row) && row.Release != nil && (earliest == "" || *row.Release < earliest) {
			earliest = *row.Release
		}
	}
	if want := "released late, the earliest due " + earliest + " (see"; earliest == "" || !strings.Contains(r.stdout, want) {
		t.Errorf("the demo's summary lacks %q", want)
	}

	for _, tt := range []struct {
		args []string
		keep func(planJSONRow) bool
	}{
		{[]string{"--action", "produce"}, isAction("produce")},
		{[]string{"--action", " BUY "}, isAction("buy")},
		{[]string{"--late"}, isLate},
		{[]string{"--late", "--action", "buy"}, func(r planJSONRow) bool { return isLate(r) && isAction("buy")(r) }},
		{[]string{"--late", "--priority", "alta"}, func(r planJSONRow) bool { return isLate(r) && r.Priority == "ALTA" }},
	} {
		want := keys(all, tt.keep)
		got := keys(planJSON(tt.args...), func(planJSONRow) bool { return true })
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("plan %v: %d rows %v, want the %d matching rows of the whole plan %v", tt.args, len(got), got, len(want), want)
		}
	}

	// CSV and the table filter the same rows.
	r = run(t, env, "--config", cfg, "plan", "--late", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != 0 || err != nil || len(recs) != late+1 {
		t.Fatalf("plan --late --format csv: %d records, want %d and a header (%v): %+v", len(recs), late, err, r)
	}
	for _, rec := range recs[1:] {
		if !strings.Contains(rec[slices.Index(planHeader, "flags")], "late_release") || rec[slices.Index(planHeader, "release_date")] == "" {
			t.Errorf("plan --late CSV row %v", rec)
		}
	}
	r = run(t, env, "--config", cfg, "plan", "--action", "buy")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != len(keys(all, isAction("buy")))+1 || !strings.Contains(lines[0], "ACTION") {
		t.Fatalf("plan --action buy: %d lines, want %d and a header: %+v", len(lines), len(keys(all, isAction("buy"))), r)
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, " buy ") || strings.Contains(l, " produce ") {
			t.Errorf("plan --action buy printed %q", l)
		}
	}

	for _, bad := range []string{"make", "purchase"} {
		r := run(t, env, "--config", cfg, "plan", "--action", bad)
		if r.code != 2 || !strings.Contains(r.stderr, `unknown action "`+bad+`"`) || !strings.Contains(r.stderr, "--action produce or buy") {
			t.Errorf("plan --action %s: %+v; want a usage error naming it, with a hint", bad, r)
		}
	}
	if r := run(t, env, "--config", cfg, "plan", "--late=soon"); r.code != 2 || !strings.Contains(r.stderr, "--late") {
		t.Errorf("plan --late=soon: %+v; want a usage error", r)
	}
}
