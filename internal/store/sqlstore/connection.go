package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

const connectionColumns = `id, name, url, database, username, api_key_encrypted, protocol, webhook_url,
	webhook_secret_encrypted, webhook_secret_previous_encrypted, poll_interval_seconds, active, webhook_enabled,
	server_version, identity_url, identity_database, identity_uuid, circuit_state, circuit_failures, circuit_opened_at,
	circuit_next_probe_at, created_at, updated_at, odoo_circuit_state, odoo_circuit_failures, odoo_circuit_until`

// connectionDests are the scan destinations of connectionColumns.
func connectionDests(c *store.Connection) []any {
	return []any{&c.ID, &c.Name, &c.URL, &c.Database, &c.Username, &c.APIKeyEncrypted, &c.Protocol, &c.WebhookURL,
		&c.WebhookSecretEncrypted, &c.WebhookSecretPreviousEncrypted, pollDest{&c.PollInterval}, &c.Active, &c.WebhookEnabled,
		&c.ServerVersion, &c.IdentityURL, &c.IdentityDatabase, &c.IdentityUUID, &c.CircuitState, &c.CircuitFailures,
		nullTimeDest{&c.CircuitOpenedAt}, nullTimeDest{&c.CircuitNextProbe}, timeDest{&c.CreatedAt}, timeDest{&c.UpdatedAt},
		&c.OdooCircuitState, &c.OdooCircuitFailures, nullTimeDest{&c.OdooCircuitUntil}}
}

type rowScanner interface{ Scan(dest ...any) error }

func scanConnection(r rowScanner) (*store.Connection, error) {
	var c store.Connection
	if err := r.Scan(connectionDests(&c)...); err != nil {
		return nil, err
	}
	return &c, nil
}

func (e *Exec) ConnectionInsert(ctx context.Context, p *store.ConnectionInsertParams) (*store.Connection, error) {
	now := time.Now().UTC()
	row := e.queryRow(ctx, `INSERT INTO connections (name, url, database, username, api_key_encrypted, protocol,
		webhook_url, webhook_secret_encrypted, poll_interval_seconds, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+connectionColumns,
		p.Name, p.URL, p.Database, p.Username, p.APIKeyEncrypted, p.Protocol, p.WebhookURL, p.WebhookSecretEncrypted,
		int64(p.PollInterval/time.Second), p.Active, e.d.Time(now), e.d.Time(now))
	c, err := scanConnection(row)
	if err != nil {
		if e.d.IsUniqueViolation(err) {
			return nil, fmt.Errorf("connection %q: %w", p.Name, store.ErrAlreadyExists)
		}
		return nil, fmt.Errorf("insert connection: %w", err)
	}
	return c, nil
}

func (e *Exec) ConnectionGet(ctx context.Context, id int64) (*store.Connection, error) {
	c, err := scanConnection(e.queryRow(ctx, `SELECT `+connectionColumns+` FROM connections WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("connection %d: %w", id, store.ErrNotFound)
	}
	return c, err
}

