package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

var productSpec = upsertSpec{table: "products", keys: []string{"connection_id", "product_id"}, cols: []string{
	"connection_id", "product_id", "sku", "name", "type", "active", "uom", "company_id", "write_date", "synced_at",
	"categ_id", "categ_name"}}

var productTable = table[*store.Product]{upsertSpec: productSpec, bind: func(b *binder, dst []any, p *store.Product) []any {
	return append(dst, p.ConnectionID, p.ProductID, p.SKU, p.Name, p.Type, p.Active, p.UoM, nullInt(p.CompanyID),
		b.nullTime(p.WriteDate), b.time(p.SyncedAt), nullInt(p.CategID), p.CategName)
}}

var inventorySpec = upsertSpec{table: "inventory", keys: []string{"connection_id", "product_id"}, cols: []string{
	"connection_id", "product_id", "sku", "name", "type", "active", "qty_available", "virtual_available", "synced_at"}}

func scanProduct(r rowScanner) (*store.Product, error) {
	var p store.Product
	var company, categ sql.NullInt64
	err := r.Scan(&p.ConnectionID, &p.ProductID, &p.SKU, &p.Name, &p.Type, &p.Active, &p.UoM, &company,
		nullTimeDest{&p.WriteDate}, timeDest{&p.SyncedAt}, &categ, &p.CategName)
	p.CompanyID, p.CategID = company.Int64, categ.Int64
	return &p, err
}

func productChanged(a, b *store.Product) bool {
	return a.SKU != b.SKU || a.Name != b.Name || a.Type != b.Type || a.Active != b.Active || a.UoM != b.UoM ||
		a.CompanyID != b.CompanyID || a.CategID != b.CategID || a.CategName != b.CategName || !sameTime(a.WriteDate, b.WriteDate)
}

