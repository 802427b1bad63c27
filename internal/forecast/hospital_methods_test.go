package forecast

import (
	"bufio"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// hospitalSeries loads ../shared/data/hospital_long.csv (series, month, value) relative to the repository root,
// or skips the test when the shared data is absent.
func hospitalSeries(tb testing.TB) [][]float64 {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("go.mod not found above the test directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "data", "hospital_long.csv")
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("hospital data absent (%v); skipping", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	if _, err := r.Read(); err != nil {
		tb.Fatal(err)
	}
	bySeries := map[string][]float64{}
	var names []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		v, err := strconv.ParseFloat(rec[2], 64)
		if err != nil {
			tb.Fatalf("bad value %q: %v", rec[2], err)
		}
		if _, ok := bySeries[rec[0]]; !ok {
			names = append(names, rec[0])
		}
		bySeries[rec[0]] = append(bySeries[rec[0]], v)
	}
	sort.Strings(names)
	out := make([][]float64, len(names))
	for i, n := range names {
		out[i] = bySeries[n]
	}
	return out
}

// holdoutScore is one method's accuracy on the hospital holdout: RMSE of all forecast errors pooled per series
// then averaged over series (as the M-competition style "mean RMSE" the R figures use), and mean MASE
// with the in-sample seasonal naive scale.
type holdoutScore struct {
	rmse, pooled, mase float64
	failed             int
}

func scoreHoldout(tb testing.TB, series [][]float64, meth Method, h, m int) holdoutScore {
	var s holdoutScore
	cnt := 0
	for _, y := range series {
		n := len(y) - h
		train, test := y[:n], y[n:]
		p, err := meth.Forecast(train, m, h)
		if err != nil {
			s.failed++
			continue
		}
		var sse, sae float64
		for i, v := range test {
			f := math.Max(p.Mean[i], 0)
			sse += (v - f) * (v - f)
			sae += math.Abs(v - f)
		}
		var scale float64
		for t := m; t < n; t++ {
			scale += math.Abs(train[t] - train[t-m])
		}
		scale /= float64(n - m)
		s.rmse += math.Sqrt(sse / float64(h))
		s.pooled += sse
		if scale > 0 {
			s.mase += sae / float64(h) / scale
		}
		cnt++
	}
	s.pooled = math.Sqrt(s.pooled / float64(cnt*h))
	s.rmse /= float64(cnt)
	s.mase /= float64(cnt)
	return s
}

// TestHospitalHoldout checks each main method's holdout accuracy on the hospital data (train on the first 72
// months, forecast the last 12, pooled RMSE and mean MASE as in the R figures) against the published R
// results. FM_ALL=1 also prints every other method's figures.
func TestHospitalHoldout(t *testing.T) {
	if testing.Short() {
		t.Skip("hospital holdout is not a short test")
	}
	if methodsRaceBuild {
		t.Skip("hospital holdout skipped under -race (too slow); run plain go test to check the R anchors")
	}
	t.Parallel()
	series := hospitalSeries(t)
	// Bounds: R's figure for the same split (ets, theta: to beat or match; snaive and ses: same method, same
	// numbers) plus the slack noted.
	checks := []struct {
		name           string
		maxRMSE, maxMS float64
	}{
		{"ets", 53.66, 0.762},     // R ets(): 53.66 / 0.762 (ours 52.87 / 0.755)
		{"theta", 56.40, 0.763},   // R thetaf(): 56.39 / 0.762
		{"snaive", 58.865, 0.922}, // R snaive(): 58.86
		{"ses", 75.60, 0.82},      // R ses(): 75.55
		{"tsb", 68.29, 0.81},      // the TSB anchor 68.29
		{"hw_additive", 58.0, 0.83},
		{"dotm", 55.5, 0.76}, // ours 54.92 / 0.757: better than thetaf on this and on earlier windows
	}
	for _, c := range checks {
		meth, ok := MethodByName(c.name)
		if !ok {
			t.Fatalf("no method %q", c.name)
		}
		sc := scoreHoldout(t, series, meth, 12, 12)
		t.Logf("%-18s pooled RMSE %7.2f  MASE %.3f  mean RMSE %7.2f  failed %d", c.name, sc.pooled, sc.mase, sc.rmse,
			sc.failed)
		if sc.failed > 0 || sc.pooled > c.maxRMSE || sc.mase > c.maxMS {
			t.Errorf("%s: pooled RMSE %.3f MASE %.4f (failed %d), want <= %.3f and <= %.3f", c.name, sc.pooled,
				sc.mase, sc.failed, c.maxRMSE, c.maxMS)
		}
	}
	if os.Getenv("FM_ALL") == "" {
		return
	}
	for _, meth := range Methods() {
		start := time.Now()
		sc := scoreHoldout(t, series, meth, 12, 12)
		t.Logf("%-18s pooled RMSE %7.2f  MASE %.3f  mean RMSE %7.2f  failed %d  %v", meth.Name(), sc.pooled, sc.mase,
			sc.rmse, sc.failed, time.Since(start))
	}
}
