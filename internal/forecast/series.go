package forecast

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Month is a calendar month, stored as months since year 0 so that arithmetic is a plain integer add.
type Month int

// MonthOf returns the calendar month of t in t's own location (callers choose the business time zone).
func MonthOf(t time.Time) Month { return MonthFor(t.Year(), t.Month()) }

// MonthFor returns the Month for a year and calendar month.
func MonthFor(year int, month time.Month) Month { return Month(year*12 + int(month) - 1) }

// Year returns the calendar year.
func (m Month) Year() int { return int(math.Floor(float64(m) / 12)) }

// Calendar returns the month of the year (January = 1).
func (m Month) Calendar() time.Month { return time.Month(int(m)-m.Year()*12) + 1 }

// Add returns the month n months later (n may be negative).
func (m Month) Add(n int) Month { return m + Month(n) }

// Sub returns the number of months from o to m (m - o).
func (m Month) Sub(o Month) int { return int(m - o) }

// Time returns midnight UTC on the first day of the month.
func (m Month) Time() time.Time { return time.Date(m.Year(), m.Calendar(), 1, 0, 0, 0, 0, time.UTC) }

// String formats the month as YYYY-MM.
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year(), int(m.Calendar())) }

// ParseMonth parses a month of history written YYYY-MM (2024-02), years FirstYear to LastYear. A date
// (2024-02-17) is refused rather than taken for its month: rows by day would otherwise pass one by one as months
// (or collide as duplicates), and a history must hold one total per series and month.
func ParseMonth(s string) (Month, error) {
	s = strings.TrimSpace(s)
	digits := func(d string) bool {
		for _, c := range d {
			if c < '0' || c > '9' {
				return false
			}
		}
		return d != ""
	}
	if len(s) == 10 && s[4] == '-' && s[7] == '-' && digits(s[:4]) && digits(s[5:7]) && digits(s[8:]) {
		return 0, fmt.Errorf("month %q is a date: the history is monthly, one row per series and month written YYYY-MM (%s); add up the rows of each month first", s, s[:7])
	}
	y, m, ok := strings.Cut(s, "-")
	if !ok || len(y) != 4 || len(m) != 2 || !digits(y) || !digits(m) {
		hint := "e.g. 2024-02"
		if ok && len(y) == 4 && digits(y) && len(m) == 1 && digits(m) {
			hint = y + "-0" + m
		}
		return 0, fmt.Errorf("month %q: want YYYY-MM (%s)", s, hint)
	}
	year, _ := strconv.Atoi(y)
	mo, _ := strconv.Atoi(m)
	if mo < 1 || mo > 12 {
		return 0, fmt.Errorf("month %q: month must be 01..12", s)
	}
	if year < FirstYear || year > LastYear {
		return 0, fmt.Errorf("month %q: the year must be between %d and %d", s, FirstYear, LastYear)
	}
	return MonthFor(year, time.Month(mo)), nil
}

// Series is a monthly demand series. Values[i] is the demand of month Start.Add(i); NaN means missing
// (unknown), which is different from zero demand.
type Series struct {
	ID     string
	Start  Month
	Values []float64
	// Group is an optional grouping of similar series, e.g. the product category: a short series borrows the
	// seasonal shape of its group's established series when the group has enough of them (see seasonalShapes).
	Group string
}

// Last returns the series restricted to its last n months (a history window); n <= 0 or n >= len keeps all.
func (s Series) Last(n int) Series {
	if n <= 0 || n >= len(s.Values) {
		return s
	}
	k := len(s.Values) - n
	return Series{ID: s.ID, Start: s.Start.Add(k), Values: s.Values[k:], Group: s.Group}
}

// End returns the last month of the series (Start-1 for an empty series).
func (s Series) End() Month { return s.Start.Add(len(s.Values) - 1) }

// Sale is one sale line (or an already aggregated quantity) at a point in time.
type Sale struct {
	Time time.Time
	Qty  float64
}

// PartialMonth says what BuildMonthly does with the month that contains AsOf when that month is not over.
type PartialMonth int

const (
	// PartialExclude drops the current month: a half-month of sales looks like a demand drop and would bias
	// every method downwards. This is the default.
	PartialExclude PartialMonth = iota
	// PartialScale keeps the current month and scales it to a full month by elapsed days
	// (qty * daysInMonth / elapsedDays). Only sensible late in the month; noisy early on.
	PartialScale
	// PartialInclude keeps the current month as is (for callers that know the month is complete).
	PartialInclude
)

// String returns the policy's configuration name: exclude, scale or include.
func (p PartialMonth) String() string {
	switch p {
	case PartialExclude:
		return "exclude"
	case PartialScale:
		return "scale"
	case PartialInclude:
		return "include"
	}
	return fmt.Sprintf("PartialMonth(%d)", int(p))
}

// ParsePartialMonth parses a policy name (exclude, scale, include; empty means exclude) from configuration.
func ParsePartialMonth(s string) (PartialMonth, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "exclude":
		return PartialExclude, nil
	case "scale":
		return PartialScale, nil
	case "include":
		return PartialInclude, nil
	}
	return 0, fmt.Errorf("partial-month policy %q: want exclude, scale or include", s)
}

