package plan

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// Priorities, most urgent first.
const (
	Alta  = "ALTA"
	Media = "MEDIA"
	Baja  = "BAJA"
)

// Flags attached to rows. A row may carry several.
const (
	// FlagNoInventoryRecord: the SKU sells (or is forecast) but Odoo has no on-hand record for it; inventory is taken as 0.
	FlagNoInventoryRecord = "no_inventory_record"
	// FlagNoForecast: the SKU has no forecast at all (never sold, or too little history); forecast is taken as 0.
	FlagNoForecast = "no_forecast"
	// FlagMonthOutsideForecast: the SKU has a forecast, but not for this month (before its first or after its last
	// forecast month); forecast is taken as 0.
	FlagMonthOutsideForecast = "month_outside_forecast"
	// FlagNegativeInventory: Odoo's on-hand quantity is below zero (more was delivered than was recorded in stock);
	// CoverageMonths is 0.
	FlagNegativeInventory = "negative_inventory"
	// FlagSurplus: the stock available for the month exceeds what the month needs (its forecast and safety
	// stock), so nothing is to be produced; always a BAJA row. A negative production_needed alone is not a
	// surplus: the backlog may still eat the stock.
	FlagSurplus = "surplus"
	// FlagArchived: the product is archived in Odoo but still has sales (or backlog), so it is kept.
	FlagArchived = "archived"
	// FlagNoInterval: the month's 95% upper bound is below its forecast (missing or invalid interval), so the
	// safety stock is 0.
	FlagNoInterval = "no_interval"
)

// MaxQuantity bounds every input quantity (in absolute value). Larger values are corrupt data, and refusing them
// keeps every sum and ratio finite.
const MaxQuantity = 1e15

// MaxCoverage bounds the ALTA and MEDIA thresholds: the MEDIA one multiplies the forecast into a stock target, and
// a hundred months of a month's demand is already far beyond any plan.
const MaxCoverage = 100

// z95 converts the upper half-width of a two-sided 95% interval into a standard deviation.
const z95 = 1.959963984540054

// minAverageDemand is the average monthly forecast below which demand counts as none for CoverageMonths, so a
// near-zero forecast yields "no demand" (nil) rather than an astronomically large coverage.
const minAverageDemand = 1e-9

// Config tunes the plan. The zero value is valid: WithDefaults fills every zero field, so a threshold cannot be
// set to exactly 0 (use a tiny value such as 1e-9 instead).
type Config struct {
	// ServiceLevel is the probability of not running out within a month that the safety stock aims for, between
	// 0.5 (no safety stock) and 0.999. Default 0.95.
	ServiceLevel float64
	// AltaCoverage: a row is ALTA when the stock available for the month (ProjectedOpening) is below this
	// fraction of the month's forecast. Default 0.5: less than half of the month's demand is in stock. Since
	// the comparison is strict, a month with zero forecast is ALTA only when its available stock is negative.
	AltaCoverage float64
	// MediaCoverage is the least stock the plan aims to have for a month, as a fraction of its forecast: the
	// recommended quantity covers max(forecast + safety stock, MediaCoverage × forecast). Default 1.0, which the
	// safety stock already exceeds; values above 1 (e.g. 1.5) keep a margin, so a SKU whose stock covers the
	// month with less margin than this gets something to produce (MEDIA). Must be >= AltaCoverage.
	MediaCoverage float64
	// CoverageHorizon is the number of months, from the target month, whose forecasts are averaged for
	// CoverageMonths. Default 0: every forecast month from the target month on.
	CoverageHorizon int
}

// WithDefaults returns the configuration with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.ServiceLevel == 0 {
		c.ServiceLevel = 0.95
	}
	if c.AltaCoverage == 0 {
		c.AltaCoverage = 0.5
	}
	if c.MediaCoverage == 0 {
		c.MediaCoverage = 1.0
	}
	return c
}

