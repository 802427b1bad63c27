package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func init() { extra = append(extra, namedTest{"OdooCircuit", testOdooCircuit}) }

// testOdooCircuit walks a connection's Odoo circuit through its states: failures counted to the threshold,
// open, one trial claimed by one caller only, reopened by a failed trial, closed by a success.
func testOdooCircuit(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	s := newStore(t)
	conn, err := s.ConnectionInsert(ctx, sampleConnection("acme"))
	if err != nil {
		t.Fatal(err)
	}
	if conn.OdooCircuitState != store.CircuitClosed || conn.OdooCircuitFailures != 0 || conn.OdooCircuitUntil != nil {
		t.Fatalf("new connection's Odoo circuit: %s, %d, %v", conn.OdooCircuitState, conn.OdooCircuitFailures, conn.OdooCircuitUntil)
	}
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cooldown := 2 * time.Minute
	record := func(at time.Time, ok, unavailable bool) *store.Connection {
		t.Helper()
		c, err := s.ConnectionOdooCircuitRecord(ctx, &store.ConnectionOdooCircuitRecordParams{ID: conn.ID, OK: ok,
			Unavailable: unavailable, Threshold: 3, Now: at, Until: at.Add(cooldown)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want := func(c *store.Connection, state string, failures int, until time.Time) {
		t.Helper()
		if c.OdooCircuitState != state || c.OdooCircuitFailures != failures || (c.OdooCircuitUntil == nil) != until.IsZero() ||
			(c.OdooCircuitUntil != nil && !c.OdooCircuitUntil.Equal(until)) {
			t.Fatalf("Odoo circuit = %s, %d failures, until %v; want %s, %d, %v", c.OdooCircuitState, c.OdooCircuitFailures,
				c.OdooCircuitUntil, state, failures, until)
		}
	}
	trial := func(at time.Time) bool {
		t.Helper()
		ok, err := s.ConnectionOdooCircuitTrial(ctx, conn.ID, at, at.Add(cooldown))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	want(record(t0, false, true), store.CircuitClosed, 1, time.Time{})
	want(record(t0, false, false), store.CircuitClosed, 1, time.Time{}) // not Odoo's fault: not counted
	// Two processes failing at once count two failures: the third opens the circuit.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { record(t0.Add(time.Second), false, true) })
	}
	wg.Wait()
	c, err := s.ConnectionGet(ctx, conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	want(c, store.CircuitOpen, 3, t0.Add(time.Second+cooldown))
	if trial(t0.Add(time.Minute)) {
		t.Fatal("trial claimed before the cooldown ended")
	}
	t1 := t0.Add(time.Second + cooldown)
	if !trial(t1) || trial(t1) {
		t.Fatal("the trial must be claimed once, by one caller")
	}
	c, _ = s.ConnectionGet(ctx, conn.ID)
	want(c, store.CircuitHalfOpen, 3, t1.Add(cooldown))
	// The trial failed: open for another cooldown.
	t2 := t1.Add(10 * time.Second)
	want(record(t2, false, true), store.CircuitOpen, 4, t2.Add(cooldown))
	// A trial whose process died is claimed again once its lease is over.
	t3 := t2.Add(cooldown)
	if !trial(t3) || !trial(t3.Add(cooldown)) {
		t.Fatal("an abandoned trial is not claimed again after its lease")
	}
	// A trial that fails for another reason hands the trial on at once.
	t4 := t3.Add(cooldown + time.Second)
	want(record(t4, false, false), store.CircuitOpen, 4, t4)
	if !trial(t4) {
		t.Fatal("the trial handed on is not claimable")
	}
	want(record(t4.Add(time.Second), true, false), store.CircuitClosed, 0, time.Time{})
	if trial(t4.Add(time.Hour)) {
		t.Fatal("a trial claimed on a closed circuit")
	}
	// connections reset-circuit --odoo
	record(t4, false, true)
	record(t4, false, true)
	record(t4, false, true)
	c, err = s.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: conn.ID, OdooCircuitClose: true})
	if err != nil {
		t.Fatal(err)
	}
	want(c, store.CircuitClosed, 0, time.Time{})
}
