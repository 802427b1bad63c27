package dashboard

import (
	"strings"

	"github.com/salesengine/salesengine/internal/accuracy"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/plan"
)

// The SKU chart's past forecasts: what the last run of the month before forecast for each completed month,
// drawn over the demand it turned out to be.

func pastForecasts(v *engine.SKUView) []accuracy.Point {
	if v.Accuracy == nil {
		return nil
	}
	return v.Accuracy.Past
}

func pastPoints(l *locale, v *engine.SKUView, x func(plan.Month) float64, y func(float64) float64) ([]chartPoint, string) {
	var pts []chartPoint
	var path strings.Builder
	for _, pt := range pastForecasts(v) {
		m := plan.MonthOf(pt.Month.Time())
		p := chartPoint{X: x(m), Y: y(pt.Forecast), Month: m.String(),
			Title: l.T("sku.chart.past_point", m.String(), l.Num(pt.Forecast, 1), l.Num(pt.Actual, 1))}
		pts = append(pts, p)
		addPoint(&path, p)
	}
	return pts, path.String()
}
