package forecast

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadLongCSV(t *testing.T) {
	t.Parallel()
	s, err := ReadLongCSVFile(filepath.Join("testdata", "selection", "history_ok.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2 || s[0].ID != "A" || s[1].ID != "B" {
		t.Fatalf("series %+v", s)
	}
	a := s[0]
	if a.Start != MonthFor(2020, 1) || len(a.Values) != 5 {
		t.Fatalf("A: start %s len %d", a.Start, len(a.Values))
	}
	// 2020-02 NA, 2020-03 absent (gap), 2020-04 empty: all missing.
	if a.Values[0] != 1 || !math.IsNaN(a.Values[1]) || !math.IsNaN(a.Values[2]) || !math.IsNaN(a.Values[3]) || a.Values[4] != 3 {
		t.Errorf("A values %v", a.Values)
	}
	if b := s[1]; b.Start != MonthFor(2020, 3) || len(b.Values) != 2 || b.Values[1] != 6.5 {
		t.Errorf("B %+v", b)
	}
}

func TestReadLongCSVHeaderlessAndReordered(t *testing.T) {
	t.Parallel()
	s, err := ReadLongCSV(strings.NewReader("X,2021-11,4\nX,2021-12,5\n"))
	if err != nil || len(s) != 1 || len(s[0].Values) != 2 {
		t.Fatalf("headerless: %v %+v", err, s)
	}
	s, err = ReadLongCSV(strings.NewReader("\ufeffvalue,series,month\n7,Y,2022-01\n"))
	if err != nil || len(s) != 1 || s[0].ID != "Y" || s[0].Values[0] != 7 {
		t.Fatalf("reordered header: %v %+v", err, s)
	}
}

func TestReadLongCSVErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		want     []string
	}{
		{"bad month", "series,month,value\nA,2020-13,1\n", []string{"line 2", `"2020-13"`}},
		{"bad month text", "series,month,value\nA,2020-01,1\nA,jan,1\n", []string{"line 3", "YYYY-MM"}},
		{"bad number", "series,month,value\nA,2020-01,1\nA,2020-02,1e999\n", []string{"line 3", `"1e999"`}},
		{"bad value", "series,month,value\nA,2020-01,abc\n", []string{"line 2", `"abc"`}},
		{"negative", "series,month,value\nA,2020-01,-3\n", []string{"line 2", "negative"}},
		{"duplicate", "series,month,value\nA,2020-01,1\nB,2020-01,1\nA,2020-01,2\n", []string{"line 4", "duplicate", "line 2", "2020-01"}},
		{"unsorted", "series,month,value\nA,2020-03,1\nA,2020-01,2\n", []string{"line 3", "not sorted", "2020-01", "2020-03"}},
		{"short row", "series,month,value\nA,2020-01\n", []string{"line 2", "3 fields"}},
		{"empty id", "series,month,value\n,2020-01,1\n", []string{"line 2", "empty series"}},
		{"bad quote", "series,month,value\n\"A,2020-01,1\n", []string{"read history csv"}},
	}
	for _, c := range cases {
		_, err := ReadLongCSV(strings.NewReader(c.in))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
}

func TestWriteForecastCSVFileAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "fc.csv")
	res := []Result{{ID: "A", Method: "ets", Points: makePoints(MonthFor(2021, 12), []float64{1.5, 2}, []float64{1, 1}, ClassShort, Options{Levels: []float64{80}})}}
	if err := WriteForecastCSVFile(path, res, 80); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(lines) != 3 || lines[0] != "series,month,forecast,lower,upper,method" {
		t.Fatalf("csv:\n%s", got)
	}
	if !strings.HasPrefix(lines[1], "A,2021-12,1.5,0.362,2.638,ets") || !strings.HasPrefix(lines[2], "A,2022-01,2,") {
		t.Errorf("rows:\n%s", got)
	}
	if err := WriteForecastCSVFile(path, res, 95); err == nil || !strings.Contains(err.Error(), "95") {
		t.Errorf("missing level: err %v", err)
	}
	// The failed write must leave the previous file intact and no temporary file behind.
	again, _ := os.ReadFile(path)
	if !bytes.Equal(got, again) {
		t.Error("failed write changed the existing file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory has %d entries, want only fc.csv", len(entries))
	}
}

