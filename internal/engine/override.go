package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// Overrides: a planner's correction of one SKU's forecast for one month (docs/forecasting.md, "Overrides").
// They are kept apart from the statistical forecast (forecast_overrides, append-only) and applied when the plan
// reads the forecast, so every forecast run keeps them until their month is past.

// Limits of an override's fields.
const (
	OverrideMaxQuantity = 1e12 // as a month's demand in a history CSV
	OverrideMaxNote     = 500  // characters
	OverrideMaxBy       = 100
)

// Override error codes, for callers that translate the message (the dashboard).
const (
	OverrideErrMonthFormat    = "month_format"
	OverrideErrMonthPast      = "month_past"
	OverrideErrMonthHorizon   = "month_horizon"
	OverrideErrQuantity       = "quantity"
	OverrideErrNoteRequired   = "note_required"
	OverrideErrNoteTooLong    = "note_too_long"
	OverrideErrBy             = "by"
	OverrideErrUnknownSKU     = "unknown_sku"
	OverrideErrNothingToClear = "nothing_to_clear"
)

// OverrideErrCodes lists every code, for those who translate them.
var OverrideErrCodes = []string{OverrideErrMonthFormat, OverrideErrMonthPast, OverrideErrMonthHorizon, OverrideErrQuantity,
	OverrideErrNoteRequired, OverrideErrNoteTooLong, OverrideErrBy, OverrideErrUnknownSKU, OverrideErrNothingToClear}

// OverrideError is an override refused for its input: a usage error (the CLI exits 2) with a code the dashboard
// translates.
type OverrideError struct {
	Code string
	UsageError
}

func (e *OverrideError) Unwrap() error { return &e.UsageError }

func overrideErr(code, hint, format string, args ...any) error {
	return &OverrideError{Code: code, UsageError: UsageError{Msg: fmt.Sprintf(format, args...), Hint: hint}}
}

// OverrideChange is one change a planner asks for.
type OverrideChange struct {
	SKU      string
	Month    string   // YYYY-MM
	Quantity *float64 // nil: clear the override in force
	Note     string   // why; required to set, optional to clear
	By       string   // who
	Source   string   // store.OverrideSourceCLI or store.OverrideSourceDashboard
}

// OverrideOutcome is what ForecastOverrideChange did.
type OverrideOutcome struct {
	Override *store.ForecastOverride // the row appended
	// Previous is the override in force before the change (nil: none).
	Previous *store.ForecastOverride
	// Statistical is the stored statistical forecast of the SKU-month (nil: none).
	Statistical *float64
	// Plan is this month's plan, made again with the change; nil when planning failed (PlanErr says why).
	Plan    *PlanOutcome
	PlanErr error
}

