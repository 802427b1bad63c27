package plan

import (
	"testing"
	"time"
)

// TestSummarizeNet: a net row needs replenishing when its planned_quantity is positive, whatever its
// recommended_quantity (the net requirement before the orderpoint and lot sizes); the count splits by action and
// counts late releases.
func TestSummarizeNet(t *testing.T) {
	t.Parallel()
	// An orderpoint asks for 36 in February though February is covered (TestNetOrderpoint).
	op := stocked("OP", 30, fp(m(2026, 1), 10, 10), fp(m(2026, 2), 10, 10))
	op.Orderpoint = &Orderpoint{Min: 15, Max: 40, Multiple: 12}
	op.Manufacture = true
	// Bought with a 60-day delay: January's 100 missing units should have been ordered in November.
	late := stocked("LATE", 0, fp(m(2026, 1), 100, 100), fp(m(2026, 2), 0, 0))
	late.Supplier = &Supplier{DelayDays: 60}
	covered := stocked("COVERED", 500, fp(m(2026, 1), 10, 10), fp(m(2026, 2), 10, 10))
	rows, err := ComputeNet([]NetInput{op, late, covered}, NetParams{Today: netToday, Horizon: 2}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	planned, required := 0, 0
	for _, r := range rows {
		if r.Recommended > 0 {
			required++
		}
		if r.PlannedQuantity > 0 {
			planned++
		}
	}
	sum := Summarize(rows)
	// OP February (produce) and LATE January (buy, late): two rows, one of each, one late; the old column saw one.
	if !sum.Net || sum.NeedProduction != 2 || sum.Produce != 1 || sum.Buy != 1 || sum.LateRelease != 1 || sum.Rows != 6 {
		t.Errorf("Summarize = %+v, want 6 rows, 2 needing replenishment (1 produce, 1 buy), 1 late release", sum)
	}
	// LATE January, bought 60 days ahead: released on 2 November 2025 (1 January minus 60 days).
	if want := time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC); !sum.EarliestRelease.Equal(want) {
		t.Errorf("earliest late release %s, want %s", sum.EarliestRelease, want)
	}
	if sum.NeedProduction != planned || required != 1 {
		t.Errorf("need %d, rows with planned_quantity > 0 %d, with recommended_quantity > 0 %d (want 1: the orderpoint's row has none)",
			sum.NeedProduction, planned, required)
	}
}
