package forecast

import (
	"fmt"
	"math"
	"strings"
)

// ARIMA is seasonal ARIMA(p,d,q)(P,D,Q)[m] with the order chosen as R forecast's auto.arima() does: the
// seasonal difference D when the seasonal strength of the series exceeds 0.64 (nsdiffs' "seas" test), then the
// number of first differences d by KPSS tests at 5% (ndiffs), then a stepwise search over p, q, P, Q and the
// constant minimising AICc (Hyndman & Khandakar 2008). Departures from R, for speed:
//   - coefficients are estimated by conditional sum of squares (R's method="CSS"; auto.arima's default CSS-ML
//     refines with the exact Gaussian likelihood) with a Levenberg-Marquardt solver;
//   - the mean of the differenced series is its sample mean rather than a jointly estimated coefficient;
//   - the seasonal strength comes from a classical (moving average) decomposition instead of STL.
//
// Model restricts the fit to one order, as printed in Prediction.Model ("ARIMA(1,1,1)(0,1,1)[12] with drift"),
// so a backtest can re-estimate the order chosen on the whole history at every origin cheaply.
type ARIMA struct {
	Model string
}

var _ Method = ARIMA{}

// Name implements Method.
func (ARIMA) Name() string { return "arima" }

// arimaOrder is one model of the family. constant means a mean (d+D = 0) or a drift (d+D = 1).
type arimaOrder struct {
	p, d, q, sp, sd, sq int
	constant            bool
}

func (o arimaOrder) String(m int) string {
	s := fmt.Sprintf("ARIMA(%d,%d,%d)", o.p, o.d, o.q)
	if m > 1 {
		s += fmt.Sprintf("(%d,%d,%d)[%d]", o.sp, o.sd, o.sq, m)
	}
	switch {
	case o.constant && o.d+o.sd == 0:
		s += " with mean"
	case o.constant:
		s += " with drift"
	}
	return s
}

// parseARIMAOrder reads the order back from a Prediction.Model written by ARIMA; ok is false when model is
// not an ARIMA order for seasonal period m.
func parseARIMAOrder(model string, m int) (arimaOrder, bool) {
	var o arimaOrder
	if !strings.HasPrefix(model, "ARIMA(") {
		return o, false
	}
	n, err := fmt.Sscanf(model, "ARIMA(%d,%d,%d)", &o.p, &o.d, &o.q)
	if err != nil || n != 3 {
		return o, false
	}
	if i := strings.IndexByte(model, ')'); i >= 0 && strings.HasPrefix(model[i+1:], "(") {
		var pm int
		if n, err := fmt.Sscanf(model[i+1:], "(%d,%d,%d)[%d]", &o.sp, &o.sd, &o.sq, &pm); err != nil || n != 4 || pm != m {
			return o, false
		}
	}
	o.constant = strings.Contains(model, " with ")
	if o.p < 0 || o.q < 0 || o.sp < 0 || o.sq < 0 || o.d < 0 || o.sd < 0 || o.p+o.q+o.sp+o.sq > arimaMaxOrder ||
		o.d+o.sd > 2 || (m <= 1 && o.sp+o.sd+o.sq > 0) {
		return o, false
	}
	return o, true
}

// auto.arima's defaults.
const (
	arimaMaxP, arimaMaxQ   = 5, 5
	arimaMaxSP, arimaMaxSQ = 2, 2
	arimaMaxOrder          = 5     // p+q+P+Q
	arimaMaxModels         = 94    // stepwise search budget
	arimaSeasStrength      = 0.64  // nsdiffs' threshold on the seasonal strength
	kpssCrit5              = 0.463 // KPSS level-stationarity critical value at 5% (Kwiatkowski et al. 1992)
	arimaMaxIter           = 40    // Levenberg-Marquardt iterations per fit
	// Relative improvement of the sum of squares that ends a fit: the search screens orders at arimaTolSearch
	// (AICc differences it could change are far below those between orders) and re-fits the winner at
	// arimaTolFinal.
	arimaTolSearch = 1e-5
	arimaTolFinal  = 1e-9
)

