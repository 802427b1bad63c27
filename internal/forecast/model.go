// Package forecast forecasts demand per SKU: a family of statistical methods (this file's Method interface and
// the method files) and automatic method selection by rolling-origin backtest.
package forecast

import "errors"

// Method is one forecasting method. Implementations are stateless and safe for concurrent use.
type Method interface {
	// Name is the stable identifier stored in the database and printed in reports, e.g. "ets", "theta",
	// "snaive", "ses", "holt_damped", "hw_additive", "hw_multiplicative", "croston", "sba", "tsb", "adida",
	// "imapa", "naive", "mean", "zero".
	Name() string
	// Forecast fits the method to y (oldest first, finite, no missing values; callers impute) with seasonal
	// period m (12 for monthly; m <= 1 means non-seasonal) and returns h point forecasts.
	// It returns ErrTooShort when y is too short for this method, never a panic, NaN or Inf.
	Forecast(y []float64, m, h int) (Prediction, error)
}

// Prediction is a fitted method's output.
type Prediction struct {
	Mean   []float64 // h point forecasts (may be negative for additive methods; callers clip at 0)
	Fitted []float64 // len(y) in-sample one-step-ahead fitted values, NaN where undefined
	Sigma  []float64 // optional: h forecast standard deviations from the model (nil if the method has none)
	Model  string    // optional detail, e.g. "ETS(M,Ad,M)", "alpha=0.12"
}

// ErrTooShort is returned when a series is too short (or otherwise unsuitable, e.g. non-positive values for a
// multiplicative model) for a method; the caller simply skips that method for that series.
var ErrTooShort = errors.New("forecast: series too short for this method")

// ErrNoPool is returned by the pooled model outside a run of enough series to fit it on (see Pooled); it wraps
// ErrTooShort, as ErrNotPositive does.
var ErrNoPool = wrapTooShort("forecast: the pooled model needs a run of enough series to fit on")

// ErrNotPositive is returned by methods that need strictly positive data (multiplicative Holt-Winters) when the
// series has a zero or negative value. It wraps ErrTooShort so callers that skip on ErrTooShort also skip here.
var ErrNotPositive = wrapTooShort("forecast: multiplicative method needs every value > 0")

type tooShortError struct{ msg string }

func (e *tooShortError) Error() string { return e.msg }
func (e *tooShortError) Unwrap() error { return ErrTooShort }

func wrapTooShort(msg string) error { return &tooShortError{msg: msg} }

// methods is the registry in stable order: baselines first, then smooth-demand methods, then intermittent ones.
var methods = []Method{
	Naive{},
	SeasonalNaive{},
	Mean{},
	Zero{},
	SES{},
	HoltDamped{},
	HWAdditive{},
	HWMultiplicative{},
	ETS{},
	Theta{},
	Croston{},
	SBA{},
	TSB{},
	ADIDA{},
	IMAPA{},
	DOTM{},
	ARIMA{},
	ETSDamped{},
	OTM{},
	DSTM{},
	ThetaJS{},
	DOTMJS{},
	ETSJS{},
	Pooled{},
}

// Methods returns every method with default settings, in a stable order.
func Methods() []Method {
	out := make([]Method, len(methods))
	copy(out, methods)
	return out
}

// MethodByName returns the method with that Name, or false.
func MethodByName(name string) (Method, bool) {
	for _, m := range methods {
		if m.Name() == name {
			return m, true
		}
	}
	return nil, false
}
