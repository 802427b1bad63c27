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
		ON CONFLICT (connection_id, event_id) DO NOTHING RETURNING id`,
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

func (e *Exec) WebhookDeliveryForAttemptMany(ctx context.Context, ids []int64) ([]*store.WebhookDeliveryForAttempt, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// Earlier versions of the same order: two lookups per row on webhook_deliveries_order. "state || ''" keeps
	// SQLite from answering MIN(next_attempt_at) by walking webhook_deliveries_state through every pending
	// delivery (its min/max optimisation): 0.36 s instead of 2 ms for 128 deliveries with 5,000 pending.
	const earlier = ` FROM webhook_deliveries o WHERE o.connection_id = d.connection_id AND o.order_id = d.order_id
		AND o.state || '' = ? AND (o.write_date < d.write_date OR (o.write_date = d.write_date AND o.id < d.id)))`
	q := `SELECT ` + prefixCols("d.", deliveryColumns) + `, ` + prefixCols("c.", connectionColumns) +
		`, (SELECT COUNT(*)` + earlier + `, (SELECT MIN(o.next_attempt_at)` + earlier +
		` FROM webhook_deliveries d JOIN connections c ON c.id = d.connection_id WHERE `
	args := []any{store.DeliveryPending, store.DeliveryPending}
	if e.d.Name() == store.DialectPostgres {
		// One statement text for any number of ids: prepared once.
		q += `d.id = ANY(?::bigint[])`
		args = append(args, ids)
	} else {
		ph, idArgs := placeholders(ids)
		q += `d.id IN (` + ph + `)`
		args = append(args, idArgs...)
	}
	rows, err := e.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read webhook deliveries for attempts: %w", err)
	}
	defer rows.Close()
	out := make([]*store.WebhookDeliveryForAttempt, 0, len(ids))
	for rows.Next() {
		var f store.WebhookDeliveryForAttempt
		dest := append(joinScan(&f.Delivery, &f.Connection), &f.EarlierPending, nullTimeDest{&f.EarlierNextAttemptAt})
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read webhook deliveries for attempts: %w", err)
		}
		out = append(out, &f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read webhook deliveries for attempts: %w", err)
	}
	return out, nil
}

// joinScan returns scan destinations for a delivery row followed by a connection row.
func joinScan(d **store.WebhookDelivery, c **store.Connection) []any {
	var dv store.WebhookDelivery
	var cv store.Connection
	*d, *c = &dv, &cv
	dests := []any{
		&dv.ID, &dv.EventID, &dv.EventType, &dv.ConnectionID, &dv.OrderID, &dv.OrderName, timeDest{&dv.WriteDate},
		payloadDest{&dv.Payload}, &dv.State, &dv.Attempts, nullTimeDest{&dv.NextAttemptAt}, nullTimeDest{&dv.LastAttemptAt},
		&dv.LastStatus, &dv.LastError, nullTimeDest{&dv.DeliveredAt}, timeDest{&dv.CreatedAt}, timeDest{&dv.UpdatedAt},
	}
	return append(dests, connectionDests(&cv)...)
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
		if len(p.States) > 0 {
			// "+ 0" keeps SQLite off webhook_deliveries_order, which would walk every delivery the connection
			// ever had, delivered ones included; webhook_deliveries_state narrows to the queue.
			q += ` AND connection_id + 0 = ?`
		} else {
			q += ` AND connection_id = ?`
		}
		args = append(args, p.ConnectionID)
	}
	if len(p.States) > 0 {
		q += ` AND state IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(p.States)), ", ") + `)`
		for _, s := range p.States {
			args = append(args, string(s))
		}
	}
	if p.AfterID != 0 {
		q += ` AND id > ?`
		args = append(args, p.AfterID)
	}
	if p.Attempted {
		q += ` AND attempts > 0`
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

func (e *Exec) WebhookDeliveryAttemptRecordMany(ctx context.Context, params []*store.WebhookDeliveryAttemptParams) ([]int64, error) {
	var missing []int64
	// A delivery has one job at a time, so a batch rarely holds two attempts of one delivery; when it does,
	// they are written in order, one round each, since one UPDATE cannot apply two rows to the same target.
	for _, round := range distinctDeliveryRounds(params) {
		var found map[int64]bool
		var err error
		if e.d.Name() == store.DialectPostgres {
			found, err = e.attemptRecordPostgres(ctx, round) // one statement: atomic without a transaction
		} else {
			err = e.atomically(ctx, func(e *Exec) error {
				found, err = e.attemptRecordSQLite(ctx, round)
				return err
			})
		}
		if err != nil {
			return nil, fmt.Errorf("record webhook attempts: %w", err)
		}
		for _, p := range round {
			if !found[p.DeliveryID] {
				missing = append(missing, p.DeliveryID)
			}
		}
	}
	return missing, nil
}

// distinctDeliveryRounds splits params, keeping their order, into runs in which no delivery id repeats.
func distinctDeliveryRounds(params []*store.WebhookDeliveryAttemptParams) [][]*store.WebhookDeliveryAttemptParams {
	var rounds [][]*store.WebhookDeliveryAttemptParams
	start := 0
	seen := make(map[int64]bool, len(params))
	for i, p := range params {
		if seen[p.DeliveryID] {
			rounds = append(rounds, params[start:i])
			start = i
			clear(seen)
		}
		seen[p.DeliveryID] = true
	}
	if start < len(params) {
		rounds = append(rounds, params[start:])
	}
	return rounds
}

func deliveredAt(p *store.WebhookDeliveryAttemptParams, now time.Time) *time.Time {
	if p.State == store.DeliveryDelivered {
		return &now
	}
	return nil
}

// attemptRecordSQLite updates the deliveries in one UPDATE ... FROM (VALUES ...) and appends the attempts of
// those it found in one INSERT.
func (e *Exec) attemptRecordSQLite(ctx context.Context, params []*store.WebhookDeliveryAttemptParams) (map[int64]bool, error) {
	now := time.Now().UTC()
	found := make(map[int64]bool, len(params))
	perStmt := maxParams / 9 // eight values a row, and updated_at
	for start := 0; start < len(params); start += perStmt {
		var rows [][]any
		for _, p := range params[start:min(len(params), start+perStmt)] {
			rows = append(rows, []any{p.DeliveryID, p.Attempt, string(p.State), e.nullTime(p.NextAttemptAt), e.d.Time(p.StartedAt),
				p.Status, p.Error, e.nullTime(deliveredAt(p, now))})
		}
		list, args := values(rows)
		ids, err := e.idList(ctx, `WITH v (did, attempts, state, next_attempt_at, last_attempt_at, last_status, last_error, delivered_at)
			AS (VALUES `+list+`) UPDATE webhook_deliveries SET attempts = v.attempts, state = v.state,
			next_attempt_at = v.next_attempt_at, last_attempt_at = v.last_attempt_at, last_status = v.last_status,
			last_error = v.last_error, delivered_at = COALESCE(v.delivered_at, webhook_deliveries.delivered_at), updated_at = ?
			FROM v WHERE webhook_deliveries.id = v.did RETURNING id`, append(args, e.d.Time(now))...)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			found[id] = true
		}
	}
	var rows [][]any
	for _, p := range params {
		if found[p.DeliveryID] {
			rows = append(rows, []any{p.DeliveryID, p.Attempt, e.d.Time(p.StartedAt), p.Duration.Milliseconds(), p.Status, p.Error, p.Response})
		}
	}
	if err := e.insertValues(ctx, "webhook_attempts", attemptColumns, len(rows), func(dst []any, i int) []any { return append(dst, rows[i]...) }, ""); err != nil {
		return nil, fmt.Errorf("insert webhook attempts: %w", err)
	}
	return found, nil
}