// arimaFit is one estimated model.
type arimaFit struct {
	order  arimaOrder
	coef   [arimaMaxOrder]float64 // phi (p), theta (q), Phi (P), Theta (Q)
	mu     float64                // mean of the differenced series (0 without constant)
	sse    float64
	nres   int // residuals in the conditional sum
	nUsed  int // observations after differencing
	aicc   float64
	sigma2 float64
}

// arimaWork holds the differenced series and scratch buffers of one Forecast call.
type arimaWork struct {
	m    int
	burn int       // residuals before this index are left out of the sum of squares (see search)
	w    []float64 // differenced series
	x    []float64 // w minus the model's mean (center)
	res  []float64
	alt  []float64
	jac  []float64
	ar   []lagCoef
	ma   []lagCoef
}

type lagCoef struct {
	lag int
	c   float64
}

// Forecast implements Method.
func (a ARIMA) Forecast(y []float64, m, h int) (Prediction, error) {
	n := len(y)
	if n < 8 || h < 0 {
		return Prediction{}, ErrTooShort
	}
	if isConstant(y) {
		return constantPrediction(y, h), nil
	}
	if m < 1 {
		m = 1
	}
	var wk arimaWork
	wk.m = m
	var best arimaFit
	if a.Model != "" {
		o, ok := parseARIMAOrder(a.Model, m)
		if !ok {
			return Prediction{}, fmt.Errorf("forecast: bad ARIMA model %q", a.Model)
		}
		wk.difference(y, o.d, o.sd)
		if m > 1 && o.sp+o.sd+o.sq > 0 {
			wk.burn = m * min(arimaMaxSP, n/3/m)
		}
		if !wk.fit(o, &best, arimaTolFinal, nil) {
			return Prediction{}, ErrTooShort
		}
	} else if !wk.search(y, &best) {
		return Prediction{}, ErrTooShort
	}
	p := wk.predict(y, &best, h)
	sanitize(&p)
	return p, nil
}

// seasonalStrength is Wang, Smith & Hyndman's F_S = 1 - var(remainder)/var(seasonal + remainder) on a classical
// additive decomposition, 0 when it cannot be computed.
func seasonalStrength(y []float64, m int) float64 {
	n := len(y)
	var figBuf [24]float64
	fig := figBuf[:0]
	if m <= len(figBuf) {
		fig = figBuf[:m]
	} else {
		fig = make([]float64, m)
	}
	if !decomposeFigure(y, m, false, fig) {
		return 0
	}
	half := m / 2
	var win float64
	for i := 0; i <= 2*half && i < n; i++ {
		win += y[i]
	}
	var sr, sr2, sd, sd2 float64
	cnt := 0
	for t := half; t+half < n; t++ {
		if t > half {
			win += y[t+half] - y[t-half-1]
		}
		tr := win / float64(m)
		if m%2 == 0 {
			tr = (win - 0.5*y[t-half] - 0.5*y[t+half]) / float64(m)
		}
		detr := y[t] - tr
		r := detr - fig[t%m]
		sr += r
		sr2 += r * r
		sd += detr
		sd2 += detr * detr
		cnt++
	}
	if cnt < 2 {
		return 0
	}
	c := float64(cnt)
	vr, vd := sr2/c-(sr/c)*(sr/c), sd2/c-(sd/c)*(sd/c)
	if !(vd > 0) {
		return 0
	}
	return max(0, min(1, 1-vr/vd))
}

// kpssStat is the KPSS level-stationarity statistic with the Bartlett window of ndiffs (urca's ur.kpss with
// use.lag = trunc(3*sqrt(n)/13)).
func kpssStat(x []float64) float64 {
	n := len(x)
	mu := mean(x)
	var s, num, s0 float64
	for _, v := range x {
		e := v - mu
		s += e
		num += s * s
		s0 += e * e
	}
	lag := int(3 * math.Sqrt(float64(n)) / 13)
	lrv := s0
	for k := 1; k <= lag; k++ {
		var c float64
		for t := k; t < n; t++ {
			c += (x[t] - mu) * (x[t-k] - mu)
		}
		lrv += 2 * (1 - float64(k)/float64(lag+1)) * c
	}
	lrv /= float64(n)
	if !(lrv > 0) {
		return 0
	}
	return num / (float64(n) * float64(n) * lrv)
}

