package forecast

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sharedData returns the path of a file in ../shared/data relative to the repository root, or skips.
func sharedData(tb testing.TB, name string) string {
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
			tb.Skip("repository root (go.mod) not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared data %s absent: %v", p, err)
	}
	return p
}

func loadHospital(tb testing.TB) []Series {
	tb.Helper()
	s, err := ReadLongCSVFile(sharedData(tb, "hospital_long.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestHospitalDev prints the full backtest table; run by hand with FS_DEV=1 while tuning. FS_INNER=n drops the
// last n years first (inner validation windows that never see the real holdout).
func TestHospitalDev(t *testing.T) {
	if os.Getenv("FS_DEV") == "" {
		t.Skip("set FS_DEV=1 to print the hospital backtest table")
	}
	// The FS_* variables below override the package's candidate lists for design experiments (see the comment on
	// candidatesSeasonal); restore them so tests running after this one see the defaults.
	saved := [][]string{candidatesSeasonal, candidatesIntermittent}
	savedEns := [][]Ensemble{ensemblesSeasonal, ensemblesIntermittent}
	t.Cleanup(func() {
		candidatesSeasonal, candidatesIntermittent = saved[0], saved[1]
		ensemblesSeasonal, ensemblesIntermittent = savedEns[0], savedEns[1]
	})
	series := loadHospital(t)
	if os.Getenv("FS_SYNTH") != "" {
		// Tuning set for intermittent demand: a different seed from the one TestIntermittentBeatsTSBAndZero uses.
		series = synthIntermittent(7, 300, 51)
	}
	if v := os.Getenv("FS_INTCANDS"); v != "" {
		candidatesIntermittent = strings.Split(v, ",")
	}
	if v := os.Getenv("FS_INTENS"); v != "" {
		ensemblesIntermittent = parseEnsembles(v)
	}
	if v := os.Getenv("FS_INNER"); v != "" {
		// Inner validation: drop the real holdout so design choices never see it.
		for i := range series {
			n, _ := strconv.Atoi(v)
			series[i].Values = series[i].Values[:len(series[i].Values)-12*n]
		}
	}
	bo := BacktestOptions{Holdout: 12, NoAuto: os.Getenv("FS_NOAUTO") != ""}
	if v := os.Getenv("FS_ENS"); v != "" {
		bo.Ensembles = parseEnsembles(v)
	}
	if v := os.Getenv("FS_METHODS"); v != "" {
		bo.Methods = strings.Split(v, ",")
	}
	atoi := func(k string) int { n, _ := strconv.Atoi(os.Getenv(k)); return n }
	bo.Auto.Origins, bo.Auto.OriginStep = atoi("FS_ORIGINS"), atoi("FS_STEP")
	bo.Auto.Metric = Metric(os.Getenv("FS_METRIC"))
	if v := os.Getenv("FS_OUT"); v != "" {
		bo.Auto.OutlierK, _ = strconv.ParseFloat(v, 64)
	}
	if v := os.Getenv("FS_MARGIN"); v != "" {
		bo.Auto.Margin, _ = strconv.ParseFloat(v, 64)
	}
	bo.Auto.NoEnsembles = os.Getenv("FS_NOENS") != ""
	if v := os.Getenv("FS_CANDS"); v != "" {
		candidatesSeasonal = strings.Split(v, ",")
	}
	if v := os.Getenv("FS_AUTOENS"); v != "" {
		ensemblesSeasonal = parseEnsembles(v)
	}
	rep, err := Backtest(context.Background(), series, bo)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s\nchosen: %v", buf.String(), rep.Chosen)
}

// R forecast 8.20 on hospital, holdout 12 (from the issue). RMSE there is the pooled RMSE (our snaive and SES
// reproduce R's 58.86 and 75.55 exactly only with pooling), MASE the mean over series.
const (
	rBestRMSE = 53.66 // ets()
	rBestMASE = 0.762 // thetaf()
	rETSAbsME = 2.18  // ets(), the best-RMSE method (thetaf()'s, the best-MASE method's, is 1.15)
)

// TestHospitalAccuracy asserts the automatic choice beats R's best methods on the hospital holdout.
func TestHospitalAccuracy(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("hospital accuracy needs every method on 767 series; skipped with -short")
	}
	if selectionRaceBuild {
		// The same selection code runs under -race in the smaller tests (TestBacktestReport,
		// TestForecastAllDeterministic, TestIntermittentBeatsTSBAndZero); this one checks numbers.
		t.Skip("hospital accuracy is checked without -race (go test ./internal/forecast): 10-20x slower under the race detector")
	}
	series := loadHospital(t)
	rep, err := Backtest(context.Background(), series, BacktestOptions{Holdout: 12, Methods: []string{"snaive"}, Ensembles: []Ensemble{}})
	if err != nil {
		t.Fatal(err)
	}
	var auto, snaive ReportRow
	for _, r := range rep.Rows {
		switch r.Method {
		case "auto":
			auto = r
		case "snaive":
			snaive = r
		}
	}
	t.Logf("auto: pooled RMSE %.3f (mean per-series %.3f), MASE %.4f, RMSSE %.4f, ME %.3f; chosen %v",
		auto.RMSEPooled, auto.RMSE, auto.MASE, auto.RMSSE, auto.ME, rep.Chosen)
	// The protocol check: our snaive must reproduce R's figure, else the comparison is meaningless.
	if math.Abs(snaive.RMSEPooled-58.86) > 0.01 {
		t.Fatalf("snaive pooled RMSE %.3f does not reproduce R's 58.86: protocol mismatch", snaive.RMSEPooled)
	}
	if rep.Series != 767 {
		t.Fatalf("%d series evaluated, want 767", rep.Series)
	}
	if !(auto.RMSEPooled < rBestRMSE) {
		t.Errorf("auto RMSE %.3f does not beat R ets %.2f", auto.RMSEPooled, rBestRMSE)
	}
	if !(auto.MASE < rBestMASE) {
		t.Errorf("auto MASE %.4f does not beat R thetaf %.3f", auto.MASE, rBestMASE)
	}
	// What the selection has won on this holdout must not be lost by later changes (docs/forecasting.md's
	// table: pooled RMSE 48.45, MASE 0.736, RMSSE 0.805).
	if !(auto.RMSEPooled < 48.45 && auto.MASE < 0.7360 && auto.RMSSE < 0.8055) {
		t.Errorf("auto pooled RMSE %.3f, MASE %.4f, RMSSE %.4f: worse than the documented 48.45, 0.736, 0.805",
			auto.RMSEPooled, auto.MASE, auto.RMSSE)
	}
	// The bias of one 12-month holdout is mostly that year's shock: over six windows (the last 0 to 30 months
	// dropped, 6 apart) the automatic choice's ME runs from -6.0 to +14.5. It must stay below R ets()'s; it was
	// also below thetaf()'s 1.15 (1.09) until the shrunk seasonal candidates (1.52; over the six windows their
	// mean ME is 2.29 against 2.95 before, mean |ME| 5.92 against 5.85), and is again with the pooled model (0.93).
	if !(math.Abs(auto.ME) <= rETSAbsME) {
		t.Errorf("auto |ME| %.3f larger than R ets()'s %.2f", math.Abs(auto.ME), rETSAbsME)
	}
}

// parseEnsembles reads the development tests' ensemble lists: combinations separated by ';', each a combine
// rule, ':' and its members separated by ',' (FS_ENS="mean:ets,theta;median:ets,theta,snaive").
func parseEnsembles(v string) []Ensemble {
	out := []Ensemble{}
	for _, part := range strings.Split(v, ";") {
		c, members, _ := strings.Cut(part, ":")
		out = append(out, Ensemble{Combine(c), strings.Split(members, ",")})
	}
	return out
}
