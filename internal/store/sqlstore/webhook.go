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

const deliveryColumns = `id, event_id, event_type, connection_id, order_id, order_name, write_date, payload, state,
	attempts, next_attempt_at, last_attempt_at, last_status, last_error, delivered_at, created_at, updated_at`

func scanDelivery(r rowScanner) (*store.WebhookDelivery, error) {
	var d store.WebhookDelivery
	var payload string
	err := r.Scan(&d.ID, &d.EventID, &d.EventType, &d.ConnectionID, &d.OrderID, &d.OrderName, timeDest{&d.WriteDate},
		&payload, &d.State, &d.Attempts, nullTimeDest{&d.NextAttemptAt}, nullTimeDest{&d.LastAttemptAt}, &d.LastStatus,
		&d.LastError, nullTimeDest{&d.DeliveredAt}, timeDest{&d.CreatedAt}, timeDest{&d.UpdatedAt})
	d.Payload = []byte(payload)
	return &d, err
}

func (e *Exec) WebhookDeliveryInsert(ctx context.Context, p *store.WebhookDeliveryInsertParams) (int64, bool, error) {
	var id int64
	err := e.queryRow(ctx, `INSERT INTO webhook_deliveries (event_id, event_type, connection_id, order_id, order_name,
		write_date, payload, state, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (event_id) DO NOTHING RETURNING id`,
		p.EventID, p.EventType, p.ConnectionID, p.OrderID, p.OrderName, e.d.Time(p.WriteDate), string(p.Payload),
		store.DeliveryPending, e.d.Time(p.CreatedAt), e.d.Time(p.CreatedAt), e.d.Time(p.CreatedAt)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("insert webhook delivery: %w", err)
	}
	return id, true, nil
}

func (e *Exec) WebhookDeliveryGet(ctx context.Context, id int64) (*store.WebhookDelivery, error) {
	d, err := scanDelivery(e.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook delivery %d: %w", id, store.ErrNotFound)
	}
	return d, err
}

func (e *Exec) WebhookDeliveryGetWithConnection(ctx context.Context, id int64) (*store.WebhookDelivery, *store.Connection, error) {
	q := `SELECT ` + prefixCols("d.", deliveryColumns) + `, ` + prefixCols("c.", connectionColumns) +
		` FROM webhook_deliveries d JOIN connections c ON c.id = d.connection_id WHERE d.id = ?`
	var d *store.WebhookDelivery
	var c *store.Connection
	err := e.queryRow(ctx, q, id).Scan(joinScan(&d, &c)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("webhook delivery %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read webhook delivery %d: %w", id, err)
	}
	return d, c, nil
}

// joinScan returns scan destinations for a delivery row followed by a connection row.
func joinScan(d **store.WebhookDelivery, c **store.Connection) []any {
	var dv store.WebhookDelivery
	var cv store.Connection
	*d, *c = &dv, &cv
	return []any{
		&dv.ID, &dv.EventID, &dv.EventType, &dv.ConnectionID, &dv.OrderID, &dv.OrderName, timeDest{&dv.WriteDate},
		payloadDest{&dv.Payload}, &dv.State, &dv.Attempts, nullTimeDest{&dv.NextAttemptAt}, nullTimeDest{&dv.LastAttemptAt},
		&dv.LastStatus, &dv.LastError, nullTimeDest{&dv.DeliveredAt}, timeDest{&dv.CreatedAt}, timeDest{&dv.UpdatedAt},
		&cv.ID, &cv.Name, &cv.URL, &cv.Database, &cv.Username, &cv.APIKeyEncrypted, &cv.Protocol, &cv.WebhookURL,
		&cv.WebhookSecretEncrypted, &cv.WebhookSecretPreviousEncrypted, pollDest{&cv.PollInterval}, &cv.Active, &cv.WebhookEnabled,
		&cv.ServerVersion, &cv.CircuitState, &cv.CircuitFailures, nullTimeDest{&cv.CircuitOpenedAt},
		nullTimeDest{&cv.CircuitNextProbe}, timeDest{&cv.CreatedAt}, timeDest{&cv.UpdatedAt},
	}
}

// payloadDest scans a text column into bytes.
type payloadDest struct{ b *[]byte }

func (p payloadDest) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*p.b = []byte(v)
	case []byte:
		*p.b = append([]byte(nil), v...)
	case nil:
		*p.b = nil
	default:
		return fmt.Errorf("cannot read %T as a payload", src)
	}
	return nil
}

// pollDest scans poll_interval_seconds into a Duration.
type pollDest struct{ d *time.Duration }

func (p pollDest) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("cannot read %T as seconds", src)
	}
	*p.d = time.Duration(v) * time.Second
	return nil
}

func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func (e *Exec) WebhookDeliveryList(ctx context.Context, p *store.WebhookDeliveryListParams) ([]*store.WebhookDelivery, error) {
	q := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries WHERE 1 = 1`
	var args []any
	if p.ConnectionID != 0 {
		q += ` AND connection_id = ?`
		args = append(args, p.ConnectionID)
	}
	if len(p.States) > 0 {
		q += ` AND state IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(p.States)), ", ") + `)`
		for _, s := range p.States {
			args = append(args, s)
		}
	}
	q += ` ORDER BY id`
	if p.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, p.Limit)
	}
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []*store.WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (e *Exec) WebhookDeliveryEarlierPending(ctx context.Context, id int64) (bool, *time.Time, error) {
	var n int
	var next *time.Time
	err := e.queryRow(ctx, `SELECT COUNT(*), MIN(o.next_attempt_at) FROM webhook_deliveries d
		JOIN webhook_deliveries o ON o.connection_id = d.connection_id AND o.order_id = d.order_id
		WHERE d.id = ? AND o.state = ? AND (o.write_date < d.write_date OR (o.write_date = d.write_date AND o.id < d.id))`,
		id, store.DeliveryPending).Scan(&n, nullTimeDest{&next})
	if err != nil {
		return false, nil, fmt.Errorf("check earlier deliveries: %w", err)
	}
	return n > 0, next, nil
}

