package forecast

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestMonthArithmetic(t *testing.T) {
	t.Parallel()
	m := MonthFor(2020, time.December)
	if m.Add(1).String() != "2021-01" || m.Add(-12).String() != "2019-12" || m.Add(14).Sub(m) != 14 {
		t.Errorf("month arithmetic: %s %s", m.Add(1), m.Add(-12))
	}
	if got, err := ParseMonth(" 2024-02 "); err != nil || got != MonthFor(2024, 2) {
		t.Errorf("ParseMonth: %v %v", got, err)
	}
	for bad, want := range map[string]string{
		"2024": "want YYYY-MM", "2024-00": "01..12", "2024-13": "01..12", "24-01": "want YYYY-MM", "2024/01": "want YYYY-MM",
		"2024-01-40": "is a date", "": "want YYYY-MM", "2024-02-17": `"2024-02-17" is a date`, "2024-02-01": "YYYY-MM (2024-02)",
		"2020-3": "want YYYY-MM (2020-03)", "0000-01": "between 1900 and 2100", "1899-12": "between 1900 and 2100",
		"2101-01": "between 1900 and 2100", "+024-01": "want YYYY-MM", "2024-+1": "want YYYY-MM",
	} {
		if _, err := ParseMonth(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseMonth(%q) = %v, want an error saying %q", bad, err, want)
		}
	}
	for _, ok := range []string{"1900-01", "2100-12"} {
		if _, err := ParseMonth(ok); err != nil {
			t.Errorf("ParseMonth(%q): %v", ok, err)
		}
	}
	if MonthOf(time.Date(2023, 7, 31, 23, 0, 0, 0, time.UTC)).Time() != time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC) {
		t.Error("Time() is not the first of the month")
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

func TestBuildMonthly(t *testing.T) {
	t.Parallel()
	sales := []Sale{
		{day(2023, 11, 5), 2}, {day(2023, 11, 20), 3}, // 5 in Nov
		{day(2024, 2, 1), 4}, {day(2024, 2, 9), -1}, // return netted: 3 in Feb
		{day(2024, 3, 3), -2},  // a month of only returns is clipped to 0
		{day(2024, 4, 10), 10}, // partial month (as of Apr 15)
		{day(2024, 5, 1), 99},  // after AsOf: ignored
	}
	asOf := time.Date(2024, 4, 16, 0, 0, 0, 0, time.UTC) // 15 days elapsed of 30
	s, err := BuildMonthly("sku", sales, BuildOptions{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{5, 0, 0, 3, 0} // Nov..Mar; April excluded by default
	if s.Start != MonthFor(2023, 11) || !equalSlices(s.Values, want) {
		t.Errorf("exclude: start %s values %v, want 2023-11 %v", s.Start, s.Values, want)
	}
	s, _ = BuildMonthly("sku", sales, BuildOptions{AsOf: asOf, Partial: PartialScale})
	if len(s.Values) != 6 || s.Values[5] != 20 {
		t.Errorf("scale: %v, want last 10*30/15 = 20", s.Values)
	}
	s, _ = BuildMonthly("sku", sales, BuildOptions{AsOf: asOf, Partial: PartialInclude})
	if len(s.Values) != 6 || s.Values[5] != 10 {
		t.Errorf("include: %v", s.Values)
	}
	s, _ = BuildMonthly("sku", sales, BuildOptions{AsOf: asOf, Window: 3})
	if s.Start != MonthFor(2024, 1) || !equalSlices(s.Values, []float64{0, 3, 0}) {
		t.Errorf("window: %s %v", s.Start, s.Values)
	}
	// No AsOf: up to the latest sale, every month complete.
	s, _ = BuildMonthly("sku", sales, BuildOptions{})
	if s.End() != MonthFor(2024, 5) || s.Values[len(s.Values)-1] != 99 {
		t.Errorf("no AsOf: end %s values %v", s.End(), s.Values)
	}
	// A SKU whose only sale is in the current (excluded) month has an empty series, not an error.
	s, err = BuildMonthly("new", []Sale{{day(2024, 4, 2), 1}}, BuildOptions{AsOf: asOf})
	if err != nil || len(s.Values) != 0 {
		t.Errorf("new SKU: %v %v", s, err)
	}
	if _, err := BuildMonthly("x", []Sale{{day(2024, 1, 1), math.NaN()}}, BuildOptions{}); err == nil {
		t.Error("NaN quantity accepted")
	}
	// Sales are bucketed in AsOf's time zone: 23:30 UTC on Jan 31 is Feb 1 in Madrid.
	madrid := time.FixedZone("CET", 3600)
	s, _ = BuildMonthly("tz", []Sale{{time.Date(2024, 1, 31, 23, 30, 0, 0, time.UTC), 1}}, BuildOptions{AsOf: time.Date(2024, 3, 1, 0, 0, 0, 0, madrid)})
	if s.Start != MonthFor(2024, 2) {
		t.Errorf("time zone: start %s, want 2024-02", s.Start)
	}
}

func equalSlices(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

func TestImpute(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	got := impute([]float64{nan, 2, nan, nan, 8, nan})
	if !equalSlices(got, []float64{2, 2, 4, 6, 8, 8}) {
		t.Errorf("impute = %v", got)
	}
	if got := impute([]float64{nan, nan}); !equalSlices(got, []float64{0, 0}) {
		t.Errorf("impute all missing = %v", got)
	}
}

func TestSeriesLast(t *testing.T) {
	t.Parallel()
	s := Series{ID: "a", Start: MonthFor(2020, 11), Values: []float64{1, 2, 3, 4}}
	l := s.Last(2)
	if l.Start != MonthFor(2021, 1) || !equalSlices(l.Values, []float64{3, 4}) || l.End() != s.End() {
		t.Errorf("Last(2) = %+v", l)
	}
	if s.Last(0).Start != s.Start || len(s.Last(10).Values) != 4 {
		t.Error("Last without effect changed the series")
	}
}

func TestParsePartialMonth(t *testing.T) {
	t.Parallel()
	for _, p := range []PartialMonth{PartialExclude, PartialScale, PartialInclude} {
		got, err := ParsePartialMonth(p.String())
		if err != nil || got != p {
			t.Errorf("round trip %s: %v %v", p, got, err)
		}
	}
	if p, err := ParsePartialMonth(""); err != nil || p != PartialExclude {
		t.Errorf("empty: %v %v", p, err)
	}
	if _, err := ParsePartialMonth("half"); err == nil || !strings.Contains(err.Error(), "exclude, scale or include") {
		t.Errorf("bad policy: %v", err)
	}
}