// ForecastOverrideChange validates a change, appends it to the connection's overrides and plans this month
// again, so the stored plan reflects it at once. An input refused is an *OverrideError.
func (e *Engine) ForecastOverrideChange(ctx context.Context, c *store.Connection, ch OverrideChange) (*OverrideOutcome, error) {
	if e.set.Plan == nil {
		return nil, notLoaded("plan")
	}
	m, err := e.checkOverrideMonth(ch.Month)
	if err != nil {
		return nil, err
	}
	o := &store.ForecastOverride{ConnectionID: c.ID, SKU: ch.SKU, Date: m.First(), Note: strings.TrimSpace(ch.Note),
		CreatedBy: strings.TrimSpace(ch.By), Source: ch.Source, CreatedAt: e.set.now().UTC()}
	if ch.Quantity != nil {
		q := *ch.Quantity
		if math.IsNaN(q) || math.IsInf(q, 0) || q < 0 || q > OverrideMaxQuantity {
			return nil, overrideErr(OverrideErrQuantity, "give the month's total demand as a number from 0 to 1e12, e.g. 120 or 87.5",
				"quantity %v is not a demand: want a finite number from 0 to 1e12", q)
		}
		o.Action, o.Quantity = store.OverrideSet, &q
		if o.Note == "" {
			return nil, overrideErr(OverrideErrNoteRequired, `say why, e.g. --note "customer announced an order of 500"`,
				"an override needs a note saying why (the plan's readers see it)")
		}
	} else {
		o.Action = store.OverrideClear
	}
	if n := utf8.RuneCountInString(o.Note); n > OverrideMaxNote {
		return nil, overrideErr(OverrideErrNoteTooLong, fmt.Sprintf("shorten the note to %d characters", OverrideMaxNote),
			"the note has %d characters, more than %d", n, OverrideMaxNote)
	}
	if o.CreatedBy == "" || utf8.RuneCountInString(o.CreatedBy) > OverrideMaxBy || strings.ContainsAny(o.CreatedBy, "\r\n") {
		return nil, overrideErr(OverrideErrBy, "give --by NAME, one line of at most 100 characters",
			"who made the change is missing or not a name: %q", o.CreatedBy)
	}
	if err := e.checkOverrideSKU(ctx, c, ch.SKU); err != nil {
		return nil, err
	}
	cur, err := e.store.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: c.ID, SKU: ch.SKU, From: o.Date})
	if err != nil {
		return nil, err
	}
	out := &OverrideOutcome{Override: o}
	if i := slices.IndexFunc(cur, func(x *store.ForecastOverride) bool { return plan.MonthOf(x.Date) == m }); i >= 0 {
		out.Previous = cur[i]
	}
	if o.Action == store.OverrideClear && out.Previous == nil {
		return nil, overrideErr(OverrideErrNothingToClear, "list the overrides in force with 'salesengine forecast overrides'",
			"%s has no override for %s to clear", ch.SKU, m)
	}
	fc, err := e.store.ForecastList(ctx, &store.ForecastListParams{ConnectionID: c.ID, SKU: ch.SKU, From: o.Date, To: o.Date})
	if err != nil {
		return nil, err
	}
	if len(fc) == 1 {
		out.Statistical = &fc[0].Quantity
	}
	if _, err := e.store.ForecastOverrideInsert(ctx, o); err != nil {
		return nil, err
	}
	pm := e.set.CurrentMonth()
	if _, psum, err := e.Plan(ctx, c, []plan.Month{pm}); err != nil {
		out.PlanErr = err
	} else {
		out.Plan = &PlanOutcome{Month: pm, Summary: psum}
	}
	return out, nil
}

// checkOverrideMonth parses an override's month: this month or a later one the forecast covers.
func (e *Engine) checkOverrideMonth(s string) (plan.Month, error) {
	cur := e.set.CurrentMonth()
	horizon := max(e.set.Plan.Horizon, 1)
	last := cur.Add(horizon - 1)
	hint := fmt.Sprintf("give a month from %s (this month) to %s (the end of the forecast horizon, SALESENGINE_FORECAST_HORIZON=%d)", cur, last, horizon)
	m, err := plan.ParseMonth(s)
	if err != nil || !m.Valid() {
		return m, overrideErr(OverrideErrMonthFormat, "months are written YYYY-MM, e.g. "+cur.Add(1).String(), "month %q is not a month", s)
	}
	if err := plan.CheckTarget(m, cur, horizon); err != nil {
		if errors.Is(err, plan.ErrPastMonth) {
			return m, overrideErr(OverrideErrMonthPast, hint, "month %s is in the past: an override is for this month (%s) or later", m, cur)
		}
		return m, overrideErr(OverrideErrMonthHorizon, hint, "month %s is beyond the forecast horizon: the forecast covers %s to %s", m, cur, last)
	}
	return m, nil
}

// checkOverrideSKU refuses a SKU the connection does not know (no product, order line, forecast or plan row).
func (e *Engine) checkOverrideSKU(ctx context.Context, c *store.Connection, sku string) error {
	names, err := e.store.SKUConnectionList(ctx, sku)
	if err != nil {
		return err
	}
	if slices.Contains(names, c.Name) {
		return nil
	}
	hint := "SKUs are Odoo's Internal Reference (default_code), exactly as written, case included; a product new in Odoo is known after 'salesengine sync'"
	if len(names) > 0 {
		hint = fmt.Sprintf("it is in connection %s: give --connection %s", strings.Join(names, ", "), names[0])
	}
	return overrideErr(OverrideErrUnknownSKU, hint, "connection %q has no SKU %q (no product, sale, forecast or plan row of it)", c.Name, sku)
}

// ForecastOverrides lists a connection's overrides (c nil: every connection's): those in force from this month
// on, or with history every change ever made, oldest first.
func (e *Engine) ForecastOverrides(ctx context.Context, c *store.Connection, history bool) ([]*store.ForecastOverride, error) {
	p := &store.ForecastOverrideListParams{History: history}
	if c != nil {
		p.ConnectionID = c.ID
	}
	if !history {
		p.From = e.set.CurrentMonth().First()
	}
	return e.store.ForecastOverrideList(ctx, p)
}

