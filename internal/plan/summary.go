package plan

import "time"

// Summary counts a plan.
type Summary struct {
	Rows              int
	Alta, Media, Baja int
	// NeedProduction counts the rows with something to replenish: for a row of the net plan (one with an
	// action), planned_quantity > 0, split by action into Produce and Buy; for a row of Compute,
	// recommended_quantity > 0 (the ALTA and MEDIA rows).
	NeedProduction int
	Net            bool // some row is of the net plan: Produce, Buy and LateRelease count
	Produce, Buy   int  // net rows with planned_quantity > 0, by action
	LateRelease    int  // net rows flagged late_release
	// EarliestRelease is the earliest release date among the rows flagged late_release (zero without any): how
	// far behind the most overdue one is, which the count alone does not say (in the current month nearly every
	// row with a lead time is late).
	EarliestRelease         time.Time
	NoInventory, NoForecast int
}

// Summarize counts rows by priority, by what they plan and by flag. A net row's recommended_quantity is the net
// requirement before lot sizes and the orderpoint, so what it needs is its planned_quantity: an orderpoint may
// plan an order where the net requirement is 0.
func Summarize(rows []NetRow) Summary {
	sum := Summary{Rows: len(rows)}
	for _, r := range rows {
		switch r.Priority {
		case Alta:
			sum.Alta++
		case Media:
			sum.Media++
		default:
			sum.Baja++
		}
		if r.Action != "" {
			sum.Net = true
			if r.PlannedQuantity > 0 {
				sum.NeedProduction++
				if r.Action == ActionBuy {
					sum.Buy++
				} else {
					sum.Produce++
				}
			}
		} else if r.Recommended > 0 {
			sum.NeedProduction++
		}
		for _, f := range r.Flags {
			switch f {
			case FlagNoInventoryRecord:
				sum.NoInventory++
			case FlagNoForecast:
				sum.NoForecast++
			case FlagLateRelease:
				sum.LateRelease++
				if sum.EarliestRelease.IsZero() || r.ReleaseDate.Before(sum.EarliestRelease) {
					sum.EarliestRelease = r.ReleaseDate
				}
			}
		}
	}
	return sum
}