func (e *Exec) WebhookDeliveryAttemptRecord(ctx context.Context, p *store.WebhookDeliveryAttemptParams) error {
	if e.d.Name() == store.DialectPostgres {
		return e.attemptRecordPostgres(ctx, p)
	}
	if _, err := e.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error, response)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, p.DeliveryID, p.Attempt, e.d.Time(p.StartedAt), p.Duration.Milliseconds(),
		p.Status, p.Error, p.Response); err != nil {
		return fmt.Errorf("record webhook attempt: %w", err)
	}
	now := time.Now().UTC()
	var delivered *time.Time
	if p.State == store.DeliveryDelivered {
		delivered = &now
	}
	res, err := e.exec(ctx, `UPDATE webhook_deliveries SET attempts = ?, state = ?, next_attempt_at = ?, last_attempt_at = ?,
		last_status = ?, last_error = ?, delivered_at = COALESCE(?, delivered_at), updated_at = ? WHERE id = ?`,
		p.Attempt, p.State, e.nullTime(p.NextAttemptAt), e.d.Time(p.StartedAt), p.Status, p.Error, e.nullTime(delivered),
		e.d.Time(now), p.DeliveryID)
	if err != nil {
		return fmt.Errorf("update webhook delivery: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("webhook delivery %d: %w", p.DeliveryID, store.ErrNotFound)
	}
	return nil
}

func (e *Exec) WebhookDeliveryStateSet(ctx context.Context, p *store.WebhookDeliveryStateSetParams) ([]int64, error) {
	var changed []int64
	err := inChunks(p.IDs, func(chunk []int64) error {
		ph, idArgs := placeholders(chunk)
		set := `state = ?, updated_at = ?, next_attempt_at = NULL`
		if p.ResetAttempts {
			set += `, attempts = 0`
		}
		args := []any{p.State, e.d.Time(time.Now().UTC())}
		q := `UPDATE webhook_deliveries SET ` + set + ` WHERE id IN (` + ph + `)`
		args = append(args, idArgs...)
		if len(p.OnlyStates) > 0 {
			q += ` AND state IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(p.OnlyStates)), ", ") + `)`
			for _, s := range p.OnlyStates {
				args = append(args, s)
			}
		}
		ids, err := e.idList(ctx, q+` RETURNING id`, args...)
		changed = append(changed, ids...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set webhook delivery state: %w", err)
	}
	return changed, nil
}

func (e *Exec) WebhookAttemptList(ctx context.Context, p *store.WebhookAttemptListParams) ([]*store.WebhookAttempt, error) {
	q := `SELECT a.id, a.delivery_id, d.event_id, d.event_type, d.connection_id, d.order_name, a.attempt, a.started_at,
		a.duration_ms, a.status, a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id`
	var args []any
	if p.ConnectionID != 0 {
		q += ` WHERE d.connection_id = ?`
		args = append(args, p.ConnectionID)
	}
	q += ` ORDER BY a.started_at DESC, a.id DESC`
	if p.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, p.Limit)
	}
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}
	defer rows.Close()
	var out []*store.WebhookAttempt
	for rows.Next() {
		var a store.WebhookAttempt
		var ms int64
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.EventID, &a.EventType, &a.ConnectionID, &a.OrderName, &a.Attempt,
			timeDest{&a.StartedAt}, &ms, &a.Status, &a.Error); err != nil {
			return nil, err
		}
		a.Duration = time.Duration(ms) * time.Millisecond
		out = append(out, &a)
	}
	return out, rows.Err()
}

// attemptRecordPostgres appends the attempt and updates the delivery in one statement: one round trip per
// attempt instead of two, which is what a busy delivery queue pays most for.
func (e *Exec) attemptRecordPostgres(ctx context.Context, p *store.WebhookDeliveryAttemptParams) error {
	now := time.Now().UTC()
	var delivered *time.Time
	if p.State == store.DeliveryDelivered {
		delivered = &now
	}
	var updated int64
	err := e.queryRow(ctx, `WITH attempt AS (
			INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error, response)
			VALUES (?, ?, ?, ?, ?, ?, ?))
		, upd AS (UPDATE webhook_deliveries SET attempts = ?, state = ?, next_attempt_at = ?, last_attempt_at = ?,
			last_status = ?, last_error = ?, delivered_at = COALESCE(?, delivered_at), updated_at = ? WHERE id = ? RETURNING 1)
		SELECT COUNT(*) FROM upd`,
		p.DeliveryID, p.Attempt, e.d.Time(p.StartedAt), p.Duration.Milliseconds(), p.Status, p.Error, p.Response,
		p.Attempt, p.State, e.nullTime(p.NextAttemptAt), e.d.Time(p.StartedAt), p.Status, p.Error, e.nullTime(delivered),
		e.d.Time(now), p.DeliveryID).Scan(&updated)
	if err != nil {
		return fmt.Errorf("record webhook attempt: %w", err)
	}
	if updated == 0 {
		return fmt.Errorf("webhook delivery %d: %w", p.DeliveryID, store.ErrNotFound)
	}
	return nil
}