// overrideBound moves a bound of the statistical forecast stat to follow an override q. At or above the
// statistical forecast the bound is shifted by q - stat: the spread stays as the statistical model measured it
// (what the planner adds is known demand, such as an announced order, not more uncertainty). Below it the bound
// is scaled by q/stat: the spread shrinks with the demand, to none at 0 (a discontinued product needs no
// safety stock). The view forecast_final computes the same in SQL.
func overrideBound(bound, stat, q float64) float64 {
	if q < stat {
		return bound * q / stat
	}
	return bound + q - stat
}

// withOverrides returns the forecast rows as the plan uses them: each row with an override in force takes the
// override as its quantity and its bounds moved (overrideBound); an override of from or later for a SKU-month
// without a forecast row becomes a row of its own, method "override", whose bounds are the override itself (no
// spread: no safety stock). The rows given are not changed; the result is by SKU and month.
func withOverrides(rows []*store.ForecastRow, overrides []*store.ForecastOverride, from time.Time) []*store.ForecastRow {
	if len(overrides) == 0 {
		return rows
	}
	type key struct { // by calendar month: the rows' dates may differ in location
		sku   string
		month plan.Month
	}
	byKey := make(map[key]*store.ForecastOverride, len(overrides))
	for _, o := range overrides {
		if o.Action == store.OverrideSet && o.Quantity != nil {
			byKey[key{o.SKU, plan.MonthOf(o.Date)}] = o
		}
	}
	out := make([]*store.ForecastRow, 0, len(rows)+len(byKey))
	for _, r := range rows {
		k := key{r.SKU, plan.MonthOf(r.Date)}
		o, ok := byKey[k]
		if !ok {
			out = append(out, r)
			continue
		}
		delete(byKey, k)
		q := *o.Quantity
		f := *r
		f.Quantity, f.Lower, f.Upper = q, overrideBound(r.Lower, r.Quantity, q), overrideBound(r.Upper, r.Quantity, q)
		f.Lower95, f.Upper95 = overrideBound(r.Lower95, r.Quantity, q), overrideBound(r.Upper95, r.Quantity, q)
		out = append(out, &f)
	}
	added := false
	for k, o := range byKey {
		if o.Date.Before(from) {
			continue
		}
		q := *o.Quantity
		out = append(out, &store.ForecastRow{ConnectionID: o.ConnectionID, SKU: k.sku, Date: k.month.First(), Quantity: q, Lower: q, Upper: q,
			Lower95: q, Upper95: q, Method: "override", GeneratedAt: o.CreatedAt})
		added = true
	}
	if added {
		slices.SortStableFunc(out, func(a, b *store.ForecastRow) int {
			if c := strings.Compare(a.SKU, b.SKU); c != 0 {
				return c
			}
			return a.Date.Compare(b.Date)
		})
	}
	return out
}

// OverrideConnection is the connection an override of sku goes to: the one named (ID or NAME), or else the one
// connection that holds the SKU.
func (e *Engine) OverrideConnection(ctx context.Context, ref, sku string) (*store.Connection, error) {
	if ref != "" {
		return ResolveConnection(ctx, e.store, ref)
	}
	names, err := e.store.SKUConnectionList(ctx, sku)
	if err != nil {
		return nil, err
	}
	switch len(names) {
	case 0:
		return nil, overrideErr(OverrideErrUnknownSKU,
			"SKUs are Odoo's Internal Reference (default_code), exactly as written, case included; a product new in Odoo is known after 'salesengine sync'",
			"no connection has a SKU %q (no product, sale, forecast or plan row of it)", sku)
	case 1:
		return e.store.ConnectionGetByName(ctx, names[0])
	}
	return nil, usagef("give --connection "+names[0]+" (or another of them)", "SKU %q is in several connections: %s", sku, strings.Join(names, ", "))
}

// OverrideLine is a row of forecast_overrides with its connection's name and the statistical forecast of its
// SKU-month now stored (nil: none).
type OverrideLine struct {
	*store.ForecastOverride
	Connection  string
	Statistical *float64
}

