package forecast

import "math"

// Naive repeats the last observation (random walk forecast).
type Naive struct{}

var _ Method = Naive{}

// Name implements Method.
func (Naive) Name() string { return "naive" }

// Forecast implements Method. Sigma is the random-walk closed form sigma*sqrt(h).
func (Naive) Forecast(y []float64, m, h int) (Prediction, error) {
	n := len(y)
	if n < 1 || h < 0 {
		return Prediction{}, ErrTooShort
	}
	p := Prediction{Mean: make([]float64, h), Fitted: make([]float64, n), Model: "naive"}
	p.Fitted[0] = math.NaN()
	var sse float64
	for t := 1; t < n; t++ {
		p.Fitted[t] = y[t-1]
		e := y[t] - y[t-1]
		sse += e * e
	}
	for i := range p.Mean {
		p.Mean[i] = y[n-1]
	}
	if n > 1 {
		s := math.Sqrt(sse / float64(n-1))
		p.Sigma = make([]float64, h)
		for i := range p.Sigma {
			p.Sigma[i] = s * math.Sqrt(float64(i+1))
		}
	}
	return p, nil
}

// SeasonalNaive repeats the last full season. With m <= 1 or fewer than m observations it is refused
// (ErrTooShort) rather than silently becoming Naive, so selection reports honestly which method ran.
type SeasonalNaive struct{}

var _ Method = SeasonalNaive{}

// Name implements Method.
func (SeasonalNaive) Name() string { return "snaive" }

// Forecast implements Method. Sigma is the closed form sigma*sqrt(floor((h-1)/m)+1).
func (SeasonalNaive) Forecast(y []float64, m, h int) (Prediction, error) {
	n := len(y)
	if m <= 1 || n < m || h < 0 {
		return Prediction{}, ErrTooShort
	}
	p := Prediction{Mean: make([]float64, h), Fitted: make([]float64, n), Model: "snaive"}
	var sse float64
	for t := 0; t < n; t++ {
		if t < m {
			p.Fitted[t] = math.NaN()
			continue
		}
		p.Fitted[t] = y[t-m]
		e := y[t] - y[t-m]
		sse += e * e
	}
	for i := range p.Mean {
		p.Mean[i] = y[n-m+i%m]
	}
	if n > m {
		s := math.Sqrt(sse / float64(n-m))
		p.Sigma = make([]float64, h)
		for i := range p.Sigma {
			p.Sigma[i] = s * math.Sqrt(float64(i/m+1))
		}
	}
	return p, nil
}

// Mean forecasts the in-sample average.
type Mean struct{}

var _ Method = Mean{}

// Name implements Method.
func (Mean) Name() string { return "mean" }

// Forecast implements Method. Sigma is the closed form s*sqrt(1+1/n) (R meanf).
func (Mean) Forecast(y []float64, m, h int) (Prediction, error) {
	n := len(y)
	if n < 1 || h < 0 {
		return Prediction{}, ErrTooShort
	}
	mu := mean(y)
	p := Prediction{Mean: make([]float64, h), Fitted: make([]float64, n), Model: "mean"}
	for t := range p.Fitted {
		p.Fitted[t] = mu
	}
	for i := range p.Mean {
		p.Mean[i] = mu
	}
	if n > 1 {
		var ss float64
		for _, v := range y {
			ss += (v - mu) * (v - mu)
		}
		s := math.Sqrt(ss/float64(n-1)) * math.Sqrt(1+1/float64(n))
		p.Sigma = make([]float64, h)
		for i := range p.Sigma {
			p.Sigma[i] = s
		}
	}
	return p, nil
}

// Zero forecasts no demand: the right answer for dead SKUs and a floor every other method must beat.
type Zero struct{}

var _ Method = Zero{}

// Name implements Method.
func (Zero) Name() string { return "zero" }

// Forecast implements Method.
func (Zero) Forecast(y []float64, m, h int) (Prediction, error) {
	if h < 0 {
		return Prediction{}, ErrTooShort
	}
	return Prediction{Mean: make([]float64, h), Fitted: make([]float64, len(y)), Model: "zero"}, nil
}

// mean is the arithmetic mean (0 for an empty slice).
func mean(y []float64) float64 {
	if len(y) == 0 {
		return 0
	}
	var s float64
	for _, v := range y {
		s += v
	}
	return s / float64(len(y))
}
