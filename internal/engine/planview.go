package engine

import (
	"context"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// PlanLine is a stored plan row with its connection's name.
type PlanLine struct {
	Connection string
	*store.ProductionRow
}

// PlanView is what the dashboard's plan page reads: every stored month of every connection's plan, and the
// rows of the months asked for.
type PlanView struct {
	Months []*store.ProductionMonth // by connection name and month
	Rows   []PlanLine               // by connection, month and SKU
}

// PlanView reads the stored plan rows of the months from..to (inclusive), of the connection named (or of
// all, when ""), and what months are stored, in two queries. A connection without a stored plan has no rows.
func (e *Engine) PlanView(ctx context.Context, connection string, from, to plan.Month) (*PlanView, error) {
	months, err := e.store.ProductionMonthList(ctx)
	if err != nil {
		return nil, err
	}
	v := &PlanView{Months: months}
	names := map[int64]string{}
	var id int64
	for _, m := range months {
		names[m.ConnectionID] = m.Connection
		if m.Connection == connection {
			id = m.ConnectionID
		}
	}
	if connection != "" && id == 0 {
		return v, nil
	}
	rows, err := e.store.ProductionRangeList(ctx, &store.ProductionRangeListParams{ConnectionID: id,
		From: store.YearMonth{Year: from.Year, Month: int(from.Month)}, To: store.YearMonth{Year: to.Year, Month: int(to.Month)}})
	if err != nil {
		return nil, err
	}
	v.Rows = make([]PlanLine, len(rows))
	for i, r := range rows {
		name, ok := names[r.ConnectionID]
		if !ok {
			// Planned between the two reads: ProductionMonthList did not see it yet.
			if c, err := e.store.ConnectionGet(ctx, r.ConnectionID); err == nil {
				name = c.Name
				names[r.ConnectionID] = name
			}
		}
		v.Rows[i] = PlanLine{Connection: name, ProductionRow: r}
	}
	return v, nil
}
