package forecast

// The candidates below widen the trended/seasonal family the way published M3/M4 ensembles do: a damped trend
// on its own (the "SHD" benchmark's damped member), and theta models other than the standard one and DOTM.

// OTM is the Optimised Theta Method (Fiorucci et al. 2016): the theta line's intercept and slope are the whole
// history's least-squares ones (as in the standard method), but theta, alpha and the initial level are fitted
// by Nelder-Mead on the one-step squared error. Seasonal adjustment as Theta.
type OTM struct{}

// DSTM is the Dynamic Standard Theta Method (Fiorucci et al. 2016): theta fixed at 2 as in the standard
// method, with the trend line re-estimated at every step as in DOTM.
type DSTM struct{}

// ETSDamped is ETS restricted to damped-trend models (error A/M x damped additive trend x season N/A/M),
// chosen by AICc: the damped trend is the single method that most often helps combinations on trended series,
// and ETS's own search rarely picks it on short histories.
type ETSDamped struct{}

var (
	_ Method = OTM{}
	_ Method = DSTM{}
	_ Method = ETSDamped{}
)

// Name implements Method.
func (OTM) Name() string { return "otm" }

// Name implements Method.
func (DSTM) Name() string { return "dstm" }

// Name implements Method.
func (ETSDamped) Name() string { return "ets_damped" }

// Forecast implements Method.
func (OTM) Forecast(y []float64, m, h int) (Prediction, error) {
	return thetaModelForecast(y, m, h, thetaModel{name: "otm", optTheta: true})
}

// Forecast implements Method.
func (DSTM) Forecast(y []float64, m, h int) (Prediction, error) {
	return thetaModelForecast(y, m, h, thetaModel{name: "dstm", dynamic: true})
}

// Forecast implements Method.
func (ETSDamped) Forecast(y []float64, m, h int) (Prediction, error) {
	specs, err := etsSpecs("ZAdZ")
	if err != nil {
		return Prediction{}, err
	}
	return etsForecast(y, m, h, specs, true)
}
