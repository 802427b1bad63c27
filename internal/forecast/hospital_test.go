package forecast

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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

// TestHospitalDev prints the full backtest table; run by hand with FS_DEV=1 while tuning.
func TestHospitalDev(t *testing.T) {
	if os.Getenv("FS_DEV") == "" {
		t.Skip("set FS_DEV=1 to print the hospital backtest table")
	}
	series := loadHospital(t)
	if v := os.Getenv("FS_INNER"); v != "" {
		// Inner validation: drop the real holdout so design choices never see it.
		for i := range series {
			series[i].Values = series[i].Values[:len(series[i].Values)-12]
		}
	}
	bo := BacktestOptions{Holdout: 12, NoAuto: os.Getenv("FS_NOAUTO") != ""}
	if v := os.Getenv("FS_ENS"); v != "" {
		// e.g. FS_ENS="mean:ets,theta;median:ets,theta,snaive"
		for _, part := range strings.Split(v, ";") {
			c, members, _ := strings.Cut(part, ":")
			bo.Ensembles = append(bo.Ensembles, Ensemble{Combine(c), strings.Split(members, ",")})
		}
	}
	if v := os.Getenv("FS_METHODS"); v != "" {
		bo.Methods = strings.Split(v, ",")
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