// difference stores (1-B)^d (1-B^m)^D y in wk.w.
func (wk *arimaWork) difference(y []float64, d, sd int) {
	wk.w = append(wk.w[:0], y...)
	for range sd {
		for t := len(wk.w) - 1; t >= wk.m; t-- {
			wk.w[t] -= wk.w[t-wk.m]
		}
		wk.w = append(wk.w[:0], wk.w[wk.m:]...)
	}
	for range d {
		for t := len(wk.w) - 1; t >= 1; t-- {
			wk.w[t] -= wk.w[t-1]
		}
		wk.w = append(wk.w[:0], wk.w[1:]...)
	}
}

// search chooses the differences and runs the stepwise order search.
func (wk *arimaWork) search(y []float64, best *arimaFit) bool {
	n, m := len(y), wk.m
	seasonal := m > 1 && n >= 2*m+1
	sd := 0
	if seasonal && seasonalStrength(y, m) > arimaSeasStrength {
		sd = 1
	}
	wk.difference(y, 0, sd)
	d := 0
	for d+sd < 2 && len(wk.w) > 3 && !isConstant(wk.w) && kpssStat(wk.w) > kpssCrit5 {
		d++
		wk.difference(y, d, sd)
	}
	if len(wk.w) < 4 {
		return false
	}
	maxP, maxQ := min(arimaMaxP, n/3), min(arimaMaxQ, n/3)
	maxSP, maxSQ := 0, 0
	if seasonal {
		maxSP, maxSQ = min(arimaMaxSP, n/3/m), min(arimaMaxSQ, n/3/m)
	}
	allowConst := d+sd <= 1
	// Every model of the search sums squared residuals over the same months, from the largest seasonal AR
	// conditioning start on: otherwise a seasonal AR model, whose conditional sum starts a year or two later,
	// escapes the start-up errors that a seasonal MA model's residuals carry in its first seasons, and wins
	// the AICc comparison for that reason alone (on log AirPassengers it picked (0,1,1)(2,1,2) over the
	// airline model that R's exact likelihood picks).
	wk.burn = m * maxSP
	tried := map[arimaOrder]bool{}
	best.aicc = math.Inf(1)
	var f arimaFit
	try := func(o arimaOrder) bool {
		if o.p < 0 || o.q < 0 || o.sp < 0 || o.sq < 0 || o.p > maxP || o.q > maxQ || o.sp > maxSP || o.sq > maxSQ ||
			o.p+o.q+o.sp+o.sq > arimaMaxOrder || (o.constant && !allowConst) || tried[o] || len(tried) >= arimaMaxModels {
			return false
		}
		tried[o] = true
		if wk.fit(o, &f, arimaTolSearch, nil) && f.aicc < best.aicc {
			*best = f
			return true
		}
		return false
	}
	base := arimaOrder{d: d, sd: sd, constant: allowConst}
	with := func(p, q, sp, sq int) arimaOrder {
		o := base
		o.p, o.q, o.sp, o.sq = p, q, sp, sq
		return o
	}
	// auto.arima's four starting models (seasonal parts only when the series can be seasonal).
	s1 := 0
	if seasonal {
		s1 = 1
	}
	try(with(2, 2, s1, s1))
	try(with(0, 0, 0, 0))
	try(with(1, 0, s1, 0))
	try(with(0, 1, 0, s1))
	if allowConst {
		o := with(0, 0, 0, 0)
		o.constant = false
		try(o)
	}
	if math.IsInf(best.aicc, 1) {
		return false
	}
	// Move to the first better neighbour, in auto.arima's order, until none is better.
	for improved := true; improved && len(tried) < arimaMaxModels; {
		improved = false
		c := best.order
		moves := [][4]int{
			{0, 0, -1, 0}, {0, 0, 1, 0}, {0, 0, 0, -1}, {0, 0, 0, 1},
			{0, 0, -1, -1}, {0, 0, -1, 1}, {0, 0, 1, -1}, {0, 0, 1, 1},
			{-1, 0, 0, 0}, {1, 0, 0, 0}, {0, -1, 0, 0}, {0, 1, 0, 0},
			{-1, -1, 0, 0}, {-1, 1, 0, 0}, {1, -1, 0, 0}, {1, 1, 0, 0},
		}
		for _, mv := range moves {
			if !seasonal && (mv[2] != 0 || mv[3] != 0) {
				continue
			}
			o := c
			o.p, o.q, o.sp, o.sq = c.p+mv[0], c.q+mv[1], c.sp+mv[2], c.sq+mv[3]
			if try(o) {
				improved = true
				break
			}
		}
		if !improved && allowConst {
			o := c
			o.constant = !o.constant
			improved = try(o)
		}
	}
	// The winner with the full tolerance, from its screened coefficients.
	final := *best
	if wk.fit(best.order, &f, arimaTolFinal, &final) {
		*best = f
	}
	return true
}

