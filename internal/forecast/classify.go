package forecast

import (
	"fmt"
	"math"
)

// Class is a demand pattern, used to choose which methods compete for a SKU.
type Class string

// Demand classes. Smooth/erratic/intermittent/lumpy follow Syntetos, Boylan & Croston (2005) with the
// cut-offs ADI = 1.32 and CV² = 0.49: ADI is the average interval between non-zero demands, CV² the squared
// coefficient of variation of the non-zero demand sizes. A value exactly on a cut-off goes to the higher side
// (ADI >= 1.32 is intermittent, CV² >= 0.49 is erratic), as in the original paper's "greater or equal".
const (
	ClassSmooth       Class = "smooth"
	ClassErratic      Class = "erratic"
	ClassIntermittent Class = "intermittent"
	ClassLumpy        Class = "lumpy"
	ClassShort        Class = "short" // too little history to compare methods
	ClassDead         Class = "dead"  // no demand ever, for far longer than its own longest gap, or archived
)

// Classification cut-offs (Syntetos-Boylan).
const (
	ADICutoff = 1.32
	CV2Cutoff = 0.49
)

// ClassifyOptions tunes Classify. Zero values take the defaults.
type ClassifyOptions struct {
	// MinHistory is the number of observed months below which a SKU is "short" (default 6).
	MinHistory int
	// DeadMonths is the minimum run of trailing zero months that marks a SKU dead (default 12). The run must
	// also be longer than DeadGapFactor times the longest run of zero months the SKU ever had between two
	// demands (a slow mover whose silence is no longer than silences it came back from is not dead), and at
	// least 3 average demand intervals (at its historical rate, such a silence has a chance of about e^-3 =
	// 5%; a series with two or three demands has seen too few gaps for its longest to mean much).
	DeadMonths int
	// DeadGapFactor multiplies the series' longest earlier gap (default 2; see docs/forecasting.md for the
	// evidence behind it).
	DeadGapFactor float64
}

func (o ClassifyOptions) withDefaults() ClassifyOptions {
	if o.MinHistory <= 0 {
		o.MinHistory = 6
	}
	if o.DeadMonths <= 0 {
		o.DeadMonths = 12
	}
	if o.DeadGapFactor <= 0 {
		o.DeadGapFactor = 2
	}
	return o
}

// Profile describes a series' demand: its class and the statistics the class was derived from.
type Profile struct {
	Class    Class
	N        int     // observed (non-missing) months
	NonZero  int     // months with positive demand
	ADI      float64 // average inter-demand interval, in months (+Inf without demand)
	CV2      float64 // squared coefficient of variation of non-zero demand sizes (0 with < 2 demands)
	Mean     float64 // mean monthly demand over observed months
	Std      float64 // standard deviation of monthly demand (sample, n-1)
	ZeroTail int     // trailing months with zero demand
	// LongestGap is the longest run of zero months between two demands (0 with fewer than two demands, or
	// when demands were never more than a month apart).
	LongestGap int
}

// String summarises the profile for logs, e.g. "lumpy (n=48, ADI=3.20, CV²=0.81)".
func (p Profile) String() string {
	return fmt.Sprintf("%s (n=%d, ADI=%.2f, CV²=%.2f)", p.Class, p.N, p.ADI, p.CV2)
}

// Classify profiles y (NaN = missing; leading and trailing missing months are ignored).
func Classify(y []float64, opts ClassifyOptions) Profile {
	opts = opts.withDefaults()
	lo, hi := trimMissing(y)
	y = y[lo:hi]
	p := Profile{ADI: math.Inf(1)}
	var sum, sumNZ, sumNZ2 float64
	for _, v := range y {
		if math.IsNaN(v) {
			continue
		}
		p.N++
		sum += v
		if v > 0 {
			p.NonZero++
			sumNZ += v
			sumNZ2 += v * v
		}
	}
	run, seen := 0, false
	for _, v := range y {
		switch {
		case math.IsNaN(v):
		case v > 0:
			if seen {
				p.LongestGap = max(p.LongestGap, run)
			}
			seen, run = true, 0
		default:
			run++
		}
	}
	for i := len(y) - 1; i >= 0; i-- {
		if math.IsNaN(y[i]) {
			continue
		}
		if y[i] > 0 {
			break
		}
		p.ZeroTail++
	}
	if p.N > 0 {
		p.Mean = sum / float64(p.N)
		var ss float64
		for _, v := range y {
			if !math.IsNaN(v) {
				ss += (v - p.Mean) * (v - p.Mean)
			}
		}
		if p.N > 1 {
			p.Std = math.Sqrt(ss / float64(p.N-1))
		}
	}
	if p.NonZero > 0 {
		p.ADI = float64(p.N) / float64(p.NonZero)
	}
	if p.NonZero > 1 {
		m := sumNZ / float64(p.NonZero)
		v := (sumNZ2 - float64(p.NonZero)*m*m) / float64(p.NonZero-1)
		p.CV2 = max(v, 0) / (m * m)
	}
	switch {
	case p.NonZero == 0:
		p.Class = ClassDead
	case p.ZeroTail >= opts.DeadMonths && float64(p.ZeroTail) > opts.DeadGapFactor*float64(p.LongestGap) &&
		float64(p.ZeroTail) >= 3*p.ADI:
		p.Class = ClassDead
	case p.N < opts.MinHistory:
		p.Class = ClassShort
	default:
		p.Class = demandClass(p.ADI, p.CV2)
	}
	return p
}

// Fading reports an intermittent or lumpy series whose current run of zero months is longer than any gap it
// had between two demands (and at least 3 months): evidence that demand is dying out, although not yet enough
// to call it dead.
func (p Profile) Fading() bool {
	return (p.Class == ClassIntermittent || p.Class == ClassLumpy) && p.ZeroTail >= 3 && p.ZeroTail > p.LongestGap
}

// demandClass applies the Syntetos-Boylan quadrants.
func demandClass(adi, cv2 float64) Class {
	switch {
	case adi < ADICutoff && cv2 < CV2Cutoff:
		return ClassSmooth
	case adi < ADICutoff:
		return ClassErratic
	case cv2 < CV2Cutoff:
		return ClassIntermittent
	}
	return ClassLumpy
}
