package forecast_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/salesengine/salesengine/internal/forecast"
)

// A purely seasonal SKU: the seasonal naive forecast is exact, so selection picks it over the default ensemble.
func ExampleForecastAll() {
	history := "series,month,value\n"
	pattern := []int{5, 80, 3, 40, 7, 90, 2, 60, 9, 30, 4, 70}
	for i := range 48 {
		history += fmt.Sprintf("SKU-1,%d-%02d,%d\n", 2020+i/12, i%12+1, pattern[i%12])
	}
	series, err := forecast.ReadLongCSV(strings.NewReader(history))
	if err != nil {
		panic(err)
	}
	res, err := forecast.ForecastAll(context.Background(), series, forecast.Options{Horizon: 3, Levels: []float64{80}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res[0].Class, res[0].Method)
	if err := forecast.WriteForecastCSV(os.Stdout, res, 80); err != nil {
		panic(err)
	}
	// Output:
	// erratic snaive
	// series,month,forecast,lower,upper,method
	// SKU-1,2024-01,5,5,5,snaive
	// SKU-1,2024-02,80,80,80,snaive
	// SKU-1,2024-03,3,3,3,snaive
}
