package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/secret"
	"github.com/salesengine/salesengine/internal/store/storetest"
)

// TestMalformedEncryptionKeyIsNamed: a key that is set but malformed is reported as malformed by every command
// that needs it, never as "not set".
func TestMalformedEncryptionKeyIsNamed(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	key, _ := secret.GenerateKey()
	env["SALESENGINE_ENCRYPTION_KEY"] = key
	if r := run(t, env, "--config", cfg, "connections", "add", "--no-input", "--name", "acme", "--url", "http://127.0.0.1:9",
		"--database", "acme", "--username", "api", "--api-key", "k-123"); r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	env["SALESENGINE_ENCRYPTION_KEY"] = key[:20] // truncated while pasting
	for _, args := range [][]string{
		{"connections", "test", "acme"},
		{"connections", "edit", "acme", "--api-key", "k-456"},
		{"connections", "add", "--no-input", "--name", "beta", "--url", "http://127.0.0.1:9", "--database", "b", "--username", "u", "--api-key", "k"},
		{"sync", "--no-deliver"},
	} {
		r := run(t, env, append([]string{"--config", cfg}, args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, "key 1 is not a Fernet key") || strings.Contains(r.stderr, "is not set") {
			t.Errorf("%v with a malformed key: %+v", args, r)
		}
		if strings.Contains(r.stderr, key[:20]) {
			t.Errorf("%v printed the key: %s", args, r.stderr)
		}
	}
}

// history writes a 36-month history of two series (A smooth, B intermittent) to dir/name, with the given
// separator and decimal mark, and returns its path.
func history(t *testing.T, dir, name, sep, decimal string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("series" + sep + "month" + sep + "value\n")
	for i := 0; i < 36; i++ {
		m := time.Date(2023, time.Month(1+i), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		b.WriteString("A" + sep + m + sep + []string{"10", "12" + decimal + "5", "9", "14", "11" + decimal + "25", "13"}[i%6] + "\n")
		v := "0"
		if i%4 == 0 {
			v = "3" + decimal + "5"
		}
		b.WriteString("B" + sep + m + sep + v + "\n")
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestForecastInputSpanishExcel: a history saved by a Spanish Excel (semicolons, decimal commas) forecasts
// exactly like the same history written with commas and decimal points; the file written is 0644.
func TestForecastInputSpanishExcel(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	var outs []string
	for _, f := range []struct{ name, sep, decimal string }{{"en.csv", ",", "."}, {"es.csv", ";", ","}} {
		out := filepath.Join(dir, "fc-"+f.name)
		r := run(t, env, "--config", cfg, "forecast", "--input", history(t, dir, f.name, f.sep, f.decimal), "--out", out)
		if r.code != 0 || !strings.Contains(r.stdout, "forecast 2 series") {
			t.Fatalf("%s: %+v", f.name, r)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
		if st, _ := os.Stat(out); st.Mode().Perm() != 0o644 {
			t.Errorf("%s written with mode %v, want 0644", out, st.Mode().Perm())
		}
	}
	if outs[0] != outs[1] {
		t.Errorf("the Spanish file forecasts differently:\n%s\n---\n%s", outs[0], outs[1])
	}
}

// TestForecastInputRefused: input that cannot be forecast honestly is refused with the line and what to write,
// and writes nothing; an unwritable --out is named as the user gave it, before any forecasting.
func TestForecastInputRefused(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	good := history(t, dir, "good.csv", ",", ".")
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	out := filepath.Join(dir, "fc.csv")
	for _, c := range []struct{ in, out, want string }{
		{write("empty.csv", ""), out, "history csv is empty"},
		{write("spaces.csv", "series month value\nA 2024-01 1\n"), out, "line 1: cannot tell the column separator"},
		{write("daily.csv", "series,month,value\nA,2023-01-15,3\nA,2023-01-16,4\n"), out, `line 2: month "2023-01-15" is a date`},
		{write("short.csv", "series,month,value\nA,2020-3,3\n"), out, "want YYYY-MM (2020-03)"},
		{write("zero.csv", "series,month,value\nA,0000-01,3\n"), out, "the year must be between 1900 and 2100"},
		{write("huge.csv", "series,month,value\nA,2024-01,3\nA,2024-02,1e308\n"), out, `line 3: value "1e308" is above 1e+12`},
		{write("negative.csv", "series,month,value\nA,2024-01,3\nA,2024-02,-2\n"), out, `line 3: negative value "-2"`},
		{write("inf.csv", "series,month,value\nA,2024-01,Inf\n"), out, `line 2: bad value "Inf": not a finite number`},
		{write("baddate.csv", "series,month,value\nA,March 2024,3\n"), out, `line 2: `},
		{write("columns.csv", "series,month,value\nA,2024-01\n"), out, "line 2: want 3 fields series,month,value, got 2"},
		{write("names.csv", "sku,fecha,cantidad\nA,2024-01,3\n"), out, "line 1: "},
		{write("sorted.csv", "series,month,value\nA,2024-02,3\nA,2024-01,4\n"), out, "line 3: months of series \"A\" are not sorted"},
		{good, filepath.Join(dir, "nope", "fc.csv"), "cannot write " + filepath.Join(dir, "nope", "fc.csv") + ": directory " + filepath.Join(dir, "nope") + " does not exist"},
		{good, dir, "cannot write " + dir + ": it is a directory"},
	} {
		r := run(t, env, "--config", cfg, "forecast", "--input", c.in, "--out", c.out)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, ".tmp") {
			t.Errorf("forecast --input %s --out %s: exit %d, stderr %q; want exit 1 saying %q", filepath.Base(c.in), c.out, r.code, r.stderr, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%s: a forecast was written", filepath.Base(c.in))
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestReportCSVsHaveNoNaN: a measure that does not exist (no backtest of a dead SKU, ADI without demand) is an
// empty cell in every report CSV, never NaN or +Inf, and the files are 0644.
func TestReportCSVsHaveNoNaN(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	nan, inf := math.NaN(), math.Inf(1)
	res := []forecast.Result{{ID: "DEAD-1", Method: "zero", Class: "dead", BacktestRMSSE: nan, Bias: nan, HistoryLength: 12, ADI: inf, CV2: nan,
		Points: []forecast.Point{{Month: forecast.MonthFor(2026, 1), Forecast: nan, Intervals: []forecast.Interval{{Level: 80, Lower: nan, Upper: inf}}}}}}
	files := map[string]func(string) error{
		"summary.csv":  func(p string) error { return writeSummaryCSV(p, res) },
		"forecast.csv": func(p string) error { return forecast.WriteForecastCSVFile(p, res, 80) },
		"plan.csv": func(p string) error {
			return writePlanCSVFile(p, []planLine{{Connection: "acme", NetRow: plan.NetRow{Row: plan.Row{SKU: "DEAD-1", Forecast: nan, SafetyStock: inf, Priority: "BAJA"}}}})
		},
	}
	for name, write := range files {
		p := filepath.Join(dir, name)
		if err := write(p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := os.ReadFile(p)
		if s := strings.ToLower(string(b)); strings.Contains(s, "nan") || strings.Contains(s, "inf") || !strings.Contains(s, ",,") {
			t.Errorf("%s:\n%s", name, b)
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
			t.Errorf("%s written with mode %v, want 0644", name, st.Mode().Perm())
		}
	}
}

// TestMigrateStatusJSON: migrate --status --json uses snake_case keys like every other JSON output, on both
// engines.
func TestMigrateStatusJSON(t *testing.T) {
	t.Parallel()
	dir, env := isolated(t)
	cfg := filepath.Join(dir, "test.env")
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); checkMigrateStatusJSON(t, env, cfg) })
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		checkMigrateStatusJSON(t, map[string]string{"DATABASE_URL": storetest.PostgresURL(t)}, cfg)
	})
}

func checkMigrateStatusJSON(t *testing.T, env map[string]string, cfg string) {
	t.Helper()
	r := run(t, env, "--config", cfg, "migrate", "--status", "--json")
	var before []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &before); r.code != 0 || err != nil || len(before) == 0 {
		t.Fatalf("migrate --status --json on a new database: %v %+v", err, r)
	}
	for _, m := range before {
		if len(m) != 4 || m["version"] == nil || m["name"] == nil || m["applied"] != false || m["applied_at"] != nil {
			t.Errorf("before migrating: %v", m)
		}
	}
	if r := run(t, env, "--config", cfg, "migrate"); r.code != 0 {
		t.Fatalf("migrate: %+v", r)
	}
	r = run(t, env, "--config", cfg, "migrate", "--status", "--json")
	var after []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &after); err != nil || len(after) != len(before) {
		t.Fatalf("migrate --status --json: %v %+v", err, r)
	}
	for _, m := range after {
		at, _ := m["applied_at"].(string)
		if _, err := time.Parse(time.RFC3339, at); len(m) != 4 || m["applied"] != true || err != nil {
			t.Errorf("after migrating: %v", m)
		}
	}
}
