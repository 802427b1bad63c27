package demand

import (
	"context"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/salesengine/salesengine/internal/forecast"
	"github.com/salesengine/salesengine/internal/store"
)

// Stock-outs: a month the product could not be sold is not a month without demand. From the stock on hand now and
// the done stock moves, each SKU's stock level is rebuilt backwards through time; a month during most of which
// the level was at or below zero is a stock-out month; such a month's sales, when below the series' typical
// level, are censored (treated as missing and imputed by the forecaster) instead of counting as what demand was.
// docs/forecasting.md#stock-outs describes the rules.

// StockoutShare is the share of a month's time at or below zero from which the month is a stock-out month.
const StockoutShare = 0.5

// StockMove is what a stock move did to the stock on hand at a time: +quantity into internal locations from
// outside them, -quantity out of them.
type StockMove struct {
	At  time.Time
	Net float64
}

// StockLevel is the stock on hand from At until the next level's At.
type StockLevel struct {
	At  time.Time
	Qty float64
}

// StockLevels rebuilds a stock level backwards through time: onHand is the stock at asOf, and the level just
// before a move is the level just after it minus its net. Moves after asOf (the stock was read before them) are
// left out; moves need not be sorted. The levels are ascending, one per time with moves (the level after them):
// before the first move the stock history says nothing.
func StockLevels(onHand float64, asOf time.Time, moves []StockMove) []StockLevel {
	ms := slices.Clone(moves)
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].At.Before(ms[j].At) })
	for len(ms) > 0 && ms[len(ms)-1].At.After(asOf) {
		ms = ms[:len(ms)-1]
	}
	out := make([]StockLevel, 0, len(ms))
	level := onHand
	for i := len(ms) - 1; i >= 0; i-- {
		if n := len(out); n == 0 || !out[n-1].At.Equal(ms[i].At) {
			out = append(out, StockLevel{At: ms[i].At, Qty: level})
		}
		level -= ms[i].Net
	}
	slices.Reverse(out)
	return out
}

// outOfStock: a level at or below zero (sums of float quantities may leave a trace of rounding).
func outOfStock(q float64) bool { return q <= 1e-9 }

// StockoutMonths returns, for every month the stock history covers from its first day (months that begin at or
// after the first level) up to the one containing asOf, the share of the month's time (up to asOf for the last)
// during which the level was at or below zero; months in loc's calendar.
func StockoutMonths(levels []StockLevel, asOf time.Time, loc *time.Location) map[forecast.Month]float64 {
	out := map[forecast.Month]float64{}
	if len(levels) == 0 {
		return out
	}
	first := levels[0].At.In(loc)
	start := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, loc)
	if start.Before(levels[0].At) {
		start = start.AddDate(0, 1, 0)
	}
	for ; start.Before(asOf); start = start.AddDate(0, 1, 0) {
		end := start.AddDate(0, 1, 0)
		if end.After(asOf) {
			end = asOf
		}
		// the level in force at start: the last one at or before it
		i := sort.Search(len(levels), func(i int) bool { return levels[i].At.After(start) }) - 1
		var out0 time.Duration
		at, qty := start, levels[max(i, 0)].Qty
		for j := i + 1; j < len(levels) && levels[j].At.Before(end); j++ {
			if outOfStock(qty) {
				out0 += levels[j].At.Sub(at)
			}
			at, qty = levels[j].At, levels[j].Qty
		}
		if outOfStock(qty) {
			out0 += end.Sub(at)
		}
		out[forecast.MonthOf(start)] = float64(out0) / float64(end.Sub(start))
	}
	return out
}

// Censor returns the series corrected by the stock history, given the share of each month's time the product
// was out of stock. A month below the series' typical level (the median of its months with no stock-out time,
// or their mean when that median is zero: an intermittent series) is corrected:
//   - a stock-out month (StockoutShare of its time or more) is censored: its demand is treated as missing (NaN),
//     for the forecaster to impute;
//   - a month partly out of stock (less than StockoutShare) has its sales scaled to the whole month: sales
//     divided by the share of its time in stock.
//
// A month that sold the typical level or more is kept as it is: it sold despite the stock-out (one at its end,
// say). With no month free of stock-outs nothing is corrected. It also returns the stock-out months within the
// series and those censored, ascending. The series given is not changed.
func Censor(s forecast.Series, shares map[forecast.Month]float64) (forecast.Series, []forecast.Month, []forecast.Month) {
	var months []forecast.Month
	var rest []float64
	for i, v := range s.Values {
		m := s.Start.Add(i)
		switch {
		case shares[m] >= StockoutShare:
			months = append(months, m)
		case shares[m] == 0 && !math.IsNaN(v):
			rest = append(rest, v)
		}
	}
	if len(rest) == 0 {
		return s, months, nil
	}
	typical := median(rest)
	if typical <= 0 {
		var sum float64
		for _, v := range rest {
			sum += v
		}
		typical = sum / float64(len(rest))
	}
	out := forecast.Series{ID: s.ID, Start: s.Start, Values: slices.Clone(s.Values)}
	var censored []forecast.Month
	for i, v := range out.Values {
		m := s.Start.Add(i)
		share := shares[m]
		switch {
		case share == 0 || math.IsNaN(v) || v >= typical:
		case share >= StockoutShare:
			out.Values[i] = math.NaN()
			censored = append(censored, m)
		default:
			out.Values[i] = v / (1 - share)
		}
	}
	return out, months, censored
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// stockoutsBySKU rebuilds the stock level of every SKU with stock moves (its products' stock on hand and moves
// added up) and returns, for the months its stock history covers, the share of their time at or below zero
// (months without any are left out).
// Each product's stock on hand is the sync's last reading of it (inventory.synced_at): its moves after that are
// left out, as the reading did not include them.
func stockoutsBySKU(ctx context.Context, s store.Executor, connectionID int64, o Options) (map[string]map[forecast.Month]float64, error) {
	moves, err := s.StockMoveNetList(ctx, connectionID)
	if err != nil || len(moves) == 0 {
		return nil, err
	}
	inv, err := s.InventoryList(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	readings := make(map[int64]*store.Inventory, len(inv))
	type skuStock struct {
		onHand float64
		asOf   time.Time
		moves  []StockMove
	}
	bySKU := map[string]*skuStock{}
	for _, r := range inv {
		readings[r.ProductID] = r
		st := bySKU[r.SKU]
		if st == nil {
			st = &skuStock{}
			bySKU[r.SKU] = st
		}
		st.onHand += r.QtyAvailable
		if r.SyncedAt.After(st.asOf) {
			st.asOf = r.SyncedAt
		}
	}
	for _, m := range moves {
		r, ok := readings[m.ProductID]
		if !ok || m.Date.After(r.SyncedAt) {
			continue // a product without a stock reading, or a move the reading did not see
		}
		st := bySKU[r.SKU]
		st.moves = append(st.moves, StockMove{At: m.Date, Net: m.Net})
	}
	out := map[string]map[forecast.Month]float64{}
	for sku, st := range bySKU {
		if len(st.moves) == 0 {
			continue
		}
		for m, share := range StockoutMonths(StockLevels(st.onHand, st.asOf, st.moves), st.asOf, o.Location) {
			if share > 0 {
				if out[sku] == nil {
					out[sku] = map[forecast.Month]float64{}
				}
				out[sku][m] = share
			}
		}
	}
	return out, nil
}
