package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

// supplyMeta is what the generic operations need to know of a supply table.
type supplyMeta struct {
	key    string // the Odoo id column
	parent string // the parent's id column ("" none)
	state  string // the state column of its stamp ("" none)
}

var supplyMetas = map[store.SupplyTable]supplyMeta{
	store.TableProductions:   {key: "production_id", state: "state"},
	store.TableBoMs:          {key: "bom_id"},
	store.TableBoMLines:      {key: "line_id", parent: "bom_id"},
	store.TablePurchaseLines: {key: "line_id", parent: "order_id", state: "order_state"},
	store.TableOrderpoints:   {key: "orderpoint_id"},
	store.TableSupplierInfos: {key: "supplierinfo_id"},
	store.TableProductRoutes: {key: "product_id", parent: "product_tmpl_id"},
	store.TableStockMoves:    {key: "move_id", state: "state"},
}

// meta checks the table name: it goes into the SQL text.
func supplyTable(t store.SupplyTable) (supplyMeta, error) {
	m, ok := supplyMetas[t]
	if !ok {
		return m, fmt.Errorf("unknown supply table %q", t)
	}
	return m, nil
}

func (e *Exec) SupplyStampGetMany(ctx context.Context, connectionID int64, table store.SupplyTable, ids []int64) (map[int64]store.SupplyStamp, error) {
	m, err := supplyTable(table)
	if err != nil {
		return nil, err
	}
	state := "''"
	if m.state != "" {
		state = m.state
	}
	out := make(map[int64]store.SupplyStamp, len(ids))
	err = inChunks(ids, func(chunk []int64) error {
		ph, args := placeholders(chunk)
		rows, err := e.query(ctx, `SELECT `+m.key+`, write_date, `+state+`, removed_at IS NOT NULL FROM `+string(table)+
			` WHERE connection_id = ? AND `+m.key+` IN (`+ph+`)`, append([]any{connectionID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s store.SupplyStamp
			if err := rows.Scan(&s.ID, timeDest{&s.WriteDate}, &s.State, &s.Removed); err != nil {
				return err
			}
			out[s.ID] = s
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read the stamps of %s: %w", table, err)
	}
	return out, nil
}

func (e *Exec) SupplyIDList(ctx context.Context, connectionID int64, table store.SupplyTable) ([]int64, error) {
	m, err := supplyTable(table)
	if err != nil {
		return nil, err
	}
	return e.idList(ctx, `SELECT `+m.key+` FROM `+string(table)+` WHERE connection_id = ? AND removed_at IS NULL ORDER BY `+m.key, connectionID)
}

func (e *Exec) SupplyChildIDList(ctx context.Context, connectionID int64, table store.SupplyTable, parentIDs []int64) (map[int64][]int64, error) {
	m, err := supplyTable(table)
	if err != nil {
		return nil, err
	}
	if m.parent == "" {
		return nil, fmt.Errorf("supply table %s has no parent", table)
	}
	out := map[int64][]int64{}
	err = inChunks(parentIDs, func(chunk []int64) error {
		ph, args := placeholders(chunk)
		rows, err := e.query(ctx, `SELECT `+m.parent+`, `+m.key+` FROM `+string(table)+` WHERE connection_id = ? AND removed_at IS NULL AND `+
			m.parent+` IN (`+ph+`) ORDER BY `+m.key, append([]any{connectionID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var parent, id int64
			if err := rows.Scan(&parent, &id); err != nil {
				return err
			}
			out[parent] = append(out[parent], id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list %s by %s: %w", table, m.parent, err)
	}
	return out, nil
}

func (e *Exec) SupplyMarkRemoved(ctx context.Context, connectionID int64, table store.SupplyTable, ids []int64, at time.Time) (int64, error) {
	m, err := supplyTable(table)
	if err != nil {
		return 0, err
	}
	var n int64
	err = inChunks(ids, func(chunk []int64) error {
		ph, args := placeholders(chunk)
		return e.deleteCounting(ctx, &n, `UPDATE `+string(table)+` SET removed_at = ? WHERE connection_id = ? AND removed_at IS NULL AND `+
			m.key+` IN (`+ph+`)`, append([]any{e.d.Time(at), connectionID}, args...)...)
	})
	if err != nil {
		return n, fmt.Errorf("mark %s removed: %w", table, err)
	}
	return n, nil
}

// supplyUpsert writes the rows that are new or differ from the stored ones (synced_at aside) into t, and counts
// them: re-reading a record unchanged (inside the lag, a pass reads again what it just stored) writes nothing. As
// for orders and lines, new rows go as INSERT OR IGNORE on SQLite (writeChanged).
func supplyUpsert[T any](ctx context.Context, e *Exec, t table[T], rows []T, key func(T) (int64, int64), scan func(rowScanner) (T, error)) (store.UpsertResult, error) {
	var res store.UpsertResult
	for conn, group := range byConnection(rows, func(r T) int64 { c, _ := key(r); return c }) {
		ids := make([]int64, len(group))
		for i, r := range group {
			_, ids[i] = key(r)
		}
		stored := make(map[int64]T, len(ids))
		err := inChunks(ids, func(chunk []int64) error {
			ph, args := placeholders(chunk)
			list, err := supplyRows(ctx, e, t, scan, ` AND `+t.keys[1]+` IN (`+ph+`)`, append([]any{conn}, args...)...)
			for _, r := range list {
				_, id := key(r)
				stored[id] = r
			}
			return err
		})
		if err != nil {
			return res, err
		}
		r, err := writeChanged(ctx, e, t, group, stored, key, func(old, new T) bool { return !sameRow(old, new) })
		if err != nil {
			return store.UpsertResult{}, err
		}
		res.Inserted, res.Updated = res.Inserted+r.Inserted, res.Updated+r.Updated
	}
	return res, nil
}

// sameRow compares two rows of a supply table field by field, synced_at aside: times by instant, pointers by
// what they point to.
func sameRow(a, b any) bool {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		if va.Type().Field(i).Name == "SyncedAt" {
			continue
		}
		if !sameValue(va.Field(i), vb.Field(i)) {
			return false
		}
	}
	return true
}

func sameValue(a, b reflect.Value) bool {
	if a.Kind() == reflect.Pointer {
		if a.IsNil() || b.IsNil() {
			return a.IsNil() && b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	}
	if ta, ok := a.Interface().(time.Time); ok {
		return ta.Equal(b.Interface().(time.Time))
	}
	if a.Kind() == reflect.Slice {
		return a.Len() == b.Len() && (a.Len() == 0 || reflect.DeepEqual(a.Interface(), b.Interface()))
	}
	return a.Interface() == b.Interface()
}

var productionTable = table[*store.MRPProduction]{upsertSpec: upsertSpec{table: "mrp_productions", keys: []string{"connection_id", "production_id"},
	cols: []string{"connection_id", "production_id", "name", "product_id", "state", "product_qty", "qty_produced", "planned_start",
		"planned_finish", "date_deadline", "bom_id", "company_id", "write_date", "removed_at", "synced_at"}},
	bind: func(b *binder, dst []any, r *store.MRPProduction) []any {
		return append(dst, r.ConnectionID, r.ProductionID, r.Name, nullInt(r.ProductID), r.State, r.ProductQty, r.QtyProduced,
			b.nullTime(r.PlannedStart), b.nullTime(r.PlannedFinish), b.nullTime(r.Deadline), nullInt(r.BoMID), nullInt(r.CompanyID),
			b.time(r.WriteDate), b.nullTime(r.RemovedAt), b.time(r.SyncedAt))
	}}

var bomTable = table[*store.BoM]{upsertSpec: upsertSpec{table: "mrp_boms", keys: []string{"connection_id", "bom_id"},
	cols: []string{"connection_id", "bom_id", "product_tmpl_id", "product_id", "code", "type", "product_qty", "active", "sequence",
		"produce_delay", "company_id", "write_date", "removed_at", "synced_at"}},
	bind: func(b *binder, dst []any, r *store.BoM) []any {
		return append(dst, r.ConnectionID, r.BoMID, r.ProductTmplID, nullInt(r.ProductID), r.Code, r.Type, r.ProductQty, r.Active,
			int64(r.Sequence), nullFloat(r.ProduceDelay), nullInt(r.CompanyID), b.time(r.WriteDate), b.nullTime(r.RemovedAt), b.time(r.SyncedAt))
	}}

var bomLineTable = table[*store.BoMLine]{upsertSpec: upsertSpec{table: "mrp_bom_lines", keys: []string{"connection_id", "line_id"},
	cols: []string{"connection_id", "line_id", "bom_id", "product_id", "product_qty", "write_date", "removed_at", "synced_at"}},
	bind: func(b *binder, dst []any, r *store.BoMLine) []any {
		return append(dst, r.ConnectionID, r.LineID, r.BoMID, nullInt(r.ProductID), r.ProductQty, b.time(r.WriteDate),
			b.nullTime(r.RemovedAt), b.time(r.SyncedAt))
	}}

var purchaseLineTable = table[*store.PurchaseLine]{upsertSpec: upsertSpec{table: "purchase_lines", keys: []string{"connection_id", "line_id"},
	cols: []string{"connection_id", "line_id", "order_id", "order_name", "order_state", "product_id", "product_qty", "qty_received",
		"date_planned", "company_id", "write_date", "removed_at", "synced_at"}},
	bind: func(b *binder, dst []any, r *store.PurchaseLine) []any {
		return append(dst, r.ConnectionID, r.LineID, r.OrderID, r.OrderName, r.OrderState, nullInt(r.ProductID), r.ProductQty,
			r.QtyReceived, b.nullTime(r.DatePlanned), nullInt(r.CompanyID), b.time(r.WriteDate), b.nullTime(r.RemovedAt), b.time(r.SyncedAt))
	}}

var orderpointTable = table[*store.Orderpoint]{upsertSpec: upsertSpec{table: "orderpoints", keys: []string{"connection_id", "orderpoint_id"},
	cols: []string{"connection_id", "orderpoint_id", "product_id", "warehouse_id", "location_id", "product_min_qty", "product_max_qty",
		"qty_multiple", "trigger", "active", "company_id", "write_date", "removed_at", "synced_at"}},
	bind: func(b *binder, dst []any, r *store.Orderpoint) []any {
		return append(dst, r.ConnectionID, r.OrderpointID, nullInt(r.ProductID), nullInt(r.WarehouseID), nullInt(r.LocationID),
			r.ProductMinQty, r.ProductMaxQty, r.QtyMultiple, r.Trigger, r.Active, nullInt(r.CompanyID), b.time(r.WriteDate),
			b.nullTime(r.RemovedAt), b.time(r.SyncedAt))
	}}

var supplierInfoTable = table[*store.SupplierInfo]{upsertSpec: upsertSpec{table: "supplier_infos", keys: []string{"connection_id", "supplierinfo_id"},
	cols: []string{"connection_id", "supplierinfo_id", "partner_id", "partner_name", "product_tmpl_id", "product_id", "delay", "min_qty",
		"price", "sequence", "company_id", "write_date", "removed_at", "synced_at"}},
	bind: func(b *binder, dst []any, r *store.SupplierInfo) []any {
		return append(dst, r.ConnectionID, r.SupplierInfoID, nullInt(r.PartnerID), r.PartnerName, nullInt(r.ProductTmplID),
			nullInt(r.ProductID), int64(r.Delay), r.MinQty, r.Price, int64(r.Sequence), nullInt(r.CompanyID), b.time(r.WriteDate),
			b.nullTime(r.RemovedAt), b.time(r.SyncedAt))
	}}

var productRouteTable = table[*store.ProductRoute]{upsertSpec: upsertSpec{table: "product_routes", keys: []string{"connection_id", "product_id"},
	cols: []string{"connection_id", "product_id", "product_tmpl_id", "route_ids", "manufacture", "buy", "produce_delay", "write_date",
		"removed_at", "synced_at"}},
	bind: func(b *binder, dst []any, r *store.ProductRoute) []any {
		return append(dst, r.ConnectionID, r.ProductID, r.ProductTmplID, formatIDs(r.RouteIDs), r.Manufacture, r.Buy,
			nullFloat(r.ProduceDelay), b.time(r.WriteDate), b.nullTime(r.RemovedAt), b.time(r.SyncedAt))
	}}

// formatIDs stores a many2many as "2,3" (route ids, ascending).
func formatIDs(ids []int64) string {
	ids = slices.Sorted(slices.Values(ids))
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func parseIDs(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int64, len(parts))
	for i, p := range parts {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("route_ids %q: %w", s, err)
		}
		out[i] = id
	}
	return out, nil
}

func (e *Exec) MRPProductionUpsertMany(ctx context.Context, rows []*store.MRPProduction) (store.UpsertResult, error) {
	return supplyUpsert(ctx, e, productionTable, rows, func(r *store.MRPProduction) (int64, int64) { return r.ConnectionID, r.ProductionID }, scanProduction)
}

func (e *Exec) BoMUpsertMany(ctx context.Context, rows []*store.BoM) (store.UpsertResult, error) {
	return supplyUpsert(ctx, e, bomTable, rows, func(r *store.BoM) (int64, int64) { return r.ConnectionID, r.BoMID }, scanBoM)
}

func (e *Exec) BoMLineUpsertMany(ctx context.Context, rows []*store.BoMLine) (store.UpsertResult, error) {
	return supplyUpsert(ctx, e, bomLineTable, rows, func(r *store.BoMLine) (int64, int64) { return r.ConnectionID, r.LineID }, scanBoMLine)
}

func (e *Exec) PurchaseLineUpsertMany(ctx context.Context, rows []*store.PurchaseLine) (store.UpsertResult, error) {
	return supplyUpsert(ctx, e, purchaseLineTable, rows, func(r *store.PurchaseLine) (int64, int64) { return r.ConnectionID, r.LineID }, scanPurchaseLine)
}

func (e *Exec) OrderpointUpsertMany(ctx context.Context, rows []*store.Orderpoint) (store.UpsertResult, error) {
	return supplyUpsert(ctx, e, orderpointTable, rows, func(r *store.Orderpoint) (int64, int64) { return r.ConnectionID, r.OrderpointID }, scanOrderpoint)
}

func (e *Exec) SupplierInfoUpsertMany(ctx context.Context, rows []*store.SupplierInfo) (store.UpsertResult, error) {
	return supplyUpsert(ctx, e, supplierInfoTable, rows, func(r *store.SupplierInfo) (int64, int64) { return r.ConnectionID, r.SupplierInfoID }, scanSupplierInfo)
}

func (e *Exec) ProductRouteUpsertMany(ctx context.Context, rows []*store.ProductRoute) (store.UpsertResult, error) {
	return supplyUpsert(ctx, e, productRouteTable, rows, func(r *store.ProductRoute) (int64, int64) { return r.ConnectionID, r.ProductID }, scanProductRoute)
}

// supplyRows reads rows of t of a connection (args[0]) matching where (appended to the connection's filter;
// removed rows included), by id.
func supplyRows[T any](ctx context.Context, e *Exec, t table[T], scan func(rowScanner) (T, error), where string, args ...any) ([]T, error) {
	rows, err := e.query(ctx, `SELECT `+joinCols(t.cols)+` FROM `+t.table+` WHERE connection_id = ?`+where+` ORDER BY `+t.keys[1], args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.table, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", t.table, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// nullable many2one and number columns
type nullID struct{ v *int64 }

func (d nullID) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	*d.v = n.Int64
	return nil
}

type nullFloatDest struct{ v **float64 }

func (d nullFloatDest) Scan(src any) error {
	var n sql.NullFloat64
	if err := n.Scan(src); err != nil {
		return err
	}
	*d.v = nil
	if n.Valid {
		f := n.Float64
		*d.v = &f
	}
	return nil
}

func scanProduction(r rowScanner) (*store.MRPProduction, error) {
	var p store.MRPProduction
	err := r.Scan(&p.ConnectionID, &p.ProductionID, &p.Name, nullID{&p.ProductID}, &p.State, &p.ProductQty, &p.QtyProduced,
		nullTimeDest{&p.PlannedStart}, nullTimeDest{&p.PlannedFinish}, nullTimeDest{&p.Deadline}, nullID{&p.BoMID}, nullID{&p.CompanyID},
		timeDest{&p.WriteDate}, nullTimeDest{&p.RemovedAt}, timeDest{&p.SyncedAt})
	return &p, err
}

func scanBoM(r rowScanner) (*store.BoM, error) {
	var b store.BoM
	err := r.Scan(&b.ConnectionID, &b.BoMID, &b.ProductTmplID, nullID{&b.ProductID}, &b.Code, &b.Type, &b.ProductQty, &b.Active,
		&b.Sequence, nullFloatDest{&b.ProduceDelay}, nullID{&b.CompanyID}, timeDest{&b.WriteDate}, nullTimeDest{&b.RemovedAt}, timeDest{&b.SyncedAt})
	return &b, err
}

func scanBoMLine(r rowScanner) (*store.BoMLine, error) {
	var l store.BoMLine
	err := r.Scan(&l.ConnectionID, &l.LineID, &l.BoMID, nullID{&l.ProductID}, &l.ProductQty, timeDest{&l.WriteDate},
		nullTimeDest{&l.RemovedAt}, timeDest{&l.SyncedAt})
	return &l, err
}

func scanPurchaseLine(r rowScanner) (*store.PurchaseLine, error) {
	var l store.PurchaseLine
	err := r.Scan(&l.ConnectionID, &l.LineID, &l.OrderID, &l.OrderName, &l.OrderState, nullID{&l.ProductID}, &l.ProductQty,
		&l.QtyReceived, nullTimeDest{&l.DatePlanned}, nullID{&l.CompanyID}, timeDest{&l.WriteDate}, nullTimeDest{&l.RemovedAt}, timeDest{&l.SyncedAt})
	return &l, err
}

func scanOrderpoint(r rowScanner) (*store.Orderpoint, error) {
	var o store.Orderpoint
	err := r.Scan(&o.ConnectionID, &o.OrderpointID, nullID{&o.ProductID}, nullID{&o.WarehouseID}, nullID{&o.LocationID},
		&o.ProductMinQty, &o.ProductMaxQty, &o.QtyMultiple, &o.Trigger, &o.Active, nullID{&o.CompanyID}, timeDest{&o.WriteDate},
		nullTimeDest{&o.RemovedAt}, timeDest{&o.SyncedAt})
	return &o, err
}

func scanSupplierInfo(r rowScanner) (*store.SupplierInfo, error) {
	var x store.SupplierInfo
	err := r.Scan(&x.ConnectionID, &x.SupplierInfoID, nullID{&x.PartnerID}, &x.PartnerName, nullID{&x.ProductTmplID},
		nullID{&x.ProductID}, &x.Delay, &x.MinQty, &x.Price, &x.Sequence, nullID{&x.CompanyID}, timeDest{&x.WriteDate},
		nullTimeDest{&x.RemovedAt}, timeDest{&x.SyncedAt})
	return &x, err
}

func scanProductRoute(r rowScanner) (*store.ProductRoute, error) {
	var p store.ProductRoute
	var routes string
	err := r.Scan(&p.ConnectionID, &p.ProductID, &p.ProductTmplID, &routes, &p.Manufacture, &p.Buy, nullFloatDest{&p.ProduceDelay},
		timeDest{&p.WriteDate}, nullTimeDest{&p.RemovedAt}, timeDest{&p.SyncedAt})
	if err == nil {
		p.RouteIDs, err = parseIDs(routes)
	}
	return &p, err
}

func (e *Exec) SupplyList(ctx context.Context, connectionID int64) (*store.Supply, error) {
	s, err := e.SupplyBoMList(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	const live = ` AND removed_at IS NULL`
	if s.Productions, err = supplyRows(ctx, e, productionTable, scanProduction, live, connectionID); err != nil {
		return nil, err
	}
	if s.PurchaseLines, err = supplyRows(ctx, e, purchaseLineTable, scanPurchaseLine, live, connectionID); err != nil {
		return nil, err
	}
	if s.Orderpoints, err = supplyRows(ctx, e, orderpointTable, scanOrderpoint, live, connectionID); err != nil {
		return nil, err
	}
	if s.SupplierInfos, err = supplyRows(ctx, e, supplierInfoTable, scanSupplierInfo, live, connectionID); err != nil {
		return nil, err
	}
	return s, nil
}

func (e *Exec) SupplyBoMList(ctx context.Context, connectionID int64) (*store.Supply, error) {
	var s store.Supply
	var err error
	const live = ` AND removed_at IS NULL`
	if s.BoMs, err = supplyRows(ctx, e, bomTable, scanBoM, live, connectionID); err != nil {
		return nil, err
	}
	if s.BoMLines, err = supplyRows(ctx, e, bomLineTable, scanBoMLine, live, connectionID); err != nil {
		return nil, err
	}
	if s.ProductRoutes, err = supplyRows(ctx, e, productRouteTable, scanProductRoute, live, connectionID); err != nil {
		return nil, err
	}
	return &s, nil
}
