package sync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/sync"
)

// clientFor makes a client for srv. It retries: a server restarted on the same address leaves pooled
// connections to the old one that answer EOF once.
func clientFor(t *testing.T, srv *odootest.Server) *odoo.Client {
	t.Helper()
	c, err := odoo.New(odoo.Config{URL: srv.URL(), Database: srv.Database(), Username: "admin", Secret: "test-api-key-0123456789",
		Protocol: odoo.ProtocolAuto, MaxRetries: 2, RetryBaseDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// snapshot is a connection's stored data without what differs between two connections of the same data
// (connection id, when it was synced).
func snapshot(t *testing.T, st store.Store, conn int64) string {
	t.Helper()
	ctx := context.Background()
	ids, err := st.OrderIDList(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	orders, err := st.OrderGetMany(ctx, conn, ids)
	if err != nil {
		t.Fatal(err)
	}
	items, err := st.ItemListByOrder(ctx, conn, ids)
	if err != nil {
		t.Fatal(err)
	}
	products, err := st.ProductList(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := st.InventoryList(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, id := range ids {
		o := orders[id]
		fmt.Fprintln(&b, "order", o.OrderID, o.Name, o.State, o.WriteDate, o.PartnerName, o.AmountTotal, o.RemovedAt)
	}
	for _, it := range items {
		fmt.Fprintln(&b, "item", it.LineID, it.OrderID, it.SKU, it.Quantity, it.Total, it.WriteDate, it.RemovedAt)
	}
	for _, p := range products {
		fmt.Fprintln(&b, "product", p.ProductID, p.SKU, p.Name, p.Active)
	}
	for _, i := range inv {
		fmt.Fprintln(&b, "inventory", i.ProductID, i.SKU, i.QtyAvailable, i.VirtualAvailable)
	}
	return b.String()
}

// TestRepointedConnectionRefusedUntilReset: a connection synced from one Odoo and then pointed at another (the
// default connection flipped from the test Odoo to production) does not mix the two: the pass is refused and
// changes nothing; after a reset the next sync is an initial one and the store holds exactly the new Odoo's data.
func TestRepointedConnectionRefusedUntilReset(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, "17", smallHistory) // "test" Odoo
		f.sync(t, sync.Options{})
		f.check(t)
		testData := snapshot(t, st, f.conn.ID)
		c, err := st.ConnectionGet(ctx, f.conn.ID)
		if err != nil || c.IdentityURL != f.srv.URL() || c.IdentityDatabase != "odoo" || c.IdentityUUID != f.srv.DatabaseUUID() {
			t.Fatalf("identity after the first sync: %+v, %v", c, err)
		}

		// "production": another database, other data under the same ids.
		prod := odootest.Start(t, odootest.Options{Version: "17", Seed: 99, Data: &odootest.GenerateOptions{Years: 1, SKUs: 15}})
		url := prod.URL()
		if f.conn, err = st.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: f.conn.ID, URL: &url}); err != nil {
			t.Fatal(err)
		}
		_, err = f.syncer.Sync(ctx, f.conn, clientFor(t, prod), sync.Options{})
		var ie *sync.IdentityError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "connections edit acme-17 --reset-data") ||
			!strings.Contains(err.Error(), odoo.NormalizeURL(prod.URL())) {
			t.Fatalf("sync of the re-pointed connection: %v; want an IdentityError naming the fix", err)
		}
		if snapshot(t, st, f.conn.ID) != testData {
			t.Fatal("the refused sync changed the stored data")
		}
		// --full does not get around it either.
		if _, err = f.syncer.Sync(ctx, f.conn, clientFor(t, prod), sync.Options{Full: true}); !errors.As(err, &ie) {
			t.Fatalf("full sync of the re-pointed connection: %v", err)
		}

		if _, err := st.ConnectionDataReset(ctx, f.conn.ID); err != nil {
			t.Fatal(err)
		}
		f.srv, f.client, f.ever = prod, clientFor(t, prod), map[int64]bool{}
		res := f.sync(t, sync.Options{})
		if res.Kind != "initial" || res.Events != 0 {
			t.Errorf("sync after the reset: %+v; want an initial sync (a baseline, no events)", res)
		}
		f.check(t)
		// Exactly what a connection that only ever knew production holds.
		ref, err := st.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "prod-only", URL: prod.URL(), Database: "odoo",
			Username: "admin", Protocol: "auto", PollInterval: time.Minute, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.syncer.Sync(ctx, ref, clientFor(t, prod), sync.Options{}); err != nil {
			t.Fatal(err)
		}
		if got, want := snapshot(t, st, f.conn.ID), snapshot(t, st, ref.ID); got != want {
			t.Errorf("after the reset the connection holds other data than production's alone:\n%s", firstDiff(got, want))
		}
		if c, _ := st.ConnectionGet(ctx, f.conn.ID); c.IdentityUUID != prod.DatabaseUUID() {
			t.Errorf("identity after the reset's sync: %+v", c)
		}
	})
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}