// expand writes the nonzero lags of the multiplied-out AR and MA polynomials for coefficients coef:
// w_t - mu = sum ar (w_{t-lag} - mu) + e_t + sum ma e_{t-lag}.
func (wk *arimaWork) expand(o arimaOrder, coef []float64) {
	m := wk.m
	phi, theta := coef[:o.p], coef[o.p:o.p+o.q]
	sphi, stheta := coef[o.p+o.q:o.p+o.q+o.sp], coef[o.p+o.q+o.sp:o.p+o.q+o.sp+o.sq]
	wk.ar, wk.ma = wk.ar[:0], wk.ma[:0]
	// (1 - sum phi B^i)(1 - sum Phi B^mj): the coefficient of B^(i+mj) is a_i * A_j with a_0 = A_0 = 1,
	// a_i = -phi_i, A_j = -Phi_j; the AR weight of that lag is minus it.
	for j := 0; j <= o.sp; j++ {
		aj := 1.0
		if j > 0 {
			aj = -sphi[j-1]
		}
		for i := 0; i <= o.p; i++ {
			if i == 0 && j == 0 {
				continue
			}
			ai := 1.0
			if i > 0 {
				ai = -phi[i-1]
			}
			wk.ar = append(wk.ar, lagCoef{i + m*j, -ai * aj})
		}
	}
	for j := 0; j <= o.sq; j++ {
		bj := 1.0
		if j > 0 {
			bj = stheta[j-1]
		}
		for i := 0; i <= o.q; i++ {
			if i == 0 && j == 0 {
				continue
			}
			bi := 1.0
			if i > 0 {
				bi = theta[i-1]
			}
			wk.ma = append(wk.ma, lagCoef{i + m*j, bi * bj})
		}
	}
}

// residuals computes the conditional residuals of the centred differenced series wk.x (see center) into
// res[arimaPad(m):] (res[:arimaPad(m)] are zeros, so MA terms need no bounds test; residuals before the
// conditioning start p+m*P are zero) and returns their sum of squares from max(start, wk.burn).
func (wk *arimaWork) residuals(o arimaOrder, coef []float64, res []float64) float64 {
	wk.expand(o, coef)
	x := wk.x
	pad := arimaPad(wk.m)
	clear(res[:pad])
	r := res[pad : pad+len(x)]
	t0 := o.p + wk.m*o.sp
	from := max(t0, wk.burn)
	var sse float64
	clear(r[:min(t0, len(r))])
	for t := t0; t < len(x); t++ {
		e := x[t]
		for _, a := range wk.ar {
			e -= a.c * x[t-a.lag]
		}
		for _, b := range wk.ma {
			e -= b.c * res[pad+t-b.lag]
		}
		r[t] = e
		if t >= from {
			sse += e * e
		}
	}
	return sse
}

