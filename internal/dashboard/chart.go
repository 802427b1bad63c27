package dashboard

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// The SKU page's chart, drawn on the server as SVG: no script, and it scales to the screen (viewBox). Every
// mark carries data-series so a test (or a curious planner) can find it, and a <title> a browser shows on
// hover.

const (
	chartW, chartH                               = 640.0, 340.0
	chartLeft, chartRight, chartTop, chartBottom = 64.0, 12.0, 14.0, 40.0
	chartMaxXLabels                              = 8
)

type chartPoint struct {
	X, Y  float64
	Month string
	Title string
}

type chartTick struct {
	Pos   float64
	Label string
	Minor bool // hidden on phones, where every other month label would overlap
}

type chartLine struct {
	Y     float64
	Label string
	Title string
}

// chartCleaned marks a month of history the forecast cleaned as an outlier: the raw point stays on the history
// line, a hollow diamond at the cleaned value is joined to it by a dotted stem.
type chartCleaned struct {
	X, Y, RawY float64 // Y: the cleaned value
	Diamond    string  // polygon points around (X, Y)
	Month      string
	Title      string
}

// chartOverride marks a month whose forecast a planner overrode: a triangle at the override (what the plan uses),
// joined by a dotted stem to the statistical forecast of the month.
type chartOverride struct {
	X, Y, StatY float64 // Y: the override
	Triangle    string  // polygon points around (X, Y)
	Month       string
	Title       string
}

type chartBar struct {
	X, Y, W, H float64
	Month      string
	Title      string
	Series     string // recommended; a net plan's supply and planned
}

// chart is the SVG's geometry in viewBox units, with its labels in the page's language.
type chart struct {
	W, H                 float64
	Left, Right, Top     float64
	Bottom               float64 // y of the x axis
	XTicks, YTicks       []chartTick
	History, Forecast    []chartPoint
	Past                 []chartPoint // the past forecasts (lag 1) of completed months
	PastPath             string
	HistoryPath          string // polyline points
	ForecastPath         string
	Band80, Band95       string // polygon points
	Level                string // of the inner band, "80"
	Inventory, Backlog   *chartLine
	Bars                 []chartBar
	Net                  bool // the plan is a net plan: supply and planned bars instead of recommended ones
	HasSupply            bool
	NowX                 float64         // where the forecast starts
	Empty                bool            // nothing to draw
	Label                string          // the SVG's accessible name
	Cleaned              []chartCleaned  // outlier months, from forecast_stats
	Overrides            []chartOverride // months whose forecast a planner overrode, from this month on
	HasBand80, HasBand95 bool
}