// Validate checks a configuration (after WithDefaults).
func (c Config) Validate() error {
	sl := c.ServiceLevel
	if math.IsNaN(sl) || sl < 0.5 || sl > 0.999 {
		hint := ""
		if sl >= 50 && sl <= 99.9 {
			hint = fmt.Sprintf(" (did you mean %g?)", sl/100)
		}
		return configErrorf("ServiceLevel", "plan: service level %g out of range: want a fraction between 0.5 and 0.999, e.g. 0.95 for 95%%%s", sl, hint)
	}
	if math.IsNaN(c.AltaCoverage) || c.AltaCoverage < 0 || c.AltaCoverage > MaxCoverage {
		return configErrorf("AltaCoverage", "plan: ALTA coverage threshold %g: want a fraction between 0 and %d, e.g. 0.5", c.AltaCoverage, MaxCoverage)
	}
	if math.IsNaN(c.MediaCoverage) || c.MediaCoverage < 0 || c.MediaCoverage > MaxCoverage {
		return configErrorf("MediaCoverage", "plan: MEDIA coverage threshold %g: want a fraction between 0 and %d, e.g. 1.0", c.MediaCoverage, MaxCoverage)
	}
	if c.MediaCoverage < c.AltaCoverage {
		return configErrorf("MediaCoverage", "plan: MEDIA coverage threshold %g is below the ALTA threshold %g: MEDIA must be >= ALTA", c.MediaCoverage, c.AltaCoverage)
	}
	if c.CoverageHorizon < 0 {
		return configErrorf("CoverageHorizon", "plan: coverage horizon %d months: want 0 (whole forecast) or more", c.CoverageHorizon)
	}
	return nil
}

// ConfigError is a Config field out of range; Field names it, so a caller can name the setting it came from.
type ConfigError struct {
	Field string
	Msg   string
}

func (e *ConfigError) Error() string { return e.Msg }

