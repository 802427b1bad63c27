package forecast

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/salesengine/salesengine/internal/atomicfile"
)

// Bounds of a history file's months and values: outside them a number is a typo, a unit mix-up or a
// spreadsheet's placeholder, not a month's demand, and would overflow the models' sums of squares.
const (
	FirstYear = 1900
	LastYear  = 2100
	MaxValue  = 1e12
)

// ReadLongCSV reads a long-format history: columns series,month,value (month YYYY-MM; an empty value or NA
// means missing). The column separator is found on the first line: a comma, a semicolon or a tab. In a file
// separated by semicolons or tabs (what a Spanish Excel saves) a decimal comma is read, 12,5; when any value has
// one, dots in the values group thousands (1.234,5). Fields may be quoted or not. A header row is recognised by
// its column names (in any order); without one the columns are taken as series,month,value. Rows of different
// series may be interleaved but each series' months must be strictly increasing; gaps between months become
// missing values. Series are returned in order of first appearance. A file without rows is an error. Errors
// name the line.
//
// The rows are streamed: what is held is the series read so far (8 bytes a month), not the file's text, so a
// file of ten million rows reads within the memory of its values. A file separated by semicolons or tabs is read
// twice (once to find whether it writes decimal commas); the text of one that cannot be read twice (a pipe) is
// then kept in memory.
func ReadLongCSV(r io.Reader) ([]Series, error) {
	rs, seekable := r.(io.ReadSeeker)
	var start int64
	if seekable {
		var err error
		if start, err = rs.Seek(0, io.SeekCurrent); err != nil {
			seekable = false // a pipe behind an *os.File
		}
	}
	var sp *spool
	if !seekable {
		sp = &spool{r: r, keep: &bytes.Buffer{}}
		r = sp
	}
	rr, err := newRecordReader(r)
	if err != nil {
		return nil, err
	}
	first, err := rr.next()
	if err != nil {
		return nil, err
	}
	col, header := headerColumns(first.fields)
	if !header {
		col = [3]int{0, 1, 2}
	}
	num := numberFormat{commaColumns: rr.comma == ','}
	if rr.comma == ',' {
		if sp != nil {
			sp.keep = nil // read once: nothing to keep
		}
	} else {
		// Decimal commas are recognised for the whole file, so that 1.234 means the same in every row of it.
		if num.decimalComma, err = anyDecimalComma(rr, first, col[2], header); err != nil {
			return nil, err
		}
		again := io.Reader(rs)
		if seekable {
			if _, err := rs.Seek(start, io.SeekStart); err != nil {
				return nil, fmt.Errorf("read history csv: %w", err)
			}
		} else {
			again = bytes.NewReader(sp.keep.Bytes())
		}
		if rr, err = newRecordReader(again); err != nil {
			return nil, err
		}
		if first, err = rr.next(); err != nil {
			return nil, err
		}
	}
	type acc struct {
		s        Series
		lastLine int
	}
	var out []*acc
	index := map[string]int{}
	rc := first
	if header {
		rc, err = rr.next()
	}
	for ; err == nil; rc, err = rr.next() {
		rec, line := rc.fields, rc.line
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
		v, err := num.parse(rec[col[2]])
		if err != nil {
			return nil, fmt.Errorf("history csv line %d: %w", line, err)
		}
		i, ok := index[id]
		if !ok {
			id = strings.Clone(id) // kept: not a view of the row's text
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
	if !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("history csv has a header but no rows: want one row per series and month (series,month,value)")
	}
	res := make([]Series, len(out))
	for i, a := range out {
		res[i] = a.s
	}
	return res, nil
}

// anyDecimalComma reads the rest of the file for a value with a comma in it (first is the row already read).
func anyDecimalComma(rr *recordReader, first record, col int, header bool) (bool, error) {
	rc, err := first, error(nil)
	if header {
		rc, err = rr.next()
	}
	for ; err == nil; rc, err = rr.next() {
		if col < len(rc.fields) && strings.Contains(rc.fields[col], ",") {
			return true, nil
		}
	}
	if !errors.Is(err, io.EOF) {
		return false, err
	}
	return false, nil
}

// spool keeps what is read through it while keep is set: the text of a history that cannot be read twice.
type spool struct {
	r    io.Reader
	keep *bytes.Buffer
}

func (s *spool) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.keep != nil {
		s.keep.Write(p[:n])
	}
	return n, err
}

// record is one non-blank CSV row and the line it starts on.
type record struct {
	fields []string
	line   int
}