// arimaPad is the largest MA lag of any admissible order: the zero prefix of residual buffers.
func arimaPad(m int) int { return arimaMaxQ + m*arimaMaxSQ }

// center stores w - mu in wk.x.
func (wk *arimaWork) center(mu float64) {
	wk.x = resize(wk.x, len(wk.w))
	for t, v := range wk.w {
		wk.x[t] = v - mu
	}
}

// stationary reports whether 1 - sum a_i z^i has every root outside the unit circle (Schur-Cohn via the
// Levinson step-down recursion: every partial autocorrelation strictly inside (-1, 1), with a small margin).
func stationary(a []float64) bool {
	k := len(a)
	if k == 0 {
		return true
	}
	var buf, nb [arimaMaxOrder]float64
	copy(buf[:], a)
	for ; k > 0; k-- {
		r := buf[k-1]
		if !(math.Abs(r) < 0.9999) {
			return false
		}
		for i := 0; i < k-1; i++ {
			nb[i] = (buf[i] + r*buf[k-2-i]) / (1 - r*r)
		}
		copy(buf[:k-1], nb[:k-1])
	}
	return true
}

// admissible: stationary AR parts and invertible MA parts (an MA polynomial 1 + sum theta_i z^i is invertible
// when 1 - sum (-theta_i) z^i is "stationary").
func admissible(o arimaOrder, coef []float64) bool {
	var neg [arimaMaxOrder]float64
	phi, theta := coef[:o.p], coef[o.p:o.p+o.q]
	sphi, stheta := coef[o.p+o.q:o.p+o.q+o.sp], coef[o.p+o.q+o.sp:o.p+o.q+o.sp+o.sq]
	if !stationary(phi) || !stationary(sphi) {
		return false
	}
	for i, v := range theta {
		neg[i] = -v
	}
	if !stationary(neg[:len(theta)]) {
		return false
	}
	for i, v := range stheta {
		neg[i] = -v
	}
	return stationary(neg[:len(stheta)])
}

