package engine

import (
	"context"
	gosync "sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// TestForecastAndPlan: connections forecast at the same time each get their forecast and this month's plan
// stored; a report computes the same plan and stores nothing; a plan of a range replaces those months.
func TestForecastAndPlan(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		eng, tenants := newTenants(t, s, 3, nil)
		syncAtOnce(t, eng, tenants)
		cur := eng.Settings().CurrentMonth()
		if cur != plan.MonthOf(eng.Settings().Now()) {
			t.Fatalf("this month is %s, the fakes' %s", cur, plan.MonthOf(eng.Settings().Now()))
		}

		report, err := eng.ForecastReport(ctx, tenants[0].conn)
		if err != nil {
			t.Fatal(err)
		}
		if len(report.Results) == 0 || len(report.Plan) == 0 || report.Level != 80 {
			t.Fatalf("report: %d results, %d plan rows, level %g", len(report.Results), len(report.Plan), report.Level)
		}
		if fc, pl := stored(t, s, tenants[0].conn.ID); fc+pl != 0 {
			t.Errorf("a report stored %d forecast rows and %d plan rows", fc, pl)
		}

		outs := make([]ForecastOutcome, len(tenants))
		errs := make([]error, len(tenants))
		var wg gosync.WaitGroup
		for i, tn := range tenants {
			wg.Go(func() { outs[i], errs[i] = eng.ForecastAndPlan(ctx, tn.conn) })
		}
		wg.Wait()
		for i, tn := range tenants {
			out := outs[i]
			if errs[i] != nil {
				t.Fatalf("%s: %v", tn.conn.Name, errs[i])
			}
			if out.Forecast.SKUs == 0 || out.Horizon != 12 || out.Plan == nil || out.Plan.Month != cur {
				t.Fatalf("%s: %+v", tn.conn.Name, out)
			}
			fc, pl := stored(t, s, tn.conn.ID)
			if fc != out.Forecast.Rows || pl != out.Plan.Summary.Rows {
				t.Errorf("%s: %d forecast and %d plan rows stored, the outcome says %d and %d", tn.conn.Name, fc, pl, out.Forecast.Rows, out.Plan.Summary.Rows)
			}
			// The run is kept with the forecast: the same rows, with 80% and 95% bounds, whatever the level.
			runs, err := s.ForecastRunList(ctx, tn.conn.ID)
			if err != nil || len(runs) != 1 || runs[0].ID != out.Forecast.RunID || runs[0].SKUs != out.Forecast.SKUs ||
				runs[0].Horizon != 12 || runs[0].IntervalLevel != 80 || !runs[0].FirstMonth.Equal(time.Date(cur.Year, cur.Month, 1, 0, 0, 0, 0, time.UTC)) {
				t.Fatalf("%s: kept runs %+v, %v; want one of this forecast (run %d) from %s", tn.conn.Name, runs, err, out.Forecast.RunID, cur)
			}
			snaps, err := s.ForecastSnapshotList(ctx, &store.ForecastSnapshotListParams{RunIDs: []int64{runs[0].ID}})
			if err != nil || len(snaps) != fc {
				t.Fatalf("%s: %d snapshot rows, %v; want the %d forecast rows", tn.conn.Name, len(snaps), err, fc)
			}
			fcRows, _ := s.ForecastList(ctx, &store.ForecastListParams{ConnectionID: tn.conn.ID})
			for j, f := range fcRows {
				sn := snaps[j]
				if sn.SKU != f.SKU || !sn.Date.Equal(f.Date) || sn.Quantity != f.Quantity || sn.Lower80 != f.Lower || sn.Upper80 != f.Upper ||
					sn.Lower95 != f.Lower95 || sn.Upper95 != f.Upper95 || sn.Method != f.Method || sn.Class == "" {
					t.Fatalf("%s: snapshot row %+v differs from the forecast row %+v", tn.conn.Name, sn, f)
				}
			}
			if i == 0 && out.Plan.Summary != plan.Summarize(report.Plan) {
				t.Errorf("the stored plan %+v differs from the report's %+v", out.Plan.Summary, plan.Summarize(report.Plan))
			}
		}

		// The stats hold the runner-up the selection reported (the report computed the same forecast).
		stats, err := s.ForecastStatList(ctx, tenants[0].conn.ID)
		if err != nil {
			t.Fatal(err)
		}
		bySKU := map[string]*store.ForecastStat{}
		for _, st := range stats {
			bySKU[st.SKU] = st
		}
		withRunnerUp := 0
		for _, r := range report.Results {
			st := bySKU[r.ID]
			if st == nil || st.RunnerUp != r.RunnerUp || (st.RunnerUpRMSSE == nil) != (r.RunnerUp == "") ||
				(st.RunnerUpRMSSE != nil && *st.RunnerUpRMSSE != r.RunnerUpRMSSE) {
				t.Errorf("%s: stored runner-up %+v, the selection's %q %v", r.ID, st, r.RunnerUp, r.RunnerUpRMSSE)
			}
			if r.RunnerUp != "" {
				withRunnerUp++
			}
		}
		if withRunnerUp == 0 {
			t.Error("no SKU has a runner-up")
		}

		rows, sum, err := eng.Plan(ctx, tenants[1].conn, []plan.Month{cur, cur.Add(1)})
		if err != nil {
			t.Fatal(err)
		}
		if _, pl := stored(t, s, tenants[1].conn.ID); pl != len(rows) || sum.Rows != len(rows) || sum.Alta+sum.Media+sum.Baja != len(rows) {
			t.Errorf("a plan of two months: %d rows stored, %d computed, %+v", pl, len(rows), sum)
		}
	})
}

// stored counts a connection's forecast and plan rows.
func stored(t *testing.T, s store.Store, id int64) (forecast, plan int) {
	t.Helper()
	fc, err := s.ForecastList(context.Background(), &store.ForecastListParams{ConnectionID: id})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := s.ProductionList(context.Background(), &store.ProductionListParams{ConnectionID: id})
	if err != nil {
		t.Fatal(err)
	}
	return len(fc), len(pl)
}
