package plan

// Summary counts a plan.
type Summary struct {
	Rows                    int
	Alta, Media, Baja       int
	NeedProduction          int // rows with something to produce (recommended_quantity > 0): the ALTA and MEDIA rows
	NoInventory, NoForecast int
}

// Summarize counts rows by priority and flag.
func Summarize(rows []Row) Summary {
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
		if r.Recommended > 0 {
			sum.NeedProduction++
		}
		for _, f := range r.Flags {
			switch f {
			case FlagNoInventoryRecord:
				sum.NoInventory++
			case FlagNoForecast:
				sum.NoForecast++
			}
		}
	}
	return sum
}