// TestSameAddressOtherDatabaseRefused: the same URL and database name, but Odoo reports another database uuid (it
// was re-created, or a copy was restored in its place).
func TestSameAddressOtherDatabaseRefused(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, "17", &odootest.GenerateOptions{Years: 1, SKUs: 8})
		f.sync(t, sync.Options{})
		addr := strings.TrimPrefix(f.srv.URL(), "http://")
		f.srv.Close()
		other, err := odootest.NewServer(odootest.Options{Version: "17", Seed: 7, Addr: addr, DatabaseUUID: "11111111-2222-1333-8444-555555555555",
			Data: &odootest.GenerateOptions{Years: 1, SKUs: 8}})
		if err != nil {
			t.Skipf("cannot listen on %s again: %v", addr, err)
		}
		t.Cleanup(other.Close)
		_, err = f.syncer.Sync(ctx, f.conn, clientFor(t, other), sync.Options{})
		var ie *sync.IdentityError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "reports database uuid 11111111-2222-1333-8444-555555555555") {
			t.Fatalf("sync against another database at the same address: %v", err)
		}
	})
}

// TestIdentityWithoutSettingsRight: an API user who may not read the uuid is identified by URL and database;
// when the uuid becomes readable it is recorded, and checked from then on.
func TestIdentityWithoutSettingsRight(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		data := &odootest.GenerateOptions{Years: 1, SKUs: 8}
		restricted := odootest.Start(t, odootest.Options{Version: "17", Seed: 5, NoSettings: true, Data: data})
		conn, err := st.ConnectionInsert(ctx, &store.ConnectionInsertParams{Name: "acme", URL: restricted.URL(), Database: "odoo",
			Username: "admin", Protocol: "auto", PollInterval: time.Minute, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		syncer := &sync.Syncer{Store: st, PageSize: 50, Lag: time.Minute, RecentEvery: -1, Now: restricted.Now}
		if _, err := syncer.Sync(ctx, conn, clientFor(t, restricted), sync.Options{}); err != nil {
			t.Fatal(err)
		}
		if c, _ := st.ConnectionGet(ctx, conn.ID); c.IdentityURL != restricted.URL() || c.IdentityUUID != "" {
			t.Fatalf("identity without the uuid: %+v", c)
		}
		// The same server, the user now an administrator: the uuid is learned.
		addr := strings.TrimPrefix(restricted.URL(), "http://")
		restricted.Close()
		admin, err := odootest.NewServer(odootest.Options{Version: "17", Seed: 5, Addr: addr, Data: data})
		if err != nil {
			t.Skipf("cannot listen on %s again: %v", addr, err)
		}
		t.Cleanup(admin.Close)
		if _, err := syncer.Sync(ctx, conn, clientFor(t, admin), sync.Options{}); err != nil {
			t.Fatal(err)
		}
		if c, _ := st.ConnectionGet(ctx, conn.ID); c.IdentityUUID != admin.DatabaseUUID() {
			t.Fatalf("uuid not learned: %+v", c)
		}
	})
}

// TestUnreachableOdooIsNotALostDatabase: an Odoo that refuses connections fails the pass after the client's own
// retries, once; its network error is not taken for a lost database connection (the pass used to start over
// three times and log "the database connection was lost").
func TestUnreachableOdooIsNotALostDatabase(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, "17", &odootest.GenerateOptions{Years: 1, SKUs: 8})
		f.sync(t, sync.Options{})
		client := clientFor(t, f.srv)
		f.srv.Close()
		before := f.srv.Calls()
		_, err := f.syncer.Sync(ctx, f.conn, client, sync.Options{})
		var te *odoo.TransportError
		if !errors.As(err, &te) || te.Attempts != 3 {
			t.Fatalf("sync against a closed port: %v; want a TransportError after the client's 3 attempts", err)
		}
		logs, lerr := st.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: f.conn.ID, Limit: 1})
		if lerr != nil || len(logs) != 1 || logs[0].Status != store.SyncFailed || strings.Contains(logs[0].Details, "database connection was lost") {
			for _, l := range logs {
				t.Logf("log: %s, %s", l.Status, l.Details)
			}
			t.Fatalf("the failed pass's log (%d rows, %v): want one failed pass that does not blame the database", len(logs), lerr)
		}
		if f.srv.Calls() != before {
			t.Errorf("the closed fake answered calls")
		}
	})
}

func TestNoSKUNote(t *testing.T) {
	for n, want := range map[int]string{
		1:  "1 product has no internal reference (default_code); it is keyed as ID:<product id>",
		24: "24 products have no internal reference (default_code); they are keyed as ID:<product id>",
	} {
		if got := sync.NoSKUNote(n); got != want {
			t.Errorf("NoSKUNote(%d) = %q, want %q", n, got, want)
		}
	}
}