// fit estimates order o on wk.w by conditional least squares (Levenberg-Marquardt, forward-difference Jacobian)
// and fills f, with R's CSS log-likelihood and AICc. It returns false when the series is too short for o.
// from, when non-nil, starts from the coefficients o shares with an already fitted model (the search's winner,
// polished at the final tolerance). Neighbours in the search start from zero instead: warm-starting them from
// the current best landed in worse local optima (on AirPassengers the search then ended at (1,1,0)(0,1,0)).
func (wk *arimaWork) fit(o arimaOrder, f *arimaFit, tol float64, from *arimaFit) bool {
	w := wk.w
	nw := len(w)
	k := o.p + o.q + o.sp + o.sq
	t0 := max(o.p+wk.m*o.sp, wk.burn)
	nres := nw - t0
	npar := k + 1 // + sigma2
	if o.constant {
		npar++
	}
	if nres < k+3 || nw-npar-1 <= 0 {
		return false
	}
	*f = arimaFit{order: o, nres: nres, nUsed: nw}
	if o.constant {
		f.mu = mean(w)
	}
	pad := arimaPad(wk.m)
	wk.res = resize(wk.res, pad+nw)
	wk.alt = resize(wk.alt, pad+nw)
	wk.center(f.mu)
	wk.jac = resize(wk.jac, nw*max(k, 1))
	coef := f.coef[:k]
	if from != nil {
		warmStart(o, coef, from)
	}
	sse := wk.residuals(o, coef, wk.res)
	if from != nil && (!admissible(o, coef) || math.IsNaN(sse) || math.IsInf(sse, 0)) {
		clear(coef)
		sse = wk.residuals(o, coef, wk.res)
	}
	if math.IsNaN(sse) || math.IsInf(sse, 0) {
		return false
	}
	lambda := 1e-3
	var A [arimaMaxOrder][arimaMaxOrder + 1]float64
	var trial [arimaMaxOrder]float64
	for iter := 0; iter < arimaMaxIter && k > 0; iter++ {
		// Jacobian of the residuals (rows t0..nw-1) by forward differences.
		for j := range k {
			hstep := 1e-6 * max(1, math.Abs(coef[j]))
			copy(trial[:k], coef)
			trial[j] += hstep
			wk.residuals(o, trial[:k], wk.alt)
			col := wk.jac[j*nw : (j+1)*nw]
			alt, res := wk.alt[pad:], wk.res[pad:]
			for t := t0; t < nw; t++ {
				col[t] = (alt[t] - res[t]) / hstep
			}
		}
		var g [arimaMaxOrder]float64
		var jtj [arimaMaxOrder][arimaMaxOrder]float64
		res := wk.res[pad:]
		for a := range k {
			ca := wk.jac[a*nw : (a+1)*nw]
			for t := t0; t < nw; t++ {
				g[a] += ca[t] * res[t]
			}
			for b := 0; b <= a; b++ {
				cb := wk.jac[b*nw : (b+1)*nw]
				var s float64
				for t := t0; t < nw; t++ {
					s += ca[t] * cb[t]
				}
				jtj[a][b], jtj[b][a] = s, s
			}
		}
		accepted := false
		for lambda < 1e10 {
			for a := range k {
				for b := range k {
					A[a][b] = jtj[a][b]
				}
				A[a][a] += lambda * max(jtj[a][a], 1e-12)
				A[a][k] = -g[a]
			}
			step, ok := solveLinear(&A, k)
			if ok {
				for j := range k {
					trial[j] = coef[j] + step[j]
				}
				if admissible(o, trial[:k]) {
					if s := wk.residuals(o, trial[:k], wk.alt); s < sse {
						rel := (sse - s) / max(sse, 1e-300)
						copy(coef, trial[:k])
						sse = s
						wk.res, wk.alt = wk.alt, wk.res
						lambda = max(lambda/10, 1e-12)
						accepted = true
						if rel < tol {
							iter = arimaMaxIter
						}
						break
					}
				}
			}
			lambda *= 10
		}
		if !accepted {
			break
		}
	}
	if !(sse > 0) || math.IsInf(sse, 0) {
		sse = max(sse, 1e-300)
	}
	f.sse = sse
	sig := sse / float64(nres)
	f.sigma2 = sse / float64(max(nres-k, 1))
	ll := -0.5 * float64(nw) * (math.Log(2*math.Pi*sig) + 1)
	np := float64(npar)
	f.aicc = -2*ll + 2*np + 2*np*(np+1)/float64(nw-npar-1)
	return !math.IsNaN(f.aicc)
}

// warmStart copies into coef (laid out for o) the coefficients of the same groups and lags fitted in from.
func warmStart(o arimaOrder, coef []float64, from *arimaFit) {
	src := from.order
	dst := [4]int{o.p, o.q, o.sp, o.sq}
	have := [4]int{src.p, src.q, src.sp, src.sq}
	i, j := 0, 0
	for g := range 4 {
		for l := range dst[g] {
			if l < have[g] {
				coef[i+l] = from.coef[j+l]
			}
		}
		i += dst[g]
		j += have[g]
	}
}

// solveLinear solves the k x k system in A's first k columns with right-hand side in column k (Gaussian
// elimination with partial pivoting).
func solveLinear(A *[arimaMaxOrder][arimaMaxOrder + 1]float64, k int) ([arimaMaxOrder]float64, bool) {
	var x [arimaMaxOrder]float64
	for c := range k {
		piv := c
		for r := c + 1; r < k; r++ {
			if math.Abs(A[r][c]) > math.Abs(A[piv][c]) {
				piv = r
			}
		}
		if math.Abs(A[piv][c]) < 1e-300 {
			return x, false
		}
		A[c], A[piv] = A[piv], A[c]
		for r := c + 1; r < k; r++ {
			f := A[r][c] / A[c][c]
			for j := c; j <= k; j++ {
				A[r][j] -= f * A[c][j]
			}
		}
	}
	for r := k - 1; r >= 0; r-- {
		s := A[r][k]
		for j := r + 1; j < k; j++ {
			s -= A[r][j] * x[j]
		}
		x[r] = s / A[r][r]
	}
	return x, finite(x[:k])
}