// FuzzReadLongCSV: any input either errors or yields series of non-negative (or missing) values, with
// months strictly increasing from Start. Run long by hand: go test -fuzz FuzzReadLongCSV -fuzztime 1m.
func FuzzReadLongCSV(f *testing.F) {
	f.Add("series,month,value\nA,2020-01,1\nA,2020-03,NA\n")
	f.Add("\"A\",\"2020-01\",\"2\"\nB,2021-12,\n")
	f.Add("x,1999-12,1e3\nx,2000-01,0\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ReadLongCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, ser := range s {
			if ser.ID == "" || len(ser.Values) == 0 {
				t.Fatalf("bad series %+v", ser)
			}
			for _, v := range ser.Values {
				if v < 0 || math.IsInf(v, 0) {
					t.Fatalf("value %v", v)
				}
			}
		}
	})
}

// TestReadLongCSVSpanishExcel: what a Spanish Excel saves as CSV (semicolons between columns, decimal commas,
// maybe dots grouping thousands and a byte order mark) is read, as are tab-separated files.
func TestReadLongCSVSpanishExcel(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		in   string
		want []float64
	}{
		"header":                    {"series;month;value\r\nA;2024-01;12,5\r\nA;2024-02;1.234,5\r\nA;2024-03;7\r\n", []float64{12.5, 1234.5, 7}},
		"no header, quoted":         {"\ufeff\"A\";\"2024-01\";\"0,25\"\n\"A\";\"2024-02\";\"\"\n", []float64{0.25, math.NaN()}},
		"semicolons, decimal point": {"series;month;value\nA;2024-01;1.5\nA;2024-02;2\n", []float64{1.5, 2}},
		"tabs":                      {"series\tmonth\tvalue\nA\t2024-01\t3,5\n", []float64{3.5}},
		"blank lines first":         {"\n\nseries;month;value\nA;2024-01;4\n", []float64{4}},
	} {
		s, err := ReadLongCSV(strings.NewReader(c.in))
		if err != nil || len(s) != 1 || s[0].ID != "A" || s[0].Start != MonthFor(2024, 1) || len(s[0].Values) != len(c.want) {
			t.Errorf("%s: %v %+v", name, err, s)
			continue
		}
		for i, w := range c.want {
			if got := s[0].Values[i]; got != w && !(math.IsNaN(got) && math.IsNaN(w)) {
				t.Errorf("%s: value %d = %v, want %v", name, i, got, w)
			}
		}
	}
}

// TestReadLongCSVRefusals: input that would be read wrongly, or forecast into nonsense, is refused with what to
// write instead.
func TestReadLongCSVRefusals(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct{ in, want string }{
		"empty":             {"", "history csv is empty"},
		"blank":             {"\n \n", "history csv is empty"},
		"header only":       {"series,month,value\n", "header but no rows"},
		"no separator":      {"series month value\nA 2024-01 1\n", "line 1: cannot tell the column separator"},
		"no separator late": {"\n\nA|2024-01|1\n", "line 3: cannot tell the column separator"},
		"a date":            {"series,month,value\nA,2023-01-15,3\n", `line 2: month "2023-01-15" is a date`},
		"short month":       {"series,month,value\nA,2020-3,3\n", "want YYYY-MM (2020-03)"},
		"year 0000":         {"series,month,value\nA,0000-01,3\n", "between 1900 and 2100"},
		"huge":              {"series,month,value\nA,2024-01,1e308\n", `value "1e308" is above 1e+12`},
		"infinite":          {"series,month,value\nA,2024-01,Inf\n", "not a finite number"},
		"overflow":          {"series,month,value\nA,2024-01,1e999\n", "not a finite number"},
		"comma decimal in comma file": {"series,month,value\nA,2024-01,\"1,5\"\n",
			"a decimal comma needs semicolons between columns"},
		"dot among decimal commas": {"series;month;value\nA;2024-01;1,5\nA;2024-02;1.5\n",
			`line 3: bad value "1.5": this file writes decimals with a comma`},
	} {
		_, err := ReadLongCSV(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
	if s, err := ReadLongCSV(strings.NewReader("A,2024-01,1e12\n")); err != nil || s[0].Values[0] != MaxValue {
		t.Errorf("the largest value: %v %+v", err, s)
	}
}
