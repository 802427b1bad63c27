package sync_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/sync"
)

// TestOdooCircuit takes a connection's Odoo circuit through its life against the fake: passes failing because
// Odoo is down open it after the threshold, the passes during the cooldown are skipped without calling Odoo and
// recorded as skipped, a trial pass that fails opens it again, one that succeeds closes it; a failure that is
// not Odoo being down (credentials) is not counted.
func TestOdooCircuit(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, "17", smallHistory)
		cooldown := 2 * time.Minute
		f.syncer.Circuit = sync.CircuitPolicy{Failures: 3, Cooldown: cooldown}
		f.sync(t, sync.Options{})
		pass := func() (sync.Result, error) {
			t.Helper()
			f.srv.Advance(10 * time.Second)
			return f.syncer.Sync(ctx, f.conn, f.client, sync.Options{})
		}

		// Credentials refused: a failure, but not Odoo being down.
		f.srv.InjectFault(odootest.Fault{Kind: odootest.AccessDenied})
		if res, err := pass(); err == nil || res.CircuitFailures != 0 {
			t.Fatalf("pass with the key refused: %v, %d failures counted; want an error, none counted", err, res.CircuitFailures)
		}
		f.srv.ClearFaults()

		f.srv.InjectFault(odootest.Fault{Kind: odootest.HTTP503})
		var res sync.Result
		var err error
		for i := 1; i <= 3; i++ {
			res, err = pass()
			if err == nil || res.Skipped || res.CircuitFailures != i {
				t.Fatalf("failing pass %d: %v, skipped %v, %d failures; want an error and %d failures", i, err, res.Skipped, res.CircuitFailures, i)
			}
		}
		opened := res.CircuitOpenUntil
		if want := f.srv.Now().Add(cooldown); !opened.Equal(want.Truncate(time.Microsecond)) && !opened.Equal(want) {
			t.Fatalf("circuit open until %v, want %v", opened, want)
		}
		calls := f.srv.Calls()
		res, err = pass()
		var open *sync.CircuitOpenError
		if !errors.As(err, &open) || !res.Skipped || open.Failures != 3 || !open.Until.Equal(opened) {
			t.Fatalf("pass while open: %v (skipped %v); want a CircuitOpenError until %v after 3 failures", err, res.Skipped, opened)
		}
		if want := "circuit open until " + opened.Local().Format("15:04:05") + " (3 consecutive failures): skipped"; err.Error() != want {
			t.Errorf("skip message %q, want %q", err, want)
		}
		if f.srv.Calls() != calls {
			t.Errorf("a skipped pass called Odoo %d times", f.srv.Calls()-calls)
		}

		// Cooldown over, Odoo still down: the trial pass fails and opens it again.
		f.srv.SetNow(opened)
		res, err = pass()
		if err == nil || errors.As(err, &open) || res.CircuitFailures != 4 || !res.CircuitOpenUntil.After(opened) {
			t.Fatalf("failed trial pass: %v, %d failures, open until %v; want a failure that reopens it", err, res.CircuitFailures, res.CircuitOpenUntil)
		}
		if _, err := pass(); !errors.As(err, &open) {
			t.Fatalf("pass after a failed trial: %v, want skipped", err)
		}

		// Odoo is back: the next trial closes the circuit, and passes run again.
		f.srv.ClearFaults()
		must(t, f.srv.ConfirmOrder(quotation(f)))
		f.srv.SetNow(res.CircuitOpenUntil)
		for _, o := range f.srv.Orders() {
			if o.State == "sale" || o.State == "done" {
				f.ever[o.ID] = true
			}
		}
		if res, err := pass(); err != nil || res.CircuitFailures != 0 {
			t.Fatalf("trial pass with Odoo back: %v, %d failures", err, res.CircuitFailures)
		}
		if res, err := pass(); err != nil || res.Skipped {
			t.Fatalf("pass after the circuit closed: %v", err)
		}
		f.check(t)

		logs, err := st.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: f.conn.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var statuses []string
		for i := len(logs) - 1; i >= 0; i-- {
			statuses = append(statuses, logs[i].Status)
		}
		want := []string{"ok", "failed", "failed", "failed", "failed", "skipped", "failed", "skipped", "ok", "ok"}
		if len(statuses) != len(want) {
			t.Fatalf("sync log statuses %v, want %v", statuses, want)
		}
		for i := range want {
			if statuses[i] != want[i] {
				t.Fatalf("sync log statuses %v, want %v", statuses, want)
			}
		}
	})
}