// BuildOptions controls BuildMonthly.
type BuildOptions struct {
	// Window keeps at most this many months of history (the most recent ones); 0 keeps everything.
	Window int
	// AsOf is "now": sales after it are ignored and the series runs up to its month (see Partial).
	// Zero AsOf means the month of the latest sale, treated as complete.
	AsOf time.Time
	// Partial is the policy for AsOf's month.
	Partial PartialMonth
}

// BuildMonthly buckets sales into calendar months of AsOf's location, zero-filled from the month of the first
// sale up to the last month that counts under opts.Partial. Returns are negative quantities and are netted
// into their month; a month whose net is negative is clipped to zero, because demand cannot be negative.
// A SKU without sales (or whose sales all fall after AsOf) yields an empty series.
func BuildMonthly(id string, sales []Sale, opts BuildOptions) (Series, error) {
	if opts.Window < 0 {
		return Series{}, fmt.Errorf("build monthly %q: negative window %d", id, opts.Window)
	}
	loc := time.UTC
	if !opts.AsOf.IsZero() {
		loc = opts.AsOf.Location()
	}
	first, last := Month(math.MaxInt), Month(math.MinInt)
	for _, s := range sales {
		if math.IsNaN(s.Qty) || math.IsInf(s.Qty, 0) {
			return Series{}, fmt.Errorf("build monthly %q: sale at %s has non-finite quantity", id, s.Time.Format(time.RFC3339))
		}
		if !opts.AsOf.IsZero() && s.Time.After(opts.AsOf) {
			continue
		}
		m := MonthOf(s.Time.In(loc))
		first, last = min(first, m), max(last, m)
	}
	if first > last {
		return Series{ID: id}, nil
	}
	end := last
	scale := 1.0
	if !opts.AsOf.IsZero() {
		asOf := opts.AsOf
		end = MonthOf(asOf)
		switch opts.Partial {
		case PartialExclude:
			end--
		case PartialScale:
			days := float64(time.Date(asOf.Year(), asOf.Month()+1, 0, 0, 0, 0, 0, loc).Day())
			startOfMonth := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, loc)
			elapsed := asOf.Sub(startOfMonth).Hours() / 24
			if elapsed < 1 {
				elapsed = 1 // the first day counts as a whole day so a midnight run cannot blow up the scale
			}
			scale = days / min(elapsed, days)
		case PartialInclude:
		default:
			return Series{}, fmt.Errorf("build monthly %q: unknown partial-month policy %d", id, opts.Partial)
		}
	}
	start := first
	if opts.Window > 0 && end.Sub(start)+1 > opts.Window {
		start = end.Add(1 - opts.Window)
	}
	if end < start {
		return Series{ID: id, Start: start}, nil
	}
	vals := make([]float64, end.Sub(start)+1)
	for _, s := range sales {
		if !opts.AsOf.IsZero() && s.Time.After(opts.AsOf) {
			continue
		}
		m := MonthOf(s.Time.In(loc))
		if m < start || m > end {
			continue
		}
		vals[m.Sub(start)] += s.Qty
	}
	for i, v := range vals {
		if v < 0 {
			vals[i] = 0
		}
	}
	if !opts.AsOf.IsZero() && opts.Partial == PartialScale && end == MonthOf(opts.AsOf) {
		vals[len(vals)-1] *= scale
	}
	return Series{ID: id, Start: start, Values: vals}, nil
}

// trimMissing returns the index range [lo, hi) of y without leading and trailing NaNs.
func trimMissing(y []float64) (lo, hi int) {
	lo, hi = 0, len(y)
	for lo < hi && math.IsNaN(y[lo]) {
		lo++
	}
	for hi > lo && math.IsNaN(y[hi-1]) {
		hi--
	}
	return lo, hi
}

// impute returns a copy of y with interior NaNs filled by linear interpolation and trailing NaNs carried
// forward, so every method sees a complete series. Leading NaNs must be trimmed by the caller. Non-finite
// or negative values are not expected here (the callers sanitize), but are clipped to keep methods safe.
func impute(y []float64) []float64 {
	out := make([]float64, len(y))
	copy(out, y)
	prev, first := -1, -1
	for i, v := range out {
		if math.IsNaN(v) {
			continue
		}
		if first < 0 {
			first = i
		}
		if math.IsInf(v, 0) {
			out[i] = math.Copysign(math.MaxFloat64/1e6, v)
		}
		if prev >= 0 && i-prev > 1 {
			a, b := out[prev], out[i]
			for k := prev + 1; k < i; k++ {
				out[k] = a + (b-a)*float64(k-prev)/float64(i-prev)
			}
		}
		prev = i
	}
	if prev < 0 {
		for i := range out {
			out[i] = 0
		}
		return out
	}
	for k := 0; k < first; k++ { // leading gaps (callers trim them): back-fill
		out[k] = out[first]
	}
	for k := prev + 1; k < len(out); k++ {
		out[k] = out[prev]
	}
	return out
}
