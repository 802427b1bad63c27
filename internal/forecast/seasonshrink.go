package forecast

import (
	"math"
	"strings"
)

// ThetaJS is Theta with a shrunk seasonal figure (shrunkSeasonality) in place of thetaf's all-or-nothing test.
type ThetaJS struct{}

// DOTMJS is DOTM with the shrunk seasonal figure of ThetaJS.
type DOTMJS struct{}

var (
	_ Method = ThetaJS{}
	_ Method = DOTMJS{}
)

// Name implements Method.
func (ThetaJS) Name() string { return "theta_js" }

// Name implements Method.
func (DOTMJS) Name() string { return "dotm_js" }

// Forecast implements Method.
func (ThetaJS) Forecast(y []float64, m, h int) (Prediction, error) {
	p, err := thetaForecast(y, m, h, true)
	p.Model = "theta_js" + strings.TrimPrefix(p.Model, "theta")
	return p, err
}

// Forecast implements Method.
func (DOTMJS) Forecast(y []float64, m, h int) (Prediction, error) {
	return thetaModelForecast(y, m, h, thetaModel{name: "dotm_js", dynamic: true, optTheta: true, shrink: true})
}

// seasonalFigure is the multiplicative seasonal figure the theta models divide by: thetaf's (shrink false) or
// the shrunk one (shrink true).
func seasonalFigure(y []float64, m int, shrink bool) ([]float64, bool) {
	if shrink {
		return shrunkSeasonality(y, m)
	}
	return thetaSeasonality(y, m)
}

// shrunkSeasonality is the classical multiplicative seasonal figure of y (decomposeFigure) shrunk toward no
// seasonality (every index 1) by the positive-part James-Stein rule, as Miller & Williams (2003) did for M3's
// monthly series: the figure keeps the share 1 - min(1, (m-3)*v/D) of its distance from 1, where D is the
// squared distance of the indexes from 1 and v the variance of one index's estimate (the variance of the
// detrended ratios around their index, divided by the number of seasons each index averages). A clear season
// is kept almost whole, a noisy one shrinks toward none: unlike thetaf's test (lag-m autocorrelation
// significant or not), which keeps a noisy figure whole or drops a real one entirely. It needs more than two
// seasons; false when nothing of the figure is left, or the series is not positive enough for a
// multiplicative figure.
func shrunkSeasonality(y []float64, m int) ([]float64, bool) {
	n := len(y)
	if m <= 3 || n <= 2*m {
		return nil, false
	}
	fig := make([]float64, m)
	if !decomposeFigure(y, m, true, fig) {
		return nil, false
	}
	// Residual variance of the detrended ratios y/trend around the figure (trend: the centred moving average
	// decomposeFigure uses).
	half := m / 2
	even := m%2 == 0
	var win, ss float64
	for i := 0; i <= 2*half; i++ {
		win += y[i]
	}
	cnt := 0
	for t := half; t+half < n; t++ {
		if t > half {
			win += y[t+half] - y[t-half-1]
		}
		tr := win / float64(m)
		if even {
			tr = (win - 0.5*y[t-half] - 0.5*y[t+half]) / float64(m)
		}
		if !(tr > 0) {
			return nil, false
		}
		d := y[t]/tr - fig[t%m]
		ss += d * d
		cnt++
	}
	if cnt <= m {
		return nil, false
	}
	v := ss / float64(cnt-m) / (float64(cnt) / float64(m))
	var dist float64
	for _, f := range fig {
		dist += (f - 1) * (f - 1)
	}
	if !(dist > 0) {
		return nil, false
	}
	keep := 1 - math.Min(1, float64(m-3)*v/dist)
	if !(keep > 0) {
		return nil, false
	}
	for k := range fig {
		fig[k] = 1 + keep*(fig[k]-1)
		if !(fig[k] > 1e-4) {
			return nil, false
		}
	}
	return fig, true
}

// ETSJS is ETS without a seasonal component (AICc over error A/M x trend N/A/Ad) fitted to the history divided
// by the shrunk seasonal figure of ThetaJS, its forecast multiplied back. Model, when set, fixes the form (e.g.
// "ETS(A,Ad,N)") as ETS.Model does: the backtest re-estimates the form chosen on the whole history.
type ETSJS struct {
	Model string
}

var _ Method = ETSJS{}

// Name implements Method.
func (ETSJS) Name() string { return "ets_js" }

// Forecast implements Method.
func (e ETSJS) Forecast(y []float64, m, h int) (Prediction, error) {
	code := e.Model
	if code == "" {
		code = "ZZN"
	}
	specs, err := etsSpecs(code)
	if err != nil {
		return Prediction{}, err
	}
	fig, seasonal := shrunkSeasonality(y, m)
	if !seasonal {
		return etsForecast(y, 1, h, specs, true)
	}
	n := len(y)
	x := make([]float64, n)
	for t := range x {
		x[t] = y[t] / fig[t%m]
	}
	p, err := etsForecast(x, 1, h, specs, true)
	if err != nil {
		return p, err
	}
	for j := range p.Mean {
		s := fig[(n+j)%m]
		p.Mean[j] *= s
		if j < len(p.Sigma) {
			p.Sigma[j] *= s
		}
	}
	for t := range p.Fitted {
		p.Fitted[t] *= fig[t%m]
	}
	p.Model += " on the shrunk seasonal adjustment"
	return p, nil
}
