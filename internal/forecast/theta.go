package forecast

import "math"

// Theta is the standard Theta method of Assimakopoulos & Nikolopoulos (2000) as implemented by R forecast's
// thetaf() and statsforecast's Theta: SES with drift equal to half the slope of a linear trend, after a classical
// multiplicative seasonal adjustment when the lag-m autocorrelation is significant at the 90% level.
type Theta struct{}

var _ Method = Theta{}

// Name implements Method.
func (Theta) Name() string { return "theta" }

// thetaSeasonZ is qnorm(0.95): thetaf's one-sided test of the lag-m autocorrelation ("90%" two-sided).
const thetaSeasonZ = 1.6448536269514722

// Forecast implements Method. Sigma is thetaf's: the SES standard errors on the adjusted scale, reseasonalised.
func (Theta) Forecast(y []float64, m, h int) (Prediction, error) {
	return thetaForecast(y, m, h, false)
}

// thetaForecast is Theta's forecast; shrink replaces thetaf's test-gated seasonal figure by the shrunk one of
// shrunkSeasonality (ThetaJS).
func thetaForecast(y []float64, m, h int, shrink bool) (Prediction, error) {
	n := len(y)
	if n < 3 || h < 0 {
		return Prediction{}, ErrTooShort
	}
	if isConstant(y) {
		return constantPrediction(y, h), nil
	}
	fig, seasonal := seasonalFigure(y, m, shrink)
	x := y
	if seasonal {
		x = make([]float64, n)
		for t := range x {
			x[t] = y[t] / fig[t%m]
		}
	}
	w := getETSWork(x, 1)
	defer putETSWork(w)
	var f etsFit
	if !w.fit(etsSpec{err: 'A', trend: 'N', season: 'N'}, &f, etsRestarts) {
		return Prediction{}, ErrTooShort
	}
	p := w.predict(&f, h)
	// Drift: half the slope of the linear regression of x on time.
	_, b := linearFit(x)
	b /= 2
	alpha := math.Max(f.alpha, 1e-10)
	c := (1 - math.Pow(1-alpha, float64(n))) / alpha
	for i := range p.Mean {
		p.Mean[i] += b * (float64(i) + c)
		// thetaf's interval: SES standard error sqrt(sigma2*(1 + i*alpha^2)), which predict already gives.
		if seasonal {
			s := fig[(n+i)%m]
			p.Mean[i] *= s
			if p.Sigma != nil {
				p.Sigma[i] *= s
			}
		}
	}
	if seasonal {
		for t := range p.Fitted {
			p.Fitted[t] *= fig[t%m]
		}
	}
	p.Model = "theta alpha=" + formatG(f.alpha)
	if seasonal {
		p.Model += " seasonal"
	}
	sanitize(&p)
	return p, nil
}

// thetaSeasonality applies thetaf's test: with m > 1 and more than two seasons, the lag-m autocorrelation r_m is
// significant when |r_m| > z * sqrt((1 + 2*sum_{k<m} r_k^2)/n). If so it returns the classical multiplicative
// seasonal figure of the whole series (decompose(type="multiplicative")); a figure with an index near zero, or
// a series whose moving average is not positive, is treated as non-seasonal.
func thetaSeasonality(y []float64, m int) ([]float64, bool) {
	n := len(y)
	if m <= 1 || n <= 2*m {
		return nil, false
	}
	mu := mean(y)
	var den float64
	for _, v := range y {
		den += (v - mu) * (v - mu)
	}
	if den == 0 {
		return nil, false
	}
	var sum2, rm float64
	for k := 1; k <= m; k++ {
		var num float64
		for t := 0; t+k < n; t++ {
			num += (y[t] - mu) * (y[t+k] - mu)
		}
		r := num / den
		if k < m {
			sum2 += r * r
		} else {
			rm = r
		}
	}
	stat := math.Sqrt((1 + 2*sum2) / float64(n))
	if math.Abs(rm)/stat <= thetaSeasonZ {
		return nil, false
	}
	fig := make([]float64, m)
	if !decomposeFigure(y, m, true, fig) {
		return nil, false
	}
	for _, v := range fig {
		if math.Abs(v) < 1e-4 || v < 0 {
			return nil, false
		}
	}
	return fig, true
}
