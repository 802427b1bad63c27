package forecast

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// historyRows is a generated history file of series x months rows, interleaved month by month as an export
// does, produced as it is read: a file of ten million rows needs no disk and no memory. It seeks back to its
// start, as a file does (pipe: it does not).
type historyRows struct {
	series, months int
	sep            string
	pipe           bool
	row            int // the next row
	buf            []byte
	pos            int64
}

// seekable is h as an io.ReadSeeker, or as a plain reader for a pipe.
func (h *historyRows) reader() io.Reader {
	if h.pipe {
		return struct{ io.Reader }{h}
	}
	return h
}

func (h *historyRows) Seek(offset int64, whence int) (int64, error) {
	switch {
	case whence == io.SeekCurrent && offset == 0:
		return h.pos, nil
	case whence == io.SeekStart && offset == 0:
		h.row, h.buf, h.pos = 0, h.buf[:0], 0
		return 0, nil
	}
	return 0, fmt.Errorf("historyRows: seek %d from %d", offset, whence)
}

func (h *historyRows) Read(p []byte) (int, error) {
	for len(h.buf) < len(p) && h.row < h.series*h.months {
		m, s := h.row/h.series, h.row%h.series
		mo := MonthFor(1900, 1).Add(m)
		h.buf = fmt.Appendf(h.buf, "SKU-%05d%s%s%s%d.%d\n", s, h.sep, mo, h.sep, (s*7+m*13)%500, m%10)
		h.row++
	}
	n := copy(p, h.buf)
	h.buf = h.buf[n:]
	h.pos += int64(n)
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// peakHeap samples the live heap (runtime/metrics' /gc/heap/live: what the last collection found reachable)
// every millisecond while fn runs, and returns the most seen above what there was before: what fn holds, not
// the garbage it leaves for the collector.
func peakHeap(fn func()) uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// TestReadLongCSVStreams reads a history of a million rows (ten million with SALESENGINE_SOAK=1; fewer under
// -race) and checks that the most the reader holds (the live heap's peak) is the values it returns (8 bytes a
// month, in slices grown by append), far below the ~130 bytes a row of holding the file's rows: the file is
// streamed. Semicolon files, read twice, too, and a comma-separated file from a pipe.
func TestReadLongCSVStreams(t *testing.T) {
	t.Parallel()
	series, months := 500, 2000 // 1,000,000 rows
	switch {
	case os.Getenv("SALESENGINE_SOAK") == "1":
		series = 5000 // 10,000,000 rows
	case methodsRaceBuild:
		series = 100
	}
	for _, c := range []struct {
		sep  string
		pipe bool
	}{{",", false}, {";", false}, {",", true}} {
		sep := c.sep
		var got []Series
		var err error
		h := &historyRows{series: series, months: months, sep: sep, pipe: c.pipe}
		peak := peakHeap(func() { got, err = ReadLongCSV(h.reader()) })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != series || len(got[0].Values) != months || got[series-1].End() != MonthFor(1900, 1).Add(months-1) {
			t.Fatalf("%q: %d series of %d months", sep, len(got), len(got[0].Values))
		}
		if v, want := got[3].Values[7], float64((3*7+7*13)%500)+0.7; v != want {
			t.Errorf("%q: SKU-00003 month 8 = %v, want %v", sep, v, want)
		}
		values := uint64(series * months * 8)
		if limit := 2*values + 16<<20; peak > limit {
			t.Errorf("%q: reading %d rows held up to %d MiB, more than %d MiB (twice the %d MiB of values, plus 16): the file is held, not streamed",
				sep, series*months, peak>>20, limit>>20, values>>20)
		}
		t.Logf("%q: %d rows, peak live heap %d MiB for %d MiB of values", sep, series*months, peak>>20, values>>20)
	}
}

// BenchmarkReadLongCSV10M reads a generated history of ten million rows (5,000 series x 2,000 months):
// rows per second and the peak live heap (runtime/metrics) above what there was before.
//
//	go test -run '^$' -bench ReadLongCSV10M -benchtime 1x ./internal/forecast/
func BenchmarkReadLongCSV10M(b *testing.B) {
	const series, months = 5000, 2000
	for b.Loop() {
		start := time.Now()
		var err error
		peak := peakHeap(func() { _, err = ReadLongCSV(&historyRows{series: series, months: months, sep: ","}) })
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(series*months)/time.Since(start).Seconds(), "rows/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-live-heap-MiB")
	}
}