var attemptColumns = []string{"delivery_id", "attempt", "started_at", "duration_ms", "status", "error", "response"}

func (e *Exec) WebhookDeliveryStateSet(ctx context.Context, p *store.WebhookDeliveryStateSetParams) ([]int64, error) {
	var changed []int64
	err := inChunks(p.IDs, func(chunk []int64) error {
		ph, idArgs := placeholders(chunk)
		set := `state = ?, updated_at = ?, next_attempt_at = NULL`
		if p.ResetAttempts {
			set += `, attempts = 0`
		}
		args := []any{string(p.State), e.d.Time(time.Now().UTC())}
		q := `UPDATE webhook_deliveries SET ` + set + ` WHERE id IN (` + ph + `)`
		args = append(args, idArgs...)
		if len(p.OnlyStates) > 0 {
			q += ` AND state IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(p.OnlyStates)), ", ") + `)`
			for _, s := range p.OnlyStates {
				args = append(args, string(s))
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

// attemptRecordPostgres updates the deliveries and appends the attempts of those it found in one statement
// whose text does not depend on the number of attempts (the rows travel as arrays), so it is prepared once.
func (e *Exec) attemptRecordPostgres(ctx context.Context, params []*store.WebhookDeliveryAttemptParams) (map[int64]bool, error) {
	now := time.Now().UTC()
	n := len(params)
	ids, attempts, started, durations, statuses := make([]any, n), make([]any, n), make([]any, n), make([]any, n), make([]any, n)
	errs, responses, states, nexts, delivered := make([]any, n), make([]any, n), make([]any, n), make([]any, n), make([]any, n)
	for i, p := range params {
		ids[i], attempts[i], started[i], durations[i], statuses[i] = p.DeliveryID, p.Attempt, e.d.Time(p.StartedAt), p.Duration.Milliseconds(), p.Status
		errs[i], responses[i], states[i], nexts[i], delivered[i] = p.Error, p.Response, string(p.State), e.nullTime(p.NextAttemptAt), e.nullTime(deliveredAt(p, now))
	}
	rows, err := e.q.QueryContext(ctx, `WITH v AS (
			SELECT * FROM unnest($1::bigint[], $2::int[], $3::timestamptz[], $4::bigint[], $5::int[], $6::text[], $7::text[],
				$8::text[], $9::timestamptz[], $10::timestamptz[])
				AS v (delivery_id, attempt, started_at, duration_ms, status, error, response, state, next_attempt_at, delivered_at)),
		upd AS (UPDATE webhook_deliveries d SET attempts = v.attempt, state = v.state, next_attempt_at = v.next_attempt_at,
				last_attempt_at = v.started_at, last_status = v.status, last_error = v.error,
				delivered_at = COALESCE(v.delivered_at, d.delivered_at), updated_at = $11
			FROM v WHERE d.id = v.delivery_id RETURNING d.id),
		ins AS (INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error, response)
			SELECT v.delivery_id, v.attempt, v.started_at, v.duration_ms, v.status, v.error, v.response FROM v JOIN upd ON upd.id = v.delivery_id)
		SELECT id FROM upd`,
		ids, attempts, started, durations, statuses, errs, responses, states, nexts, delivered, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[int64]bool, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	return found, rows.Err()
}

func (e *Exec) WebhookQueueStatList(ctx context.Context) ([]*store.WebhookQueueStat, error) {
	// The queue is counted through webhook_deliveries_state (pending and dead rows only): joining on the
	// connection would walk every delivered row too, and those only grow.
	const pending, dead = store.DeliveryPending, store.DeliveryDead
	rows, err := e.query(ctx, `SELECT c.id, c.name, COALESCE(q.pending, 0), COALESCE(q.failing, 0), COALESCE(q.dead, 0), q.oldest
		FROM connections c LEFT JOIN (SELECT connection_id,
			SUM(CASE WHEN state = ? THEN 1 ELSE 0 END) AS pending,
			SUM(CASE WHEN state = ? AND attempts > 0 THEN 1 ELSE 0 END) AS failing,
			SUM(CASE WHEN state = ? THEN 1 ELSE 0 END) AS dead,
			MIN(CASE WHEN state = ? THEN created_at END) AS oldest
			FROM webhook_deliveries WHERE state IN (?, ?) GROUP BY connection_id) q ON q.connection_id = c.id
		ORDER BY c.name`, pending, pending, dead, pending, pending, dead)
	if err != nil {
		return nil, fmt.Errorf("webhook queue stats: %w", err)
	}
	defer rows.Close()
	var out []*store.WebhookQueueStat
	for rows.Next() {
		var q store.WebhookQueueStat
		if err := rows.Scan(&q.ConnectionID, &q.ConnectionName, &q.Pending, &q.Failing, &q.Dead, nullTimeDest{&q.OldestCreatedAt}); err != nil {
			return nil, fmt.Errorf("webhook queue stats: %w", err)
		}
		out = append(out, &q)
	}
	return out, rows.Err()
}

func (e *Exec) WebhookDeliveryCountByState(ctx context.Context, connectionID int64) (map[store.DeliveryState]int64, error) {
	rows, err := e.query(ctx, `SELECT state, COUNT(*) FROM webhook_deliveries WHERE connection_id = ? GROUP BY state`, connectionID)
	if err != nil {
		return nil, fmt.Errorf("count webhook deliveries: %w", err)
	}
	defer rows.Close()
	out := map[store.DeliveryState]int64{}
	for rows.Next() {
		var state store.DeliveryState
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}
