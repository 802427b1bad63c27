package forecast_test

import (
	"errors"
	"fmt"

	"github.com/salesengine/salesengine/internal/forecast"
)

// The automatic ETS search on two years of monthly demand, then a cheap refit of the chosen model form.
func ExampleETS() {
	y := []float64{12, 15, 9, 20, 25, 18, 14, 16, 22, 30, 28, 19, 13, 17, 10, 22, 27, 20, 15, 18, 24, 33, 30, 21}
	m, _ := forecast.MethodByName("ets")
	p, err := m.Forecast(y, 12, 6)
	if errors.Is(err, forecast.ErrTooShort) {
		fmt.Println("not enough history")
		return
	}
	spec := forecast.ETSModelSpec(p.Model) // e.g. "ETS(M,N,N)"
	q, err := forecast.ETS{Model: spec}.Forecast(y, 12, 6)
	fmt.Println(len(p.Mean), len(p.Sigma), len(q.Mean), err)
	// Output: 6 6 6 <nil>
}

// Methods that need more history than given decline with ErrTooShort instead of guessing.
func ExampleSeasonalNaive() {
	_, err := forecast.SeasonalNaive{}.Forecast([]float64{3, 4, 5}, 12, 3)
	fmt.Println(errors.Is(err, forecast.ErrTooShort))
	// Output: true
}
