package sync

import (
	"context"
	"fmt"
	"strings"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
)

// DataIdentity is the Odoo database a connection's stored data came from: the recorded identity, or, before a
// sync recorded one, the database the connection points at.
func DataIdentity(c *store.Connection) odoo.DatabaseIdentity {
	if c.IdentityURL == "" {
		return odoo.DatabaseIdentity{URL: c.URL, Database: c.Database}
	}
	return odoo.DatabaseIdentity{URL: c.IdentityURL, Database: c.IdentityDatabase, UUID: c.IdentityUUID}
}

// IdentityError is a connection whose Odoo is not the database its stored data came from: its URL or database
// changed, or the server reports another database uuid. Syncing it would mix two databases' orders, products
// and cursors, so the pass stops until the user resets the data or confirms it is the same database.
type IdentityError struct {
	Connection string
	Stored     odoo.DatabaseIdentity // where the stored data came from
	Current    odoo.DatabaseIdentity // what the connection reaches now
}

func (e *IdentityError) Error() string {
	reset := fmt.Sprintf("run 'salesengine connections edit %s --reset-data' to delete the stored data and sync this Odoo from scratch", e.Connection)
	if e.Stored.SameServer(e.Current) {
		// Odoo itself calls it another database: keeping the data is no option.
		return fmt.Sprintf("connection %q: the Odoo database at %s is not the one its stored data came from: it reports database "+
			"uuid %s, the data came from uuid %s (the database was re-created, or a duplicate or a restore \"as a copy\" took its "+
			"place); Sales Engine does not mix two Odoo databases in one connection: %s", e.Connection,
			odoo.DatabaseIdentity{URL: e.Current.URL, Database: e.Current.Database}.String(), e.Current.UUID, e.Stored.UUID, reset)
	}
	return fmt.Sprintf("connection %q: it now points at %s, but its stored data came from %s; Sales Engine does not mix two "+
		"Odoo databases in one connection: %s, or '--keep-data' if it is the same database at a new address",
		e.Connection, e.Current.String(), e.Stored.String(), reset)
}

// checkIdentity compares the Odoo the connection reaches with the one its data came from, and records the
// identity when none is recorded yet (the connection's first sync, or the first since Sales Engine records it)
// or when the database uuid becomes readable. It runs before a pass reads or writes anything.
func (r *run) checkIdentity(ctx context.Context) error {
	uuid, err := r.src.DatabaseUUID(ctx)
	if err != nil {
		return fmt.Errorf("reading the Odoo database's uuid: %w", err)
	}
	// The client reaches what the caller's connection says; what the data came from is read for this pass (by
	// the circuit's check, or now), not taken from the caller's copy, which may predate an earlier pass's
	// record or a reset.
	cur := odoo.DatabaseIdentity{URL: r.conn.URL, Database: r.conn.Database, UUID: uuid}
	row := r.row
	if row == nil {
		if row, err = r.s.Store.ConnectionGet(ctx, r.conn.ID); err != nil {
			return err
		}
	}
	p := &store.ConnectionUpdateParams{ID: r.conn.ID}
	switch stored := DataIdentity(row); {
	case row.IdentityURL == "":
		p.IdentityURL, p.IdentityDatabase, p.IdentityUUID = &cur.URL, &cur.Database, &cur.UUID
	case !stored.SameServer(cur), stored.UUID != "" && uuid != "" && !strings.EqualFold(stored.UUID, uuid):
		return &IdentityError{Connection: r.conn.Name, Stored: stored, Current: cur}
	case stored.UUID == "" && uuid != "":
		// The API user may read the uuid now (it got the Settings right): the same URL and database, so the
		// same data; from now on the uuid is checked too.
		p.IdentityUUID = &cur.UUID
	default:
		r.setIdentity(row)
		return nil
	}
	if row, err = r.s.Store.ConnectionUpdate(ctx, p); err != nil {
		return err
	}
	r.setIdentity(row)
	return nil
}

// setIdentity gives the run's copy of the connection the recorded identity, which the outbox derives event ids
// from. The caller's connection is left alone.
func (r *run) setIdentity(row *store.Connection) {
	c := *r.conn
	c.IdentityURL, c.IdentityDatabase, c.IdentityUUID = row.IdentityURL, row.IdentityDatabase, row.IdentityUUID
	r.conn = &c
}