func (e *Exec) ConnectionGetByName(ctx context.Context, name string) (*store.Connection, error) {
	c, err := scanConnection(e.queryRow(ctx, `SELECT `+connectionColumns+` FROM connections WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("connection %q: %w", name, store.ErrNotFound)
	}
	return c, err
}

func (e *Exec) ConnectionList(ctx context.Context, p *store.ConnectionListParams) ([]*store.Connection, error) {
	q := `SELECT ` + connectionColumns + ` FROM connections`
	if p != nil && p.OnlyActive {
		q += ` WHERE active = ?`
	}
	q += ` ORDER BY id`
	var args []any
	if p != nil && p.OnlyActive {
		args = append(args, true)
	}
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()
	var out []*store.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (e *Exec) ConnectionUpdate(ctx context.Context, p *store.ConnectionUpdateParams) (*store.Connection, error) {
	var sets []string
	var args []any
	set := func(col string, v any) {
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	if p.Name != nil {
		set("name", *p.Name)
	}
	if p.URL != nil {
		set("url", *p.URL)
	}
	if p.Database != nil {
		set("database", *p.Database)
	}
	if p.Username != nil {
		set("username", *p.Username)
	}
	if p.APIKeyEncrypted != nil {
		set("api_key_encrypted", *p.APIKeyEncrypted)
	}
	if p.Protocol != nil {
		set("protocol", *p.Protocol)
	}
	if p.WebhookURL != nil {
		set("webhook_url", *p.WebhookURL)
	}
	if p.WebhookSecretEncrypted != nil {
		set("webhook_secret_encrypted", *p.WebhookSecretEncrypted)
	}
	if p.WebhookSecretPreviousEncrypted != nil {
		set("webhook_secret_previous_encrypted", *p.WebhookSecretPreviousEncrypted)
	}
	if p.PollInterval != nil {
		set("poll_interval_seconds", int64(*p.PollInterval/time.Second))
	}
	if p.Active != nil {
		set("active", *p.Active)
	}
	if p.WebhookEnabled != nil {
		set("webhook_enabled", *p.WebhookEnabled)
	}
	if p.ServerVersion != nil {
		set("server_version", *p.ServerVersion)
	}
	if p.IdentityURL != nil {
		set("identity_url", *p.IdentityURL)
	}
	if p.IdentityDatabase != nil {
		set("identity_database", *p.IdentityDatabase)
	}
	if p.IdentityUUID != nil {
		set("identity_uuid", *p.IdentityUUID)
	}
	if p.CircuitState != nil {
		set("circuit_state", *p.CircuitState)
	}
	if p.CircuitFailures != nil {
		set("circuit_failures", *p.CircuitFailures)
	}
	if p.CircuitOpenedAt != nil {
		set("circuit_opened_at", e.nullTime(*p.CircuitOpenedAt))
	}
	if p.CircuitNextProbe != nil {
		set("circuit_next_probe_at", e.nullTime(*p.CircuitNextProbe))
	}
	if p.OdooCircuitClose {
		set("odoo_circuit_state", store.CircuitClosed)
		set("odoo_circuit_failures", 0)
		set("odoo_circuit_until", nil)
	}
	set("updated_at", e.d.Time(time.Now().UTC()))
	args = append(args, p.ID)
	row := e.queryRow(ctx, `UPDATE connections SET `+strings.Join(sets, ", ")+` WHERE id = ? RETURNING `+connectionColumns, args...)
	c, err := scanConnection(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("connection %d: %w", p.ID, store.ErrNotFound)
	case err != nil && e.d.IsUniqueViolation(err):
		return nil, fmt.Errorf("connection name %q: %w", deref(p.Name), store.ErrAlreadyExists)
	case err != nil:
		return nil, fmt.Errorf("update connection %d: %w", p.ID, err)
	}
	return c, nil
}

func (e *Exec) ConnectionDelete(ctx context.Context, id int64) error {
	res, err := e.exec(ctx, `DELETE FROM connections WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete connection %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("connection %d: %w", id, store.ErrNotFound)
	}
	return nil
}

func (e *Exec) ConnectionDataReset(ctx context.Context, id int64) (store.DataReset, error) {
	var r store.DataReset
	err := e.atomically(ctx, func(e *Exec) error {
		// Lock the connection row first: a sync recording the identity at the same time waits for the reset.
		res, err := e.exec(ctx, `UPDATE connections SET identity_url = '', identity_database = '', identity_uuid = '',
			updated_at = ? WHERE id = ?`, e.d.Time(time.Now().UTC()), id)
		if err != nil {
			return fmt.Errorf("reset connection %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("connection %d: %w", id, store.ErrNotFound)
		}
		for _, d := range []struct {
			table string
			n     *int64
		}{
			{"sales_items", &r.Items}, {"sales_orders", &r.Orders}, {"inventory", &r.Inventory}, {"products", &r.Products},
			{"forecast", &r.Forecast}, {"forecast_stats", &r.Forecast}, {"production_forecast", &r.Plan},
			{"sync_state", &r.Cursors}, {"stock_moves", &r.StockMoves},
		} {
			if err := e.deleteCounting(ctx, d.n, `DELETE FROM `+d.table+` WHERE connection_id = ?`, id); err != nil {
				return fmt.Errorf("reset connection %d: %s: %w", id, d.table, err)
			}
		}
		// Past forecasts were made from the deleted sales: their accuracy against another database means nothing.
		if err := e.deleteCounting(ctx, &r.ForecastRuns, `DELETE FROM forecast_runs WHERE connection_id = ?`, id); err != nil {
			return fmt.Errorf("reset connection %d: forecast_runs: %w", id, err)
		}
		for _, t := range store.SupplyTables {
			if err := e.deleteCounting(ctx, &r.Supply, `DELETE FROM `+string(t)+` WHERE connection_id = ?`, id); err != nil {
				return fmt.Errorf("reset connection %d: %s: %w", id, t, err)
			}
		}
		// Delivered, dead and discarded events stay: they are the history of what was (not) sent.
		if err := e.deleteCounting(ctx, &r.PendingEvents, `DELETE FROM webhook_deliveries WHERE connection_id = ? AND state = ?`,
			id, store.DeliveryPending); err != nil {
			return fmt.Errorf("reset connection %d: webhook_deliveries: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return store.DataReset{}, err
	}
	return r, nil
}

// deleteCounting runs a DELETE and adds the rows it removed to n.
func (e *Exec) deleteCounting(ctx context.Context, n *int64, q string, args ...any) error {
	res, err := e.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	k, err := res.RowsAffected()
	*n += k
	return err
}

func (e *Exec) ConnectionOdooCircuitTrial(ctx context.Context, id int64, now, lease time.Time) (bool, error) {
	res, err := e.exec(ctx, `UPDATE connections SET odoo_circuit_state = ?, odoo_circuit_until = ?
		WHERE id = ? AND odoo_circuit_state <> ? AND odoo_circuit_until <= ?`,
		store.CircuitHalfOpen, e.d.Time(lease), id, store.CircuitClosed, e.d.Time(now))
	if err != nil {
		return false, fmt.Errorf("claim the trial pass of connection %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (e *Exec) ConnectionOdooCircuitRecord(ctx context.Context, p *store.ConnectionOdooCircuitRecordParams) (*store.Connection, error) {
	var c *store.Connection
	update := func(e *Exec, sets string, args ...any) error {
		args = append(args, e.d.Time(p.Now), p.ID)
		var err error
		c, err = scanConnection(e.queryRow(ctx, `UPDATE connections SET `+sets+`, updated_at = ? WHERE id = ? RETURNING `+connectionColumns, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("connection %d: %w", p.ID, store.ErrNotFound)
		}
		return err
	}
	// One transaction: the count and what it opens are read and written under the row's lock.
	err := e.atomically(ctx, func(e *Exec) error {
		switch {
		case p.OK:
			return update(e, `odoo_circuit_state = ?, odoo_circuit_failures = 0, odoo_circuit_until = NULL`, store.CircuitClosed)
		case p.Unavailable:
			if err := update(e, `odoo_circuit_failures = odoo_circuit_failures + 1`); err != nil {
				return err
			}
			// It opens at the threshold, and again when this was the trial pass (c holds the state before).
			if c.OdooCircuitState == store.CircuitClosed && c.OdooCircuitFailures < p.Threshold {
				return nil
			}
			return update(e, `odoo_circuit_state = ?, odoo_circuit_until = ?`, store.CircuitOpen, e.d.Time(p.Until))
		}
		// Not Odoo's fault: the count stands, but a trial pass that failed so hands the trial on at once.
		if err := update(e, `odoo_circuit_failures = odoo_circuit_failures`); err != nil || c.OdooCircuitState != store.CircuitHalfOpen {
			return err
		}
		return update(e, `odoo_circuit_state = ?, odoo_circuit_until = ?`, store.CircuitOpen, e.d.Time(p.Now))
	})
	if err != nil {
		return nil, fmt.Errorf("record the Odoo circuit of connection %d: %w", p.ID, err)
	}
	return c, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