// recordReader streams the non-blank rows of a history file, with the separator found on the first one.
type recordReader struct {
	cr    *csv.Reader
	comma rune
}

// newRecordReader finds the separator on the first non-blank line; an empty file is an error.
func newRecordReader(r io.Reader) (*recordReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3) // Excel's byte order mark
	}
	// The first non-blank line decides the separator; the lines read for it are read again by the CSV reader.
	var head bytes.Buffer
	lineNo := 0
	var first []byte
	for first == nil {
		line, err := br.ReadBytes('\n')
		head.Write(line)
		lineNo++
		if len(bytes.TrimSpace(line)) > 0 {
			first = line
		} else if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("history csv is empty: want one row per series and month (series,month,value)")
			}
			return nil, fmt.Errorf("read history csv: %w", err)
		}
	}
	comma, ok := separatorOf(first)
	if !ok {
		return nil, fmt.Errorf("history csv line %d: cannot tell the column separator: want three columns series,month,value "+
			"separated by commas or semicolons (a tab works too), e.g. A,2024-01,12 or A;2024-01;12,5", lineNo)
	}
	cr := csv.NewReader(io.MultiReader(&head, br))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true // a row's fields are read before the next is
	return &recordReader{cr: cr, comma: comma}, nil
}

// next returns the next non-blank row, or io.EOF.
func (rr *recordReader) next() (record, error) {
	for {
		rec, err := rr.cr.Read()
		if errors.Is(err, io.EOF) {
			return record{}, io.EOF
		}
		if err != nil {
			return record{}, fmt.Errorf("read history csv: %w", err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		line, _ := rr.cr.FieldPos(0)
		return record{fields: rec, line: line}, nil
	}
}

// separatorOf picks, of comma, semicolon and tab, the one that splits line into the most fields (at least 3).
func separatorOf(line []byte) (rune, bool) {
	best, most := rune(0), 2
	for _, c := range []rune{',', ';', '\t'} {
		cr := csv.NewReader(bytes.NewReader(line))
		cr.Comma = c
		cr.LazyQuotes = true
		cr.FieldsPerRecord = -1
		if rec, err := cr.Read(); err == nil && len(rec) > most {
			best, most = c, len(rec)
		}
	}
	return best, best != 0
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

// numberFormat is how a file writes its values.
type numberFormat struct {
	commaColumns bool // columns separated by commas: a comma in a value is never a decimal mark
	decimalComma bool // 12,5 and 1.234,5
}

var thousandsRe = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{3})+(,[0-9]*)?$`)

// parse reads one value: a finite number from 0 to MaxValue, or missing (empty, NA, NaN).
func (nf numberFormat) parse(raw string) (float64, error) {
	s := strings.TrimSpace(raw)
	if s == "" || strings.EqualFold(s, "NA") || strings.EqualFold(s, "NaN") {
		return math.NaN(), nil
	}
	if nf.decimalComma {
		if strings.Contains(s, ".") {
			if !thousandsRe.MatchString(strings.TrimPrefix(s, "-")) {
				return 0, fmt.Errorf("bad value %q: this file writes decimals with a comma (12,5), so a dot can only group thousands (1.234,5)", raw)
			}
			s = strings.ReplaceAll(s, ".", "")
		}
		s = strings.Replace(s, ",", ".", 1)
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange) && nf.commaColumns && strings.Contains(s, ","):
		return 0, fmt.Errorf("bad value %q: in a file with commas between columns write decimals with a dot (12.5); a decimal comma "+
			"needs semicolons between columns (A;2024-01;12,5)", raw)
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("bad value %q: want a number, empty or NA", raw)
	case err != nil || math.IsInf(v, 0) || math.IsNaN(v):
		return 0, fmt.Errorf("bad value %q: not a finite number", raw)
	case v < 0:
		return 0, fmt.Errorf("negative value %q: demand cannot be negative", raw)
	case v > MaxValue:
		return 0, fmt.Errorf("value %q is above %g, more than any month's demand: a typo or a unit mix-up?", raw, MaxValue)
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

// WriteForecastCSVFile writes the forecast CSV to path atomically (see atomicfile): a reader never sees a
// half-written file, and a failed write leaves the previous one intact.
func WriteForecastCSVFile(path string, results []Result, level float64) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteForecastCSV(w, results, level) })
}

// formatNum prints at most 4 decimals: forecasts are not more precise than that and long tails hurt readers.
// A value that is not a number is an empty cell, which spreadsheets read as missing (not the text NaN).
func formatNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}
