package forecast

import (
	"math"
	"testing"
)

func TestNelderMeadRosenbrock(t *testing.T) {
	t.Parallel()
	var w nmWork
	x := []float64{-1.2, 1}
	f := func(p []float64) float64 {
		a, b := p[0], p[1]
		return 100*(b-a*a)*(b-a*a) + (1-a)*(1-a)
	}
	v, evals := w.nmMinimize(f, x, []float64{0.1, 0.1}, 5000, 1e-14)
	if math.Abs(x[0]-1) > 1e-3 || math.Abs(x[1]-1) > 1e-3 || v > 1e-6 {
		t.Fatalf("Rosenbrock minimum at %v (f=%v, %d evals), want (1,1)", x, v, evals)
	}
}

// TestNelderMeadBounds: the objective returns +Inf outside the box, as the ETS likelihood does; the optimum on
// the boundary is approached from inside.
func TestNelderMeadBounds(t *testing.T) {
	t.Parallel()
	var w nmWork
	x := []float64{0.5, 0.5, 0.5}
	f := func(p []float64) float64 {
		for _, v := range p {
			if v < 0 || v > 1 {
				return math.Inf(1)
			}
		}
		return (p[0]-2)*(p[0]-2) + (p[1]-0.3)*(p[1]-0.3) + (p[2]+1)*(p[2]+1)
	}
	w.nmMinimize(f, x, []float64{0.1, 0.1, 0.1}, 3000, 1e-12)
	if math.Abs(x[0]-1) > 1e-3 || math.Abs(x[1]-0.3) > 1e-3 || math.Abs(x[2]) > 1e-3 {
		t.Fatalf("bounded minimum at %v, want (1, 0.3, 0)", x)
	}
}

func TestGoldenMin(t *testing.T) {
	t.Parallel()
	x, fx := goldenMin(func(a float64) float64 { return (a - 0.2) * (a - 0.2) }, 0, 1, 1e-6)
	if math.Abs(x-0.2) > 1e-5 || fx > 1e-9 {
		t.Fatalf("golden min %v %v", x, fx)
	}
	// Monotone objective: the boundary wins.
	if x, _ := goldenMin(func(a float64) float64 { return a }, 0.1, 0.3, 1e-4); x != 0.1 {
		t.Fatalf("monotone objective: %v, want 0.1", x)
	}
}
