package sqlstore

import (
	"fmt"
	"time"
)

// SQLiteTimeLayout is how timestamps are stored in SQLite: UTC text with trailing zeros of the fraction
// trimmed. Each instant has exactly one spelling, so = works, and the spellings sort in time order, so
// ORDER BY and < work, and SQLite's own date functions read it.
const SQLiteTimeLayout = "2006-01-02 15:04:05.999999"

// FormatSQLiteTime is t.UTC().Format(SQLiteTimeLayout), written digit by digit for the years 1000-9999
// (time.Format interprets its layout on every call: a few percent of a first sync's CPU on SQLite).
func FormatSQLiteTime(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 1000 || year > 9999 {
		return t.Format(SQLiteTimeLayout)
	}
	hour, minute, sec := t.Clock()
	var b [26]byte
	two := func(i, v int) { b[i], b[i+1] = byte('0'+v/10), byte('0'+v%10) }
	two(0, year/100)
	two(2, year%100)
	b[4] = '-'
	two(5, int(month))
	b[7] = '-'
	two(8, day)
	b[10] = ' '
	two(11, hour)
	b[13] = ':'
	two(14, minute)
	b[16] = ':'
	two(17, sec)
	n := 19
	if us := t.Nanosecond() / 1000; us != 0 { // the layout's .999999: microseconds, trailing zeros dropped
		b[19] = '.'
		for i := 25; i > 19; i-- {
			b[i] = byte('0' + us%10)
			us /= 10
		}
		n = 26
		for b[n-1] == '0' {
			n--
		}
	}
	return string(b[:n])
}

// SQLiteDateLayout is how calendar dates are stored in SQLite.
const SQLiteDateLayout = "2006-01-02"

var timeLayouts = []string{SQLiteTimeLayout, time.RFC3339Nano, "2006-01-02T15:04:05.999999", SQLiteDateLayout}

// parseTime reads what either engine returns for a timestamp or date column.
func parseTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return parseTimeString(v)
	case []byte:
		return parseTimeString(string(v))
	}
	return time.Time{}, fmt.Errorf("cannot read %T as a timestamp", src)
}

func parseTimeString(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a timestamp", s)
}

// timeDest scans a NOT NULL timestamp.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*d.t = t
	return nil
}

// nullTimeDest scans a nullable timestamp into a *time.Time (nil for NULL).
type nullTimeDest struct{ t **time.Time }

func (d nullTimeDest) Scan(src any) error {
	if src == nil {
		*d.t = nil
		return nil
	}
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*d.t = &t
	return nil
}

// nullTime binds a *time.Time as NULL or as the dialect's timestamp.
func (e *Exec) nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return e.d.Time(*t)
}