func (e *Exec) ProductList(ctx context.Context, connectionID int64) ([]*store.Product, error) {
	rows, err := e.query(ctx, `SELECT `+joinCols(productSpec.cols)+` FROM products WHERE connection_id = ? ORDER BY product_id`, connectionID)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	defer rows.Close()
	var out []*store.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (e *Exec) ProductUpsertMany(ctx context.Context, products []*store.Product) (store.UpsertResult, error) {
	var res store.UpsertResult
	for conn, group := range byConnection(products, func(p *store.Product) int64 { return p.ConnectionID }) {
		existing, err := e.ProductList(ctx, conn)
		if err != nil {
			return res, err
		}
		byID := make(map[int64]*store.Product, len(existing))
		for _, p := range existing {
			byID[p.ProductID] = p
		}
		r, err := writeChanged(ctx, e, productTable, group, byID,
			func(p *store.Product) (int64, int64) { return p.ConnectionID, p.ProductID }, productChanged)
		res.Inserted, res.Updated = res.Inserted+r.Inserted, res.Updated+r.Updated
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func scanInventory(r rowScanner) (*store.Inventory, error) {
	var v store.Inventory
	err := r.Scan(&v.ConnectionID, &v.ProductID, &v.SKU, &v.Name, &v.Type, &v.Active, &v.QtyAvailable,
		&v.VirtualAvailable, timeDest{&v.SyncedAt})
	return &v, err
}

func (e *Exec) InventoryList(ctx context.Context, connectionID int64) ([]*store.Inventory, error) {
	return e.inventory(ctx, `SELECT `+joinCols(inventorySpec.cols)+` FROM inventory WHERE connection_id = ? ORDER BY product_id`, connectionID)
}

func (e *Exec) InventoryListBySKU(ctx context.Context, connectionID int64, sku string) ([]*store.Inventory, error) {
	return e.inventory(ctx, `SELECT `+joinCols(inventorySpec.cols)+` FROM inventory WHERE connection_id = ? AND sku = ? ORDER BY product_id`,
		connectionID, sku)
}

func (e *Exec) inventory(ctx context.Context, q string, args ...any) ([]*store.Inventory, error) {
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list inventory: %w", err)
	}
	defer rows.Close()
	var out []*store.Inventory
	for rows.Next() {
		v, err := scanInventory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// InventoryUpsertMany always rewrites every row: synced_at is the time the quantity was read, which the plan
// reports, so it advances even when the quantity did not change.
func (e *Exec) InventoryUpsertMany(ctx context.Context, inv []*store.Inventory) (store.UpsertResult, error) {
	var res store.UpsertResult
	for conn, group := range byConnection(inv, func(v *store.Inventory) int64 { return v.ConnectionID }) {
		existing, err := e.InventoryList(ctx, conn)
		if err != nil {
			return res, err
		}
		byID := make(map[int64]*store.Inventory, len(existing))
		for _, v := range existing {
			byID[v.ProductID] = v
		}
		rows := make([][]any, 0, len(group))
		for _, v := range group {
			old, ok := byID[v.ProductID]
			switch {
			case !ok:
				res.Inserted++
			case old.QtyAvailable != v.QtyAvailable || old.VirtualAvailable != v.VirtualAvailable || old.SKU != v.SKU ||
				old.Name != v.Name || old.Type != v.Type || old.Active != v.Active:
				res.Updated++
			}
			rows = append(rows, []any{v.ConnectionID, v.ProductID, v.SKU, v.Name, v.Type, v.Active, v.QtyAvailable,
				v.VirtualAvailable, e.d.Time(v.SyncedAt)})
		}
		if err := e.upsert(ctx, inventorySpec, rows); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (e *Exec) SyncCursorGet(ctx context.Context, connectionID int64, model string) (*store.SyncCursor, error) {
	c := store.SyncCursor{ConnectionID: connectionID, Model: model}
	var wd *time.Time
	err := e.queryRow(ctx, `SELECT cursor_write_date, cursor_id, updated_at FROM sync_state WHERE connection_id = ? AND model = ?`,
		connectionID, model).Scan(nullTimeDest{&wd}, &c.LastID, timeDest{&c.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sync cursor %d/%s: %w", connectionID, model, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read sync cursor: %w", err)
	}
	if wd != nil {
		c.WriteDate = *wd
	}
	return &c, nil
}

func (e *Exec) SyncCursorList(ctx context.Context, connectionID int64) (map[string]*store.SyncCursor, error) {
	rows, err := e.query(ctx, `SELECT model, cursor_write_date, cursor_id, updated_at FROM sync_state WHERE connection_id = ?`, connectionID)
	if err != nil {
		return nil, fmt.Errorf("list sync cursors: %w", err)
	}
	defer rows.Close()
	out := map[string]*store.SyncCursor{}
	for rows.Next() {
		c := store.SyncCursor{ConnectionID: connectionID}
		var wd *time.Time
		if err := rows.Scan(&c.Model, nullTimeDest{&wd}, &c.LastID, timeDest{&c.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("list sync cursors: %w", err)
		}
		if wd != nil {
			c.WriteDate = *wd
		}
		out[c.Model] = &c
	}
	return out, rows.Err()
}

func (e *Exec) SyncCursorSet(ctx context.Context, c *store.SyncCursor) error {
	var wd any
	if !c.WriteDate.IsZero() {
		wd = e.d.Time(c.WriteDate)
	}
	_, err := e.exec(ctx, `INSERT INTO sync_state (connection_id, model, cursor_write_date, cursor_id, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (connection_id, model) DO UPDATE SET cursor_write_date = excluded.cursor_write_date,
		cursor_id = excluded.cursor_id, updated_at = excluded.updated_at`,
		c.ConnectionID, c.Model, wd, c.LastID, e.d.Time(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store sync cursor: %w", err)
	}
	return nil
}

func (e *Exec) SyncCursorDelete(ctx context.Context, connectionID int64) error {
	_, err := e.exec(ctx, `DELETE FROM sync_state WHERE connection_id = ?`, connectionID)
	return err
}

const syncLogColumns = `id, connection_id, kind, started_at, finished_at, status, records_fetched, records_inserted,
	records_updated, records_removed, error, details`

func (e *Exec) SyncLogInsert(ctx context.Context, l *store.SyncLog) (int64, error) {
	var id int64
	err := e.queryRow(ctx, `INSERT INTO sync_logs (connection_id, kind, started_at, finished_at, status, records_fetched,
		records_inserted, records_updated, records_removed, error, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		l.ConnectionID, l.Kind, e.d.Time(l.StartedAt), e.nullTime(l.FinishedAt), l.Status, l.RecordsFetched,
		l.RecordsInserted, l.RecordsUpdated, l.RecordsRemoved, l.Error, l.Details).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert sync log: %w", err)
	}
	l.ID = id
	return id, nil
}

func (e *Exec) SyncLogUpdate(ctx context.Context, l *store.SyncLog) error {
	res, err := e.exec(ctx, `UPDATE sync_logs SET kind = ?, finished_at = ?, status = ?, records_fetched = ?, records_inserted = ?,
		records_updated = ?, records_removed = ?, error = ?, details = ? WHERE id = ?`,
		l.Kind, e.nullTime(l.FinishedAt), l.Status, l.RecordsFetched, l.RecordsInserted, l.RecordsUpdated, l.RecordsRemoved,
		l.Error, l.Details, l.ID)
	if err != nil {
		return fmt.Errorf("update sync log: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("sync log %d: %w", l.ID, store.ErrNotFound)
	}
	return nil
}

func (e *Exec) SyncLogList(ctx context.Context, p *store.SyncLogListParams) ([]*store.SyncLog, error) {
	q := `SELECT ` + syncLogColumns + ` FROM sync_logs WHERE 1 = 1`
	var args []any
	if p.ConnectionID != 0 {
		q += ` AND connection_id = ?`
		args = append(args, p.ConnectionID)
	}
	if len(p.Kinds) > 0 {
		ph, kinds := placeholders(p.Kinds)
		q += ` AND kind IN (` + ph + `)`
		args = append(args, kinds...)
	}
	if p.Status != "" {
		q += ` AND status = ?`
		args = append(args, p.Status)
	}
	if p.BeforeID != 0 {
		// The next page: after the given log in (started_at DESC, id DESC) order; an id that does not exist
		// leaves nothing after it.
		q += ` AND (started_at, id) < (SELECT b.started_at, b.id FROM sync_logs b WHERE b.id = ?)`
		args = append(args, p.BeforeID)
	}
	q += ` ORDER BY started_at DESC, id DESC`
	if p.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, p.Limit)
	}
	return e.syncLogs(ctx, "list sync logs", q, args...)
}

func (e *Exec) SyncLogRecentList(ctx context.Context, perConnection int) ([]*store.SyncLog, error) {
	cols := prefixCols("l.", syncLogColumns)
	q := `SELECT ` + cols + ` FROM connections c CROSS JOIN LATERAL (SELECT * FROM sync_logs x WHERE x.connection_id = c.id
		ORDER BY x.started_at DESC, x.id DESC LIMIT ?) l ORDER BY c.id, l.started_at DESC, l.id DESC`
	if e.d.Name() != store.DialectPostgres {
		// SQLite has no LATERAL; it looks the ids of a correlated IN up by rowid. (PostgreSQL would run that
		// subquery for every pair of connection and log: minutes instead of milliseconds.)
		q = `SELECT ` + cols + ` FROM connections c JOIN sync_logs l ON l.id IN (SELECT x.id FROM sync_logs x
			WHERE x.connection_id = c.id ORDER BY x.started_at DESC, x.id DESC LIMIT ?) ORDER BY c.id, l.started_at DESC, l.id DESC`
	}
	return e.syncLogs(ctx, "recent sync logs", q, perConnection)
}

func (e *Exec) syncLogs(ctx context.Context, what, q string, args ...any) ([]*store.SyncLog, error) {
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []*store.SyncLog
	for rows.Next() {
		var l store.SyncLog
		if err := rows.Scan(&l.ID, &l.ConnectionID, &l.Kind, timeDest{&l.StartedAt}, nullTimeDest{&l.FinishedAt}, &l.Status,
			&l.RecordsFetched, &l.RecordsInserted, &l.RecordsUpdated, &l.RecordsRemoved, &l.Error, &l.Details); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, &l)
	}
	return out, rows.Err()
}

func (e *Exec) SyncLogMarkInterrupted(ctx context.Context, connectionID int64) (int64, error) {
	// 'running' is written out: the partial index sync_logs_running is used for a literal, not for a parameter
	// (which SQLite would have to re-plan at each execution, and PostgreSQL's generic plan cannot prove).
	res, err := e.exec(ctx, `UPDATE sync_logs SET status = ?, error = ? WHERE connection_id = ? AND status = '`+store.SyncRunning+`'`,
		store.SyncInterrupted, "the process stopped before this sync finished: what it stored is kept, its counts were not recorded; the next sync resumed from its last stored page",
		connectionID)
	if err != nil {
		return 0, fmt.Errorf("close interrupted sync logs: %w", err)
	}
	return res.RowsAffected()
}

func (e *Exec) SyncLogLatestList(ctx context.Context) ([]*store.SyncLogLatest, error) {
	now, err := e.dbNow(ctx) // a lease lives while its holder's heartbeat has not expired, by the database's clock
	if err != nil {
		return nil, err
	}
	// Correlated subqueries walk the (connection_id, started_at) index backwards, so the cost does not grow
	// with the log's length.
	rows, err := e.query(ctx, `SELECT c.id,
		(SELECT o.finished_at FROM sync_logs o WHERE o.connection_id = c.id AND o.status = ?
			ORDER BY o.started_at DESC, o.id DESC LIMIT 1),
		l.id, l.connection_id, l.kind, l.started_at, l.finished_at, l.status, l.records_fetched, l.records_inserted,
		l.records_updated, l.records_removed, l.error, l.details, p.hostname, p.pid
		FROM connections c LEFT JOIN sync_logs l ON l.id = (SELECT x.id FROM sync_logs x WHERE x.connection_id = c.id
			ORDER BY x.started_at DESC, x.id DESC LIMIT 1)
		LEFT JOIN connection_leases cl ON cl.connection_id = c.id AND cl.holder <> ''
		LEFT JOIN serve_processes p ON p.id = cl.holder AND p.expires_at > ?
		ORDER BY c.name`, store.SyncOK, e.d.Time(now))
	if err != nil {
		return nil, fmt.Errorf("latest sync logs: %w", err)
	}
	defer rows.Close()
	var out []*store.SyncLogLatest
	for rows.Next() {
		var s store.SyncLogLatest
		var id, connID, fetched, inserted, updated, removed sql.NullInt64
		var kind, status, errText, details, host sql.NullString
		var pid sql.NullInt64
		var started, finished *time.Time
		if err := rows.Scan(&s.ConnectionID, nullTimeDest{&s.LastOK}, &id, &connID, &kind, nullTimeDest{&started},
			nullTimeDest{&finished}, &status, &fetched, &inserted, &updated, &removed, &errText, &details, &host, &pid); err != nil {
			return nil, fmt.Errorf("latest sync logs: %w", err)
		}
		if host.Valid {
			s.Holder = (&store.ServeProcess{Hostname: host.String, PID: int(pid.Int64)}).Name()
		}
		if id.Valid {
			s.Latest = &store.SyncLog{ID: id.Int64, ConnectionID: connID.Int64, Kind: kind.String, FinishedAt: finished,
				Status: status.String, RecordsFetched: fetched.Int64, RecordsInserted: inserted.Int64,
				RecordsUpdated: updated.Int64, RecordsRemoved: removed.Int64, Error: errText.String, Details: details.String}
			if started != nil {
				s.Latest.StartedAt = *started
			}
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}

func (e *Exec) SyncLogPrune(ctx context.Context, connectionID int64, before time.Time, limit int) (int64, error) {
	// Through the (connection_id, started_at) index: the old rows of one connection, oldest first. A successful
	// pass stays while no newer successful pass of its kind exists, so the last success is never pruned away.
	res, err := e.exec(ctx, `DELETE FROM sync_logs WHERE id IN (
		SELECT l.id FROM sync_logs l WHERE l.connection_id = ? AND l.started_at < ? AND l.status <> ?
			AND (l.status <> ? OR EXISTS (SELECT 1 FROM sync_logs n WHERE n.connection_id = l.connection_id
				AND n.started_at > l.started_at AND n.kind = l.kind AND n.status = ?))
		ORDER BY l.started_at LIMIT ?)`,
		connectionID, e.d.Time(before), store.SyncRunning, store.SyncOK, store.SyncOK, limit)
	if err != nil {
		return 0, fmt.Errorf("prune sync logs: %w", err)
	}
	return res.RowsAffected()
}
