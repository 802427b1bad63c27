package forecast

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ReadLongCSV reads a long-format history: columns series,month,value (month YYYY-MM; an empty value or NA
// means missing). Fields may be quoted or not. A header row is recognised by its column names (in any order);
// without one the columns are taken as series,month,value. Rows of different series may be interleaved but
// each series' months must be strictly increasing; gaps between months become missing values. Series are
// returned in order of first appearance. Errors name the line.
func ReadLongCSV(r io.Reader) ([]Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	col := [3]int{0, 1, 2}
	type acc struct {
		s        Series
		lastLine int
	}
	var out []*acc
	index := map[string]int{}
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read history csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if first {
			first = false
			if h, ok := headerColumns(rec); ok {
				col = h
				continue
			}
		}
		if len(rec) < 3 {
			return nil, fmt.Errorf("history csv line %d: want 3 fields series,month,value, got %d", line, len(rec))
		}
		id := strings.TrimSpace(rec[col[0]])
		if id == "" {
			return nil, fmt.Errorf("history csv line %d: empty series name", line)
		}
		mo, err := ParseMonth(rec[col[1]])
		if err != nil {
			return nil, fmt.Errorf("history csv line %d: %w", line, err)
		}
		v, err := parseValue(rec[col[2]])
		if err != nil {
			return nil, fmt.Errorf("history csv line %d: %w", line, err)
		}
		i, ok := index[id]
		if !ok {
			i = len(out)
			index[id] = i
			out = append(out, &acc{s: Series{ID: id, Start: mo}})
		}
		a := out[i]
		if len(a.s.Values) > 0 {
			end := a.s.End()
			switch {
			case mo == end:
				return nil, fmt.Errorf("history csv line %d: duplicate row for series %q month %s (first at line %d)", line, id, mo, a.lastLine)
			case mo < end:
				return nil, fmt.Errorf("history csv line %d: months of series %q are not sorted: %s comes after %s (line %d)", line, id, mo, end, a.lastLine)
			}
			for k := end.Add(1); k < mo; k++ {
				a.s.Values = append(a.s.Values, math.NaN())
			}
		}
		a.s.Values = append(a.s.Values, v)
		a.lastLine = line
	}
	res := make([]Series, len(out))
	for i, a := range out {
		res[i] = a.s
	}
	return res, nil
}

func headerColumns(rec []string) ([3]int, bool) {
	col := [3]int{-1, -1, -1}
	for i, f := range rec {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(f, "\ufeff"))) {
		case "series", "sku", "id", "unique_id":
			col[0] = i
		case "month", "ds", "date":
			col[1] = i
		case "value", "y", "qty", "quantity":
			col[2] = i
		}
	}
	return col, col[0] >= 0 && col[1] >= 0 && col[2] >= 0
}

func parseValue(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "NA") || strings.EqualFold(s, "NaN") {
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("bad value %q: want a number, empty or NA", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("negative value %q: demand cannot be negative", s)
	}
	return v, nil
}

// ReadLongCSVFile is ReadLongCSV on a file.
func ReadLongCSVFile(path string) ([]Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	defer f.Close()
	s, err := ReadLongCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// WriteForecastCSV writes series,month,forecast,lower,upper,method, one row per series and future month, with
// the interval at the given level (which must be one of the levels the results were computed with).
func WriteForecastCSV(w io.Writer, results []Result, level float64) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"series", "month", "forecast", "lower", "upper", "method"}); err != nil {
		return fmt.Errorf("write forecast csv: %w", err)
	}
	for _, r := range results {
		for _, p := range r.Points {
			iv, ok := p.Interval(level)
			if !ok {
				return fmt.Errorf("write forecast csv: series %q has no %g%% interval", r.ID, level)
			}
			rec := []string{r.ID, p.Month.String(), formatNum(p.Forecast), formatNum(iv.Lower), formatNum(iv.Upper), r.Method}
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("write forecast csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write forecast csv: %w", err)
	}
	return nil
}

// WriteForecastCSVFile writes the forecast CSV to path atomically: a temporary file in the same directory is
// written, synced and renamed over path, so a reader never sees a half-written file.
func WriteForecastCSVFile(path string, results []Result, level float64) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write forecast: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = WriteForecastCSV(tmp, results, level); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write forecast: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write forecast: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write forecast: %w", err)
	}
	return nil
}

// formatNum prints at most 4 decimals: forecasts are not more precise than that and long tails hurt readers.
func formatNum(v float64) string { return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64) }