// newChart lays out a SKU's history, forecast with bands, inventory, backlog and recommended quantities on
// one month axis; for a net plan, instead of the recommended quantities, each month's supply on its way (open
// manufacturing orders and purchase lines) and planned quantity side by side. ov, when not nil, adds the
// overrides in force.
func newChart(l *locale, v *engine.SKUView, ov *engine.SKUOverrides) *chart {
	c := &chart{W: chartW, H: chartH, Left: chartLeft, Right: chartW - chartRight, Top: chartTop, Bottom: chartH - chartBottom,
		Label: l.T("sku.chart.label", v.SKU)}
	// The month axis: from the first month of history (or forecast) to the last forecast or plan month.
	var first, last plan.Month
	have := false
	span := func(m plan.Month) {
		if !have {
			first, last, have = m, m, true
			return
		}
		if m.Before(first) {
			first = m
		}
		if last.Before(m) {
			last = m
		}
	}
	for _, h := range v.History {
		span(h.Month)
	}
	for _, f := range v.Forecast {
		span(plan.MonthOf(f.Date))
	}
	for _, r := range v.Plan {
		span(plan.Month{Year: r.Year, Month: timeMonth(r.Month)})
	}
	for _, pt := range pastForecasts(v) {
		span(plan.MonthOf(pt.Month.Time()))
	}
	overrides := overridesInForce(ov)
	for _, o := range overrides {
		span(o.Month)
	}
	if !have {
		c.Empty = true
		return c
	}
	// The value axis: from 0 (or a negative stock) to the largest value drawn.
	lo, hi := 0.0, 0.0
	grow := func(vs ...float64) {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	for _, h := range v.History {
		grow(h.Quantity)
	}
	for _, f := range v.Forecast {
		grow(f.Quantity, f.Upper, f.Upper95, f.Lower, f.Lower95)
	}
	for _, r := range v.Plan {
		if r.Action != "" {
			c.Net = true
		}
	}
	for _, r := range v.Plan {
		if c.Net {
			grow(r.IncomingProduction+r.IncomingPurchase, r.PlannedQuantity)
		} else {
			grow(r.Recommended)
		}
	}
	for _, pt := range pastForecasts(v) {
		grow(pt.Forecast)
	}
	for _, o := range overrides {
		grow(*o.Override.Quantity)
	}
	cleaned := chartOutliers(v)
	for _, o := range cleaned {
		grow(o.Cleaned, o.Raw)
	}
	if v.HasInventory {
		grow(v.OnHand)
	}
	grow(v.Backlog)
	ticks, tlo, thi := niceTicks(lo, hi, 5)
	y := func(val float64) float64 {
		return round1(c.Bottom - (val-tlo)/(thi-tlo)*(c.Bottom-c.Top))
	}
	widest := 0
	for _, t := range ticks {
		c.YTicks = append(c.YTicks, chartTick{Pos: y(t), Label: l.Num(t, decimalsFor(thi-tlo))})
		widest = max(widest, utf8.RuneCountInString(c.YTicks[len(c.YTicks)-1].Label))
	}
	// Room for the widest value label at a phone's font size (19 units, a digit about 11.5 wide): "15.000"
	// does not fit in the usual 64.
	c.Left = max(chartLeft, round1(10+11.5*float64(widest)))
	n := last.Sub(first) + 1
	step := (c.Right - c.Left) / float64(n)
	x := func(m plan.Month) float64 { return round1(c.Left + (float64(m.Sub(first))+0.5)*step) }
	every := (n + chartMaxXLabels - 1) / chartMaxXLabels
	for i := 0; i < n; i += every {
		m := first.Add(i)
		c.XTicks = append(c.XTicks, chartTick{Pos: x(m), Label: m.String(), Minor: (i/every)%2 == 1})
	}

	var path strings.Builder
	for _, h := range v.History {
		p := chartPoint{X: x(h.Month), Y: y(h.Quantity), Month: h.Month.String(), Title: l.T("sku.chart.history_point", h.Month.String(), l.Num(h.Quantity, 1))}
		c.History = append(c.History, p)
		addPoint(&path, p)
	}
	c.HistoryPath = path.String()
	for _, o := range cleaned {
		m := plan.MonthOf(o.Month)
		cx, cy := x(m), y(o.Cleaned)
		c.Cleaned = append(c.Cleaned, chartCleaned{X: cx, Y: cy, RawY: y(o.Raw), Month: m.String(),
			Diamond: strings.Join([]string{coord(cx, cy-5), coord(cx+5, cy), coord(cx, cy+5), coord(cx-5, cy)}, " "),
			Title:   l.T("sku.chart.cleaned_point", m.String(), l.Num(o.Raw, 1), l.Num(o.Cleaned, 1))})
	}

	path.Reset()
	var up80, lo80, up95, lo95 []string
	for _, f := range v.Forecast {
		m := plan.MonthOf(f.Date)
		level := l.Num(f.IntervalLevel, 0)
		c.Level = level
		p := chartPoint{X: x(m), Y: y(f.Quantity), Month: m.String(), Title: l.T("sku.chart.forecast_point", m.String(), l.Num(f.Quantity, 1),
			level, l.Num(f.Lower, 1), l.Num(f.Upper, 1), l.Num(f.Lower95, 1), l.Num(f.Upper95, 1))}
		c.Forecast = append(c.Forecast, p)
		addPoint(&path, p)
		up80 = append(up80, coord(p.X, y(f.Upper)))
		lo80 = append(lo80, coord(p.X, y(f.Lower)))
		up95 = append(up95, coord(p.X, y(f.Upper95)))
		lo95 = append(lo95, coord(p.X, y(f.Lower95)))
	}
	c.ForecastPath = path.String()
	c.Past, c.PastPath = pastPoints(l, v, x, y)
	for _, o := range overrides {
		q := *o.Override.Quantity
		ox, oy := x(o.Month), y(q)
		mark := chartOverride{X: ox, Y: oy, StatY: oy, Month: o.Month.String(),
			Triangle: strings.Join([]string{coord(ox, oy-6), coord(ox+6, oy+5), coord(ox-6, oy+5)}, " ")}
		stat := "—"
		if o.Statistical != nil {
			mark.StatY, stat = y(*o.Statistical), l.Num(*o.Statistical, 1)
		}
		mark.Title = l.T("sku.chart.override_point", mark.Month, l.Num(q, 1), stat, o.Override.CreatedBy)
		if o.Override.Note != "" {
			mark.Title += ": " + o.Override.Note
		}
		c.Overrides = append(c.Overrides, mark)
	}
	if len(v.Forecast) > 0 {
		c.Band80, c.Band95 = band(up80, lo80), band(up95, lo95)
		c.HasBand80, c.HasBand95 = true, true
		c.NowX = round1(c.Forecast[0].X - step/2)
	}
	if v.HasInventory {
		c.Inventory = &chartLine{Y: y(v.OnHand), Label: l.T("sku.chart.inventory_short", l.Num(v.OnHand, 1)), Title: l.T("sku.chart.inventory", l.Num(v.OnHand, 1))}
	}
	c.Backlog = &chartLine{Y: y(v.Backlog), Label: l.T("sku.chart.backlog_short", l.Num(v.Backlog, 1)), Title: l.T("sku.chart.backlog", l.Num(v.Backlog, 1))}
	barW := round1(max(step*0.45, 2))
	bar := func(series string, left float64, w, v float64, m plan.Month, title string) {
		top := y(max(v, 0))
		c.Bars = append(c.Bars, chartBar{X: round1(left), Y: top, W: w, H: round1(y(0) - top), Month: m.String(), Title: title, Series: series})
	}
	for _, r := range v.Plan {
		m := plan.Month{Year: r.Year, Month: timeMonth(r.Month)}
		if !c.Net {
			bar("recommended", x(m)-barW/2, barW, r.Recommended, m, l.T("sku.chart.recommended", m.String(), l.Num(r.Recommended, 1), r.Priority))
			continue
		}
		half := round1(max(barW/2, 1))
		if supply := r.IncomingProduction + r.IncomingPurchase; supply > 0 {
			c.HasSupply = true
			bar("supply", x(m)-half, half, supply, m, l.T("sku.chart.supply", m.String(), l.Num(supply, 1),
				l.Num(r.IncomingProduction, 1), l.Num(r.IncomingPurchase, 1)))
		}
		title := l.T("sku.chart.planned", m.String(), l.Num(r.PlannedQuantity, 1), r.Priority)
		if r.Action != "" {
			title = l.T("sku.chart.planned_action", m.String(), l.Num(r.PlannedQuantity, 1), l.T("action."+r.Action), r.Priority)
			if r.ReleaseDate != nil {
				title += " · " + l.T("sku.chart.release", r.ReleaseDate.Format(time.DateOnly))
			}
		}
		bar("planned", x(m), half, r.PlannedQuantity, m, title)
	}
	return c
}

// chartOutliers are the SKU's months cleaned as outliers by the stored forecast that fall on the history drawn
// (a later sync can have moved the history's start).
func chartOutliers(v *engine.SKUView) []store.CleanedMonth {
	if v.Stats == nil || len(v.History) == 0 {
		return nil
	}
	first, last := v.History[0].Month, v.History[len(v.History)-1].Month
	var out []store.CleanedMonth
	for _, o := range v.Stats.Outliers {
		if m := plan.MonthOf(o.Month); !m.Before(first) && !last.Before(m) {
			out = append(out, o)
		}
	}
	return out
}

func addPoint(b *strings.Builder, p chartPoint) {
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(coord(p.X, p.Y))
}

// band is a polygon along the upper bounds and back along the lower ones.
func band(upper, lower []string) string {
	pts := append([]string{}, upper...)
	for i := len(lower) - 1; i >= 0; i-- {
		pts = append(pts, lower[i])
	}
	return strings.Join(pts, " ")
}

func coord(x, y float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64) + "," + strconv.FormatFloat(y, 'f', -1, 64)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// niceTicks returns about n round values (steps of 1, 2 or 5 times a power of ten) covering lo..hi, and the
// axis ends they make.
func niceTicks(lo, hi float64, n int) ([]float64, float64, float64) {
	if hi-lo <= 0 {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, f := range []float64{1, 2, 5, 10} {
		if f*mag >= raw {
			step = f * mag
			break
		}
	}
	start, end := math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	var ticks []float64
	for v := start; v <= end+step/2; v += step {
		ticks = append(ticks, math.Round(v/step)*step)
	}
	return ticks, start, end
}

// decimalsFor is how many decimals the axis labels need for a span.
func decimalsFor(span float64) int {
	switch {
	case span >= 10:
		return 0
	case span >= 1:
		return 1
	}
	return 2
}

// overridesInForce are the months of ov with an override in force (none when ov is nil).
func overridesInForce(ov *engine.SKUOverrides) []engine.OverrideMonth {
	if ov == nil {
		return nil
	}
	var out []engine.OverrideMonth
	for _, m := range ov.Months {
		if m.Override != nil && m.Override.Quantity != nil {
			out = append(out, m)
		}
	}
	return out
}
