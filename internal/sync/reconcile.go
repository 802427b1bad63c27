package sync

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
)

// Reconciliation catches what a cursor cannot: deletions (invisible to a listing), records restored, and
// transactions that committed later than the lag and the recheck window. Odoo sums up its confirmed orders by
// month of date_order and their product lines by month of write_date (read_group: count and newest
// write_date); the store does the same; only months that differ are listed again, record by record.

var confirmedStates = []any{"sale", "done"}

// reconcileIfDue reconciles the whole history when asked or when the last time is older than ReconcileEvery,
// else the current and previous months when the last time is older than RecentEvery.
func (r *run) reconcileIfDue(ctx context.Context) error {
	if r.initial {
		// Nothing to compare yet but what this pass just read; start the clocks.
		r.markDone(modelReconciled)
		r.markDone(modelRecent)
		return nil
	}
	all := r.opts.Reconcile
	if !all && r.s.ReconcileEvery >= 0 {
		var err error
		if all, err = r.due(ctx, modelReconciled, r.s.ReconcileEvery, DefaultReconcileEvery); err != nil {
			return err
		}
	}
	if all {
		if err := r.reconcile(ctx, time.Time{}); err != nil {
			return err
		}
		// Stock has no write_date to compare in the store: read every product's again.
		if err := r.readProducts(ctx, odoo.Domain{}); err != nil {
			return fmt.Errorf("products: %w", err)
		}
		r.markDone(modelReconciled)
		r.markDone(modelRecent)
		return nil
	}
	recent, err := r.due(ctx, modelRecent, r.s.RecentEvery, DefaultRecentEvery)
	if err != nil || !recent {
		return err
	}
	now := r.s.now()
	if t, ok := r.src.ServerTime(); ok {
		now = t
	}
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	if err := r.reconcile(ctx, from); err != nil {
		return err
	}
	r.markDone(modelRecent)
	return nil
}

// reconcile compares the months from `from` on (every month when zero) and re-lists those that differ.
func (r *run) reconcile(ctx context.Context, from time.Time) error {
	orderDomain := odoo.In("state", confirmedStates...)
	lineDomain := odoo.And(odoo.In("state", confirmedStates...), odoo.Cond("display_type", "=", false),
		odoo.Cond("product_id", "!=", false))
	if !from.IsZero() {
		orderDomain = odoo.And(orderDomain, odoo.Gte("date_order", from))
		lineDomain = odoo.And(lineDomain, odoo.Gte("write_date", from))
	}
	odooOrders, err := r.src.MonthStats(ctx, ModelOrder, orderDomain, "date_order")
	if err != nil {
		return err
	}
	storedOrders, err := r.s.Store.OrderMonthStatList(ctx, r.conn.ID)
	if err != nil {
		return err
	}
	odooLines, err := r.src.MonthStats(ctx, ModelLine, lineDomain, "write_date")
	if err != nil {
		return err
	}
	storedLines, err := r.s.Store.ItemMonthStatList(ctx, r.conn.ID)
	if err != nil {
		return err
	}
	want := map[int64]int{}
	orderMonths := differing(odooOrders, storedOrders, from)
	for _, m := range orderMonths {
		if err := r.relistOrders(ctx, m, want); err != nil {
			return err
		}
	}
	lineMonths := differing(odooLines, storedLines, from)
	for _, m := range lineMonths {
		if err := r.relistLines(ctx, m, want); err != nil {
			return err
		}
	}
	if len(orderMonths)+len(lineMonths) > 0 {
		r.note("reconciliation: %d months of orders and %d of lines differed from Odoo; %d orders read again",
			len(orderMonths), len(lineMonths), len(want))
		r.res.Reconciled = append(r.res.Reconciled, orderMonths...)
		r.res.Reconciled = append(r.res.Reconciled, lineMonths...)
	}
	return r.refresh(ctx, want)
}

