package demand

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/forecast"
)

func day(m time.Month, d int) time.Time { return time.Date(2025, m, d, 0, 0, 0, 0, time.UTC) }

// The moves of the examples: 5 on hand on 31 March; a receipt of 20 on 10 January, deliveries of 10 and 5 on
// 1 February, 10 on 15 February, a receipt of 10 on 5 March, and a delivery on 2 April the reading did not see.
var exampleMoves = []StockMove{
	{At: day(3, 5), Net: 10}, {At: day(2, 1), Net: -10}, {At: day(1, 10), Net: 20}, {At: day(2, 15), Net: -10},
	{At: day(2, 1), Net: -5}, {At: day(4, 2), Net: -3},
}

func TestStockLevels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		onHand float64
		asOf   time.Time
		moves  []StockMove
		want   []StockLevel
	}{
		{"none", 7, day(3, 31), nil, []StockLevel{}},
		// backwards from 5: before 5 March 5-10 = -5; before 15 February -5+10 = 5; before 1 February 5+15 = 20;
		// before 10 January 0. The two moves of 1 February are one step; the move of 2 April is left out.
		{"example", 5, day(3, 31), exampleMoves, []StockLevel{{day(1, 10), 20}, {day(2, 1), 5}, {day(2, 15), -5}, {day(3, 5), 5}}},
		// read on 1 March, before the receipt of the 5th: after 15 February 5, after 1 February 15, after 10 January 30
		{"read before the last move", 5, day(3, 1), exampleMoves, []StockLevel{{day(1, 10), 30}, {day(2, 1), 15}, {day(2, 15), 5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := StockLevels(tc.onHand, tc.asOf, tc.moves); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStockoutMonths(t *testing.T) {
	t.Parallel()
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	levels := StockLevels(5, day(3, 31), exampleMoves)
	jan, feb, mar := forecast.MonthFor(2025, 1), forecast.MonthFor(2025, 2), forecast.MonthFor(2025, 3)
	for _, tc := range []struct {
		name   string
		levels []StockLevel
		asOf   time.Time
		loc    *time.Location
		want   map[forecast.Month]float64
	}{
		{"no moves", nil, day(3, 31), time.UTC, map[forecast.Month]float64{}},
		// January is not judged: the history starts on the 10th. February: 5 until the 15th, then -5: 14 of 28
		// days, exactly half. March (up to the reading on the 31st, 30 days): -5 for 4 days.
		{"UTC", levels, day(3, 31), time.UTC, map[forecast.Month]float64{feb: 0.5, mar: 4.0 / 30}},
		// In Madrid (UTC+1) February begins and ends an hour earlier: 335 of its 672 hours out. March, from 23:00
		// UTC on 28 February to the reading: 97 of 721 hours out.
		{"Madrid", levels, day(3, 31), madrid, map[forecast.Month]float64{feb: 335.0 / 672, mar: 97.0 / 721}},
		// A history that starts on the first day of a month judges that month.
		{"from the first", []StockLevel{{day(1, 1), 0}, {day(1, 11), 3}}, day(2, 1), time.UTC, map[forecast.Month]float64{jan: 10.0 / 31}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := StockoutMonths(tc.levels, tc.asOf, tc.loc)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for m, w := range tc.want {
				if g, ok := got[m]; !ok || math.Abs(g-w) > 1e-12 {
					t.Errorf("%s: share %v, want %v", m, g, w)
				}
			}
		})
	}
}

func TestCensor(t *testing.T) {
	t.Parallel()
	start := forecast.MonthFor(2024, 1)
	nan := math.NaN()
	months := func(idx ...int) map[forecast.Month]float64 {
		out := map[forecast.Month]float64{}
		for _, i := range idx {
			out[start.Add(i)] = 0.75
		}
		return out
	}
	list := func(idx ...int) []forecast.Month {
		var out []forecast.Month
		for _, i := range idx {
			out = append(out, start.Add(i))
		}
		return out
	}
	for _, tc := range []struct {
		name               string
		values             []float64
		stockout           map[forecast.Month]float64
		want               []float64
		stockouts, cenored []forecast.Month
	}{
		// typical: the median of 10, 12, 11, 9, 13 = 11; both stock-out months sold less
		{"two months out", []float64{10, 12, 11, 2, 0, 9, 13}, months(3, 4), []float64{10, 12, 11, nan, nan, 9, 13}, list(3, 4), list(3, 4)},
		// 14 is above the median of 10, 12, 11, 9 (10.5): it sold despite the stock-out
		{"sold well anyway", []float64{10, 12, 11, 14, 9}, months(3), []float64{10, 12, 11, 14, 9}, list(3), nil},
		// the median of the others is 0: their mean, 5/6, is the typical level
		{"intermittent", []float64{0, 0, 3, 0, 0, 2, 0}, months(3), []float64{0, 0, 3, nan, 0, 2, 0}, list(3), list(3)},
		{"every month out", []float64{1, 2}, months(0, 1), []float64{1, 2}, list(0, 1), nil},
		{"out outside the series", []float64{4, 5}, months(-1, 2), []float64{4, 5}, nil, nil},
		{"no stock-out", []float64{4, 5}, nil, []float64{4, 5}, nil, nil},
		// a quarter of the months 1 and 3 out of stock: 6 sold in three quarters of a month is 8 in a whole one; 12
		// is above the median of 10, 11, 9 (10): kept. Half of month 2 out: censored.
		{"partly out", []float64{10, 6, 4, 12, 11, 9}, map[forecast.Month]float64{start.Add(1): 0.25, start.Add(2): 0.5, start.Add(3): 0.25},
			[]float64{10, 8, nan, 12, 11, 9}, list(2), list(2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := forecast.Series{ID: "A", Start: start, Values: tc.values}
			kept := append([]float64(nil), tc.values...)
			got, stockouts, censored := Censor(in, tc.stockout)
			if got.ID != "A" || got.Start != start || len(got.Values) != len(tc.want) {
				t.Fatalf("got %+v", got)
			}
			for i, w := range tc.want {
				if g := got.Values[i]; g != w && !(math.IsNaN(g) && math.IsNaN(w)) {
					t.Errorf("month %d: %v, want %v", i, g, w)
				}
			}
			if !reflect.DeepEqual(stockouts, tc.stockouts) || !reflect.DeepEqual(censored, tc.cenored) {
				t.Errorf("stock-outs %v censored %v, want %v and %v", stockouts, censored, tc.stockouts, tc.cenored)
			}
			if !reflect.DeepEqual(in.Values, kept) {
				t.Errorf("the raw series changed: %v", in.Values)
			}
		})
	}
}