func configErrorf(field, format string, args ...any) error {
	return &ConfigError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// SafetyFactor returns z, the number of standard deviations of safety stock for the service level.
func (c Config) SafetyFactor() float64 {
	return distuv.UnitNormal.Quantile(c.WithDefaults().ServiceLevel)
}

// ForecastPoint is one future month's forecast of a SKU.
type ForecastPoint struct {
	Month    Month
	Quantity float64 // point forecast (>= 0; a negative value is taken as 0)
	Upper95  float64 // upper bound of the two-sided 95% prediction interval (>= Quantity); used for safety stock
}

// SKUInput is everything the plan needs about one SKU of one connection.
type SKUInput struct {
	SKU          string
	ProductName  string
	ProductType  string // "storable", "consumable", "service", "combo", or "" when unknown; only service and combo are excluded
	Active       bool
	HasSales     bool
	Forecast     []ForecastPoint // future months in increasing order, may be empty (no forecast: surplus or unknown)
	HasInventory bool
	OnHand       float64 // qty_available; may be negative (oversold); ignored without HasInventory
	Backlog      float64 // confirmed, undelivered quantity (sum over open lines of max(0, ordered - delivered)), >= 0
}

// Row is the plan of one SKU for one target month. See the package documentation for each column's meaning.
type Row struct {
	SKU, ProductName string
	Month            Month
	Forecast         float64  // forecast for the target month (0 when none)
	Inventory        float64  // on hand now (0 when missing)
	ProductionNeeded float64  // Forecast - Inventory (may be negative = surplus); every month uses today's inventory
	SafetyStock      float64  // z(service level) * sigma of the month's forecast
	Backlog          float64  // confirmed, undelivered quantity now
	ProjectedOpening float64  // stock available for the month: Inventory - Backlog - earlier forecasts + earlier recommended
	Recommended      float64  // max(0, Forecast + SafetyStock - ProjectedOpening); first month: max(0, F + SS + Backlog - Inventory)
	CoverageMonths   *float64 // max(0, Inventory) / average monthly forecast from the target month; nil when there is no demand
	StockoutMonth    *Month   // first month from the target month on where stock runs out if nothing is produced; nil if none
	Priority         string   // ALTA or MEDIA exactly when Recommended > 0, BAJA otherwise
	Reason           string   // why this priority: one of the Reason constants
	Flags            []string // FlagNoInventoryRecord, FlagNoForecast, ...
}

const reasonArchivedNoSales = "archived without sales"

// Excluded reports whether a SKU is left out of the plan, and why: services and combos are never produced, and
// archived products that never sold have no demand to plan for.
func Excluded(in SKUInput) (bool, string) {
	switch strings.ToLower(strings.TrimSpace(in.ProductType)) {
	case "service":
		return true, "service"
	case "combo":
		return true, "combo"
	}
	if !in.Active && !in.HasSales {
		return true, reasonArchivedNoSales
	}
	return false, ""
}

// Compute returns the plan rows for every included SKU and each target month, sorted by priority (ALTA first)
// then ProductionNeeded descending then SKU then month. Excluded: services (and combos), and archived SKUs without
// sales. Months may come in any order; duplicates are ignored. An input error (duplicate SKU, non-finite or
// out-of-range quantity, forecast months out of order) fails the whole call, naming the SKU.
func Compute(inputs []SKUInput, months []Month, cfg Config) ([]Row, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(months) == 0 {
		return nil, errors.New("plan: no target month")
	}
	targets := slices.Clone(months)
	for _, m := range targets {
		if !m.Valid() {
			return nil, fmt.Errorf("plan: invalid target month %d-%d", m.Year, int(m.Month))
		}
	}
	slices.SortFunc(targets, func(a, b Month) int { return cmp.Compare(a.index(), b.index()) })
	targets = slices.Compact(targets)

	seen := make(map[string]struct{}, len(inputs))
	included := 0
	for i := range inputs {
		in := &inputs[i]
		if _, dup := seen[in.SKU]; dup {
			return nil, fmt.Errorf("plan: SKU %q appears twice in the input", in.SKU)
		}
		seen[in.SKU] = struct{}{}
		if err := checkInput(in); err != nil {
			return nil, err
		}
		if ex, _ := Excluded(*in); !ex {
			included++
		}
	}

	z := distuv.UnitNormal.Quantile(cfg.ServiceLevel)
	n := included * len(targets)
	b := builder{
		cfg:      cfg,
		z:        z,
		rows:     make([]Row, 0, n),
		flags:    make([]string, 0, 2*n),
		coverage: make([]float64, n),
		stockout: make([]Month, n),
	}
	for i := range inputs {
		if ex, _ := Excluded(inputs[i]); ex {
			continue
		}
		b.sku(&inputs[i], targets)
	}
	slices.SortFunc(b.rows, compareRows)
	return b.rows, nil
}

func compareRows(a, b Row) int {
	if c := cmp.Compare(priorityRank(a.Priority), priorityRank(b.Priority)); c != 0 {
		return c
	}
	if c := cmp.Compare(b.ProductionNeeded, a.ProductionNeeded); c != 0 {
		return c
	}
	if c := strings.Compare(a.SKU, b.SKU); c != 0 {
		return c
	}
	return cmp.Compare(a.Month.index(), b.Month.index())
}

func priorityRank(p string) int {
	switch p {
	case Alta:
		return 0
	case Media:
		return 1
	}
	return 2
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func usable(x float64) bool { return finite(x) && math.Abs(x) <= MaxQuantity }

func checkQty(sku, what string, x float64) error {
	if !usable(x) {
		return fmt.Errorf("plan: SKU %q: %s %g is not a usable quantity (want a finite number within ±%g)", sku, what, x, MaxQuantity)
	}
	return nil
}

func checkInput(in *SKUInput) error {
	if in.HasInventory {
		if err := checkQty(in.SKU, "on-hand quantity", in.OnHand); err != nil {
			return err
		}
	}
	if err := checkQty(in.SKU, "backlog", in.Backlog); err != nil {
		return err
	}
	if in.Backlog < 0 {
		return fmt.Errorf("plan: SKU %q: backlog %g is negative (want the sum of max(0, ordered - delivered))", in.SKU, in.Backlog)
	}
	for i, p := range in.Forecast {
		if !p.Month.Valid() {
			return fmt.Errorf("plan: SKU %q: invalid forecast month %d-%d", in.SKU, p.Month.Year, int(p.Month.Month))
		}
		if i > 0 && !in.Forecast[i-1].Month.Before(p.Month) {
			return fmt.Errorf("plan: SKU %q: forecast month %s follows %s: want increasing months", in.SKU, p.Month, in.Forecast[i-1].Month)
		}
		// The messages are built only on error: this loop runs for every forecast point of every SKU.
		if !usable(p.Quantity) {
			return checkQty(in.SKU, "forecast for "+p.Month.String(), p.Quantity)
		}
		if !usable(p.Upper95) {
			return checkQty(in.SKU, "95% upper bound for "+p.Month.String(), p.Upper95)
		}
	}
	return nil
}

// demand returns a point's forecast, with a negative forecast taken as 0.
func demand(p ForecastPoint) float64 { return max(0, p.Quantity) }

// sigma returns the standard deviation of a month's demand implied by its 95% interval: under a normal
// approximation the upper bound is Quantity + 1.96 sigma. The upper side is used because intervals of
// low-volume SKUs are often cut at zero below. A bound below the forecast (missing interval) gives 0.
func sigma(p ForecastPoint) float64 { return max(0, p.Upper95-p.Quantity) / z95 }

type builder struct {
	cfg      Config
	z        float64
	rows     []Row
	flags    []string // shared backing array of every row's Flags
	coverage []float64
	stockout []Month
}

func (b *builder) sku(in *SKUInput, targets []Month) {
	fc := in.Forecast
	inv := 0.0
	if in.HasInventory {
		inv = in.OnHand
	}
	avail := inv - in.Backlog

	// First month whose closing stock goes below zero if nothing is produced: stock falls month by month by the
	// forecast, so once negative it stays negative. out < 0 means no stock-out within the forecast; immediate
	// means the stock is already short (negative after backlog).
	immediate := avail < 0
	out := -1
	if !immediate {
		left := avail
		for i, p := range fc {
			left -= demand(p)
			if left < 0 {
				out = i
				break
			}
		}
	}

	opening := avail // stock available at the start of the next target month, production of earlier targets included
	j := 0           // next forecast point not yet consumed by the projection
	for _, t := range targets {
		for j < len(fc) && fc[j].Month.Before(t) {
			opening -= demand(fc[j])
			j++
		}
		var f, ss float64
		inForecast := j < len(fc) && fc[j].Month == t
		if inForecast {
			f = demand(fc[j])
			ss = b.z * sigma(fc[j])
			j++
		}
		// The stock the month should start with; MEDIA coverage above 1 asks for a margin beyond the safety stock.
		target := max(f+ss, b.cfg.MediaCoverage*f)
		rec := max(0, target-opening)
		r := Row{
			SKU:              in.SKU,
			ProductName:      in.ProductName,
			Month:            t,
			Forecast:         f,
			Inventory:        inv,
			ProductionNeeded: f - inv,
			SafetyStock:      ss,
			Backlog:          in.Backlog,
			ProjectedOpening: opening,
			Recommended:      rec,
		}
		k := len(b.rows)
		if avg, ok := averageDemand(fc, t, b.cfg.CoverageHorizon); ok {
			// Negative stock lasts no time at all (and is flagged), rather than a negative number of months.
			b.coverage[k] = max(0, inv) / avg
			r.CoverageMonths = &b.coverage[k]
		}
		switch {
		case immediate:
			b.stockout[k] = t
			r.StockoutMonth = &b.stockout[k]
		case out >= 0:
			b.stockout[k] = fc[out].Month
			if fc[out].Month.Before(t) {
				b.stockout[k] = t // ran out before the target month and still out in it
			}
			r.StockoutMonth = &b.stockout[k]
		}
		r.Priority, r.Reason = rule(r, b.cfg)

		start := len(b.flags)
		if !in.Active {
			b.flags = append(b.flags, FlagArchived)
		}
		if !in.HasInventory {
			b.flags = append(b.flags, FlagNoInventoryRecord)
		} else if inv < 0 {
			b.flags = append(b.flags, FlagNegativeInventory)
		}
		if len(fc) == 0 {
			b.flags = append(b.flags, FlagNoForecast)
		} else if !inForecast {
			b.flags = append(b.flags, FlagMonthOutsideForecast)
		}
		if inForecast && fc[j-1].Upper95 < fc[j-1].Quantity {
			b.flags = append(b.flags, FlagNoInterval)
		}
		if opening > target {
			b.flags = append(b.flags, FlagSurplus)
		}
		if end := len(b.flags); end > start {
			r.Flags = b.flags[start:end:end]
		}
		b.rows = append(b.rows, r)

		opening += rec - f
	}
}

// averageDemand is the average forecast over the points from month t on (at most horizon of them when
// horizon > 0); false when there are none or the average is (near) zero.
func averageDemand(fc []ForecastPoint, t Month, horizon int) (float64, bool) {
	var sum float64
	n := 0
	for _, p := range fc {
		if p.Month.Before(t) {
			continue
		}
		if horizon > 0 && p.Month.Sub(t) >= horizon {
			break
		}
		sum += demand(p)
		n++
	}
	if n == 0 {
		return 0, false
	}
	avg := sum / float64(n)
	return avg, avg >= minAverageDemand
}

// PriorityOf applies the priority rule to a row's numbers (Forecast, ProjectedOpening, Recommended) with cfg's
// thresholds (defaults filled in): ALTA or MEDIA exactly when Recommended > 0.
func PriorityOf(r Row, cfg Config) string {
	p, _ := rule(r, cfg.WithDefaults())
	return p
}

// Reasons given with each priority; constant strings, so a plan of many SKUs allocates none.
const (
	ReasonShort         = "stock already short: backlog, oversold quantity or earlier months' demand exceed what is on hand"
	ReasonBelowAlta     = "available stock below the ALTA share of the month's forecast"
	ReasonBelowMedia    = "available stock below the MEDIA share of the month's forecast"
	ReasonSafetyStock   = "month's forecast covered, safety stock or backlog not"
	ReasonNothingNeeded = "nothing to produce"
	ReasonOrderpoint    = "month's demand and safety stock covered, projected stock below the orderpoint's minimum"
)

// rule: nothing to produce is BAJA, whatever the thresholds; something to produce is ALTA when the month's stock is
// short or below the ALTA share of its forecast, MEDIA otherwise.
func rule(r Row, cfg Config) (string, string) {
	return classify(r.ProjectedOpening, r.Forecast, r.Recommended, r.Recommended, cfg)
}

// classify is the priority rule of both plans: avail is the stock available for the month, demand what the month
// consumes, planned what the plan makes or buys for it and net the requirement before lot sizing (planned can be
// positive with no requirement only when an orderpoint's minimum asks for it).
func classify(avail, demand, planned, net float64, cfg Config) (string, string) {
	switch {
	case !(planned > 0):
		return Baja, ReasonNothingNeeded
	case avail < 0:
		return Alta, ReasonShort
	case avail < cfg.AltaCoverage*demand:
		return Alta, ReasonBelowAlta
	case avail < cfg.MediaCoverage*demand:
		return Media, ReasonBelowMedia
	case !(net > 0):
		return Media, ReasonOrderpoint
	}
	return Media, ReasonSafetyStock
}