// differing returns the months (from `from` on) whose count or newest write_date differ between Odoo and the store.
func differing(inOdoo []odoo.MonthStat, stored []store.MonthStat, from time.Time) []time.Time {
	type stat struct {
		n    int64
		last time.Time
	}
	a, b := map[time.Time]stat{}, map[time.Time]stat{}
	for _, m := range inOdoo {
		a[m.Month] = stat{m.Count, m.LastWrite}
	}
	for _, m := range stored {
		if !from.IsZero() && m.Month.Before(from) {
			continue
		}
		b[m.Month] = stat{m.Count, m.LastWrite}
	}
	var out []time.Time
	for m, x := range a {
		if y, ok := b[m]; !ok || x.n != y.n || !x.last.Equal(y.last) {
			out = append(out, m)
		}
	}
	for m := range b {
		if _, ok := a[m]; !ok {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(x, y time.Time) int { return x.Compare(y) })
	return out
}

func monthRange(m time.Time) (odoo.Domain, time.Time) {
	return odoo.And(odoo.Gte("date_order", m), odoo.Lt("date_order", m.AddDate(0, 1, 0))), m.AddDate(0, 1, 0)
}

// relistOrders compares every order of month m (date_order; zero: without one) in Odoo and in the store, and
// wants those that differ, those Odoo lacks (deleted, or moved to another month) included.
func (r *run) relistOrders(ctx context.Context, m time.Time, want map[int64]int) error {
	d, to := monthRange(m)
	if m.IsZero() {
		d = odoo.Cond("date_order", "=", false)
	}
	seen := map[int64]bool{}
	err := r.src.StampsWhere(ctx, ModelOrder, d, r.s.listSize(), func(page []odoo.Stamp) error {
		r.fetched(ModelOrder, len(page))
		ids := make([]int64, len(page))
		for i, st := range page {
			ids[i] = st.ID
			seen[st.ID] = true
		}
		stored, err := r.s.Store.OrderGetMany(ctx, r.conn.ID, ids)
		if err != nil {
			return err
		}
		for _, st := range page {
			o, ok := stored[st.ID]
			if !ok && !confirmed(st.State) {
				continue
			}
			if ok && o.RemovedAt == nil && o.State == st.State && o.WriteDate.Equal(st.WriteDate) {
				continue
			}
			want[st.ID] = max(want[st.ID], st.Lines)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("orders of %s: %w", m.Format("2006-01"), err)
	}
	var from time.Time
	if !m.IsZero() {
		from = m
	}
	ids, err := r.s.Store.OrderIDListByDate(ctx, r.conn.ID, from, to)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !seen[id] {
			if _, ok := want[id]; !ok {
				want[id] = 0 // read by id: deleted ones are marked removed, moved ones rewritten
			}
		}
	}
	return nil
}

// relistLines compares the product lines written in month m in Odoo and in the store and wants the orders of
// those that differ or that Odoo lacks.
func (r *run) relistLines(ctx context.Context, m time.Time, want map[int64]int) error {
	to := m.AddDate(0, 1, 0)
	d := odoo.And(odoo.Gte("write_date", m), odoo.Lt("write_date", to))
	seen := map[int64]bool{}
	err := r.src.StampsWhere(ctx, ModelLine, d, r.s.listSize(), func(page []odoo.Stamp) error {
		r.fetched(ModelLine, len(page))
		ids := make([]int64, len(page))
		for i, st := range page {
			ids[i] = st.ID
			seen[st.ID] = true
		}
		stored, err := r.s.Store.ItemGetMany(ctx, r.conn.ID, ids)
		if err != nil {
			return err
		}
		for _, st := range page {
			it, ok := stored[st.ID]
			if !ok && (st.Layout || !confirmed(st.State)) {
				continue
			}
			if ok && it.RemovedAt == nil && it.OrderState == st.State && it.WriteDate.Equal(st.WriteDate) {
				continue
			}
			if _, ok := want[st.OrderID]; !ok {
				want[st.OrderID] = 0
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("order lines of %s: %w", m.Format("2006-01"), err)
	}
	ids, err := r.s.Store.ItemIDListByWriteDate(ctx, r.conn.ID, m, to)
	if err != nil {
		return err
	}
	var unseen []int64
	for _, id := range ids {
		if !seen[id] {
			unseen = append(unseen, id)
		}
	}
	items, err := r.s.Store.ItemGetMany(ctx, r.conn.ID, unseen)
	if err != nil {
		return err
	}
	for _, it := range items {
		if _, ok := want[it.OrderID]; !ok {
			want[it.OrderID] = 0 // the order read again marks lines it no longer has removed
		}
	}
	return nil
}

// sweep compares the ids Odoo has with the ids stored and marks the missing ones removed (a full sync).
func (r *run) sweep(ctx context.Context) error {
	for _, m := range []struct {
		model  string
		stored func(context.Context, int64) ([]int64, error)
		mark   func(store.Executor, context.Context, int64, []int64, time.Time) (int64, error)
	}{
		{ModelOrder, r.s.Store.OrderIDList, store.Executor.OrderMarkRemoved},
		{ModelLine, r.s.Store.ItemIDList, store.Executor.ItemMarkRemoved},
	} {
		stored, err := m.stored(ctx, r.conn.ID)
		if err != nil {
			return err
		}
		inOdoo := make(map[int64]bool, len(stored))
		if err := r.src.IDs(ctx, m.model, odoo.Domain{}, 5000, func(ids []int64) error {
			for _, id := range ids {
				inOdoo[id] = true
			}
			return nil
		}); err != nil {
			return err
		}
		var missing []int64
		for _, id := range stored {
			if !inOdoo[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			continue
		}
		var n int64
		if err := r.tx(ctx, "mark deleted records removed", func(tx store.Executor) error {
			var err error
			n, err = m.mark(tx, ctx, r.conn.ID, missing, r.syncedAt)
			return err
		}); err != nil {
			return err
		}
		r.res.Removed += n
		r.note("%d %s records deleted in Odoo marked removed", n, m.model)
		r.s.progress(Progress{Connection: r.conn.Name, Stage: "reconcile", Done: n, Total: n})
	}
	return nil
}