// predict forecasts h steps from the fitted model: the ARMA recursion on the differenced scale with future
// errors zero, integrated back; the variance from the psi weights of the full (differenced) model.
func (wk *arimaWork) predict(y []float64, f *arimaFit, h int) Prediction {
	o, m := f.order, wk.m
	n := len(y)
	k := o.p + o.q + o.sp + o.sq
	nw := len(wk.w)
	pad := arimaPad(m)
	wk.res = resize(wk.res, pad+nw)
	wk.center(f.mu)
	wk.residuals(o, f.coef[:k], wk.res)
	res := wk.res[pad : pad+nw]
	off := n - nw // y index of w[0]
	// The differencing polynomial (1-B)^d (1-B^m)^D as coefficients del[0..], del[0] = 1.
	del := []float64{1}
	mul := func(lag int) {
		out := make([]float64, len(del)+lag)
		for i, c := range del {
			out[i] += c
			out[i+lag] -= c
		}
		del = out
	}
	for range o.d {
		mul(1)
	}
	for range o.sd {
		mul(m)
	}
	// Future differenced values and levels.
	wf := make([]float64, nw+h)
	copy(wf, wk.w)
	ef := make([]float64, nw+h)
	copy(ef, res)
	yf := make([]float64, n+h)
	copy(yf, y)
	mean := make([]float64, h)
	for j := range h {
		t := nw + j
		v := f.mu
		for _, a := range wk.ar {
			if t-a.lag >= 0 {
				v += a.c * (wf[t-a.lag] - f.mu)
			}
		}
		for _, b := range wk.ma {
			if t-b.lag >= 0 {
				v += b.c * ef[t-b.lag]
			}
		}
		wf[t] = v
		lv := v
		for i := 1; i < len(del); i++ {
			lv -= del[i] * yf[n+j-i]
		}
		yf[n+j] = lv
		mean[j] = lv
	}
	// psi weights of phi(B) del(B) y = theta(B) e.
	arFull := make([]float64, len(del)+o.p+m*o.sp+1) // 1 + sum c_i B^i, the AR side
	arPoly := make([]float64, o.p+m*o.sp+1)
	arPoly[0] = 1
	for _, a := range wk.ar {
		arPoly[a.lag] -= a.c
	}
	for i, a := range arPoly {
		for j, b := range del {
			arFull[i+j] += a * b
		}
	}
	maPoly := make([]float64, o.q+m*o.sq+1)
	maPoly[0] = 1
	for _, b := range wk.ma {
		maPoly[b.lag] += b.c
	}
	psi := make([]float64, h)
	sigma := make([]float64, h)
	var acc float64
	for j := range h {
		v := 0.0
		if j < len(maPoly) {
			v = maPoly[j]
		}
		if j == 0 {
			v = 1
		}
		for i := 1; i <= j && i < len(arFull); i++ {
			v -= arFull[i] * psi[j-i]
		}
		psi[j] = v
		acc += v * v
		sigma[j] = math.Sqrt(f.sigma2 * acc)
	}
	fitted := make([]float64, n)
	t0 := o.p + m*o.sp
	for t := range fitted {
		if i := t - off; i >= t0 {
			fitted[t] = y[t] - res[i]
		} else {
			fitted[t] = math.NaN()
		}
	}
	model := o.String(m)
	names := [4]string{"ar", "ma", "sar", "sma"}
	counts := [4]int{o.p, o.q, o.sp, o.sq}
	i := 0
	for g, c := range counts {
		for j := range c {
			model += fmt.Sprintf(" %s%d=%s", names[g], j+1, formatG(f.coef[i]))
			i++
		}
	}
	return Prediction{Mean: mean, Fitted: fitted, Sigma: sigma, Model: model}
}
