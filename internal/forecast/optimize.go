package forecast

import "math"

// nmWork is a preallocated Nelder-Mead workspace. Fits reuse one per call so the hot path does not allocate per
// iteration; at most nmMaxDim parameters are optimised by any method in this package.
type nmWork struct {
	dim     int
	simplex [nmMaxDim + 1][nmMaxDim]float64
	fv      [nmMaxDim + 1]float64
	cen     [nmMaxDim]float64
	xr      [nmMaxDim]float64
	xe      [nmMaxDim]float64
	xc      [nmMaxDim]float64
}

const nmMaxDim = 8 // ETS has at most 6: alpha, beta, gamma, phi, l0, b0

// nmMinimize minimises f from x0 with per-coordinate initial steps, using the classical Nelder-Mead rules
// (reflection 1, expansion 2, contraction 0.5, shrink 0.5), as R's optim does. Bounds are the objective's job:
// it returns +Inf outside the admissible region, exactly as R's ets() likelihood does. It stops after maxEval
// evaluations or when the simplex's function values agree to reltol (R's convergence test). x0 is overwritten
// with the best point; the best value and the number of evaluations are returned.
func (w *nmWork) nmMinimize(f func(x []float64) float64, x0, step []float64, maxEval int, reltol float64) (float64, int) {
	n := len(x0)
	if n == 0 || n > nmMaxDim {
		// No method here optimises more than nmMaxDim parameters; evaluate rather than index out of range.
		return f(x0), 1
	}
	w.dim = n
	for i := 0; i <= n; i++ {
		copy(w.simplex[i][:n], x0)
		if i > 0 {
			w.simplex[i][i-1] += step[i-1]
		}
		w.fv[i] = f(w.simplex[i][:n])
	}
	evals := n + 1
	for evals < maxEval {
		// Order: find best (lo), worst (hi) and second worst (nh) vertices.
		lo, hi := 0, 0
		for i := 1; i <= n; i++ {
			if w.fv[i] < w.fv[lo] {
				lo = i
			}
			if w.fv[i] > w.fv[hi] {
				hi = i
			}
		}
		nh := lo
		for i := 0; i <= n; i++ {
			if i != hi && w.fv[i] > w.fv[nh] {
				nh = i
			}
		}
		flo, fhi := w.fv[lo], w.fv[hi]
		if !math.IsInf(fhi, 1) && fhi-flo <= reltol*(math.Abs(flo)+reltol) {
			break
		}
		cen := w.cen[:n]
		for j := range cen {
			cen[j] = 0
		}
		for i := 0; i <= n; i++ {
			if i == hi {
				continue
			}
			for j := 0; j < n; j++ {
				cen[j] += w.simplex[i][j]
			}
		}
		for j := range cen {
			cen[j] /= float64(n)
		}
		xh := w.simplex[hi][:n]
		xr := w.xr[:n]
		for j := range xr {
			xr[j] = cen[j] + (cen[j] - xh[j])
		}
		fr := f(xr)
		evals++
		switch {
		case fr < flo:
			xe := w.xe[:n]
			for j := range xe {
				xe[j] = cen[j] + 2*(cen[j]-xh[j])
			}
			fe := f(xe)
			evals++
			if fe < fr {
				copy(xh, xe)
				w.fv[hi] = fe
			} else {
				copy(xh, xr)
				w.fv[hi] = fr
			}
		case fr < w.fv[nh]:
			copy(xh, xr)
			w.fv[hi] = fr
		default:
			// Contract towards the better of the reflected and the worst point.
			xc := w.xc[:n]
			base, fb := xh, fhi
			if fr < fhi {
				base, fb = xr, fr
			}
			for j := range xc {
				xc[j] = cen[j] + 0.5*(base[j]-cen[j])
			}
			fc := f(xc)
			evals++
			if fc < fb {
				copy(xh, xc)
				w.fv[hi] = fc
			} else {
				if fr < fhi {
					copy(xh, xr)
					w.fv[hi] = fr
				}
				// Shrink every vertex towards the best one.
				xl := w.simplex[lo][:n]
				for i := 0; i <= n; i++ {
					if i == lo {
						continue
					}
					for j := 0; j < n; j++ {
						w.simplex[i][j] = xl[j] + 0.5*(w.simplex[i][j]-xl[j])
					}
					w.fv[i] = f(w.simplex[i][:n])
					evals++
				}
			}
		}
	}
	lo := 0
	for i := 1; i <= n; i++ {
		if w.fv[i] < w.fv[lo] {
			lo = i
		}
	}
	copy(x0, w.simplex[lo][:n])
	return w.fv[lo], evals
}

// goldenMin minimises a one-dimensional function on [lo, hi] by golden-section search to absolute tolerance
// tol. The smoothing-parameter objectives here (SES sums of squares) are smooth and nearly always unimodal on
// their bounds; the end points are checked too so a monotone objective returns its better boundary.
func goldenMin(f func(float64) float64, lo, hi, tol float64) (float64, float64) {
	const g = 0.6180339887498949
	a, b := lo, hi
	c := b - g*(b-a)
	d := a + g*(b-a)
	fc, fd := f(c), f(d)
	for b-a > tol {
		if fc <= fd {
			b, d, fd = d, c, fc
			c = b - g*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + g*(b-a)
			fd = f(d)
		}
	}
	x, fx := c, fc
	if fd < fx {
		x, fx = d, fd
	}
	if fl := f(lo); fl < fx {
		x, fx = lo, fl
	}
	if fh := f(hi); fh < fx {
		x, fx = hi, fh
	}
	return x, fx
}

// finite reports whether every value is finite.
func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// nanSlice returns n NaNs (fitted values where a method has none).
func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}