// OverrideLines is ForecastOverrides for several connections, each line with the statistical forecast of its
// SKU-month, by connection in the order given.
func (e *Engine) OverrideLines(ctx context.Context, conns []*store.Connection, history bool) ([]OverrideLine, error) {
	var out []OverrideLine
	for _, c := range conns {
		os, err := e.ForecastOverrides(ctx, c, history)
		if err != nil {
			return nil, err
		}
		var rows []*store.ForecastRow
		read := map[string]bool{}
		for _, o := range os {
			if read[o.SKU] {
				continue
			}
			read[o.SKU] = true
			r, err := e.store.ForecastList(ctx, &store.ForecastListParams{ConnectionID: c.ID, SKU: o.SKU})
			if err != nil {
				return nil, err
			}
			rows = append(rows, r...)
		}
		out = append(out, overrideLines(c.Name, os, rows)...)
	}
	return out, nil
}

// overrideLines pairs overrides with the statistical forecast of their SKU-months among rows.
func overrideLines(connection string, os []*store.ForecastOverride, rows []*store.ForecastRow) []OverrideLine {
	type key struct {
		sku   string
		month plan.Month
	}
	stat := make(map[key]float64, len(rows))
	for _, r := range rows {
		stat[key{r.SKU, plan.MonthOf(r.Date)}] = r.Quantity
	}
	out := make([]OverrideLine, len(os))
	for i, o := range os {
		out[i] = OverrideLine{ForecastOverride: o, Connection: connection}
		if q, ok := stat[key{o.SKU, plan.MonthOf(o.Date)}]; ok {
			out[i].Statistical = &q
		}
	}
	return out
}

// SKUOverrideHistory is how many of a SKU's newest override changes SKUOverrides reads.
const SKUOverrideHistory = 50

// OverrideMonth is one month a SKU's forecast may be overridden in: its statistical forecast and the override
// in force.
type OverrideMonth struct {
	Month       plan.Month
	Statistical *float64                // nil: no forecast row
	Override    *store.ForecastOverride // nil: none in force
}

// SKUOverrides is what the dashboard's SKU page shows and edits of a SKU's overrides.
type SKUOverrides struct {
	Connection string
	// Months runs from this month to the end of the forecast horizon: the months an override may be set for.
	Months []OverrideMonth
	// History is the SKU's newest changes (at most SKUOverrideHistory), newest first, past months included.
	History []*store.ForecastOverride
}

// SKUOverrides reads a SKU's overrides in a connection (by name).
func (e *Engine) SKUOverrides(ctx context.Context, sku, connection string) (*SKUOverrides, error) {
	if e.set.Plan == nil {
		return nil, notLoaded("plan")
	}
	c, err := e.store.ConnectionGetByName(ctx, connection)
	if err != nil {
		return nil, err
	}
	cur := e.set.CurrentMonth()
	inForce, err := e.store.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: c.ID, SKU: sku, From: cur.First()})
	if err != nil {
		return nil, err
	}
	rows, err := e.store.ForecastList(ctx, &store.ForecastListParams{ConnectionID: c.ID, SKU: sku, From: cur.First()})
	if err != nil {
		return nil, err
	}
	hist, err := e.store.ForecastOverrideList(ctx, &store.ForecastOverrideListParams{ConnectionID: c.ID, SKU: sku, History: true})
	if err != nil {
		return nil, err
	}
	v := &SKUOverrides{Connection: c.Name}
	for i := range max(e.set.Plan.Horizon, 1) {
		m := cur.Add(i)
		om := OverrideMonth{Month: m}
		for _, r := range rows {
			if plan.MonthOf(r.Date) == m {
				om.Statistical = &r.Quantity
			}
		}
		for _, o := range inForce {
			if plan.MonthOf(o.Date) == m {
				om.Override = o
			}
		}
		v.Months = append(v.Months, om)
	}
	slices.Reverse(hist)
	v.History = hist[:min(len(hist), SKUOverrideHistory)]
	return v, nil
}

// ForecastOverrideChangeIn is ForecastOverrideChange for a connection given by name (store.ErrNotFound, wrapped,
// when there is none).
func (e *Engine) ForecastOverrideChangeIn(ctx context.Context, connection string, ch OverrideChange) (*OverrideOutcome, error) {
	c, err := e.store.ConnectionGetByName(ctx, connection)
	if err != nil {
		return nil, err
	}
	return e.ForecastOverrideChange(ctx, c, ch)
}
