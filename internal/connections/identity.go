package connections

import (
	"context"
	"errors"
	"fmt"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/sync"
)

// DataChoice says what Edit does with a connection's stored data.
type DataChoice int

const (
	// DataRefuse refuses an edit that points a connection holding data at another Odoo database.
	DataRefuse DataChoice = iota
	// DataReset deletes the connection's data (store.ConnectionDataReset) with the edit: the next sync is an
	// initial one, of whatever Odoo the connection points at.
	DataReset
	// DataKeep keeps the data: the connection reaches the same Odoo database at a new address. The recorded URL
	// and database follow the connection; the recorded database uuid stays, so the next sync still refuses a
	// database that reports another one.
	DataKeep
	// dataFollow applies the edit and leaves the choice to the user: the next sync of the connection refuses it
	// (sync.IdentityError) until they reset or keep the data. The environment decides where "default" points;
	// stopping every other connection's sync over it would be worse.
	dataFollow
)

// IdentityChangeError is an edit that would point a connection holding data at another Odoo database.
type IdentityChangeError struct {
	Connection string
	Stored     odoo.DatabaseIdentity // where the stored data came from
	New        odoo.DatabaseIdentity // where the edit points the connection
}

func (e *IdentityChangeError) Error() string {
	return fmt.Sprintf("connection %q holds data of the Odoo database %s; pointing it at %s would mix two databases: add "+
		"--reset-data to delete its orders, lines, products, inventory, forecasts, sync cursors and undelivered webhook "+
		"events and sync the new Odoo from scratch, or --keep-data if it is the same database at a new address",
		e.Connection, e.Stored.String(), e.New.String())
}

// heldIdentity returns the Odoo database the connection's data came from, and false when it holds none. A
// connection synced before Sales Engine recorded identities has cursors but no identity: its data came from
// the URL and database it points at.
func heldIdentity(ctx context.Context, tx store.Executor, id int64) (*store.Connection, odoo.DatabaseIdentity, bool, error) {
	row, err := tx.ConnectionGet(ctx, id)
	if err != nil {
		return nil, odoo.DatabaseIdentity{}, false, err
	}
	if row.IdentityURL != "" {
		return row, sync.DataIdentity(row), true, nil
	}
	for _, model := range []string{sync.ModelProduct, sync.ModelOrder, sync.ModelLine} {
		_, err := tx.SyncCursorGet(ctx, id, model)
		switch {
		case err == nil:
			return row, sync.DataIdentity(row), true, nil
		case !errors.Is(err, store.ErrNotFound):
			return nil, odoo.DatabaseIdentity{}, false, err
		}
	}
	return row, odoo.DatabaseIdentity{}, false, nil
}

// applyDataChoice completes the update p of connection c inside tx with what data asks for; it returns what a
// reset deleted (nil without one).
func applyDataChoice(ctx context.Context, tx store.Executor, c *store.Connection, p *store.ConnectionUpdateParams, data DataChoice) (*store.DataReset, error) {
	if data == DataReset {
		r, err := tx.ConnectionDataReset(ctx, c.ID)
		return &r, err
	}
	next := odoo.DatabaseIdentity{URL: c.URL, Database: c.Database}
	if p.URL != nil {
		next.URL = *p.URL
	}
	if p.Database != nil {
		next.Database = *p.Database
	}
	if data == DataRefuse && p.URL == nil && p.Database == nil {
		return nil, nil
	}
	row, held, ok, err := heldIdentity(ctx, tx, c.ID)
	if err != nil || !ok {
		return nil, err
	}
	switch data {
	case DataKeep:
		if row.IdentityURL != "" {
			p.IdentityURL, p.IdentityDatabase = &next.URL, &next.Database
		}
	case dataFollow:
		// Record where the data came from before the connection moves, or its next sync would take the new
		// Odoo for the source of data it never held.
		if row.IdentityURL == "" && !held.SameServer(next) {
			p.IdentityURL, p.IdentityDatabase = &held.URL, &held.Database
		}
	default:
		if !held.SameServer(next) {
			return nil, &IdentityChangeError{Connection: c.Name, Stored: held, New: next}
		}
	}
	return nil, nil
}
