package cli

import (
	"context"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

// TestCrashLoop runs sync and delivery, as `serve` and as one-pass `sync` processes, against a fake Odoo with
// three years of history (5,500 orders) and business going on, and a receiver that fails some requests; each process is
// SIGKILLed at a seeded random moment and another started, over and over (the first sync of the history too).
// Once the business and the kills stop, a last serve must bring the store to the fake's ground truth, field by
// field, and deliver every event: each accepted by the receiver, one state never under two webhook-ids, every
// change after the baseline with its event. The reduced form kills 2 x 18 processes; -tags soak, 2 x 150.
func TestCrashLoop(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			crashLoop(t, engine)
		})
	}
}

func crashLoop(t *testing.T, engine string) {
	seed := faultSeed(t)
	kills := 15
	if soak {
		kills = 147
	}
	start := time.Now()
	ce := newCrashEnvOn(t, engine, odootest.Options{Version: "17", Seed: seed, Data: &odootest.GenerateOptions{Years: 3, SKUs: 150}})
	if engine == "postgres" {
		ce.dbPath = "" // every read goes through ce.store
	}
	rec := newRecorder(t, seed, 0.1, 300*time.Millisecond) // deliveries in flight at most kills
	connID := ce.addConnection(t, rec)
	k := &killer{ce: ce, rng: seeded(seed, 1), min: 50 * time.Millisecond, max: 1500 * time.Millisecond}
	pick := seeded(seed, 3)
	// Small pages and a slightly slow Odoo: a pass is many short transactions, and a kill lands inside one.
	ce.env["SALESENGINE_SYNC_PAGE_SIZE"] = "100"
	ce.env["SALESENGINE_WEBHOOK_TIMEOUT"] = "2s"
	ce.env["SALESENGINE_WEBHOOK_RESCUE_AFTER"] = "7s"
	// The baseline: the first sync of the history (slower: about 5 s), killed three times, then let finish.
	ce.srv.InjectFault(odootest.Fault{Kind: odootest.Slow, Delay: 20 * time.Millisecond})
	for range 3 {
		k.run(t, nil, "sync", "--no-deliver")
	}
	ce.cli(t, "sync", "--no-deliver")
	ce.srv.ClearFaults()
	ce.srv.InjectFault(odootest.Fault{Kind: odootest.Slow, Delay: 2 * time.Millisecond})
	base := orderVersions(ce.srv)
	baselineKills := k.kills

	// Business goes on (the fake's clock runs 100 times faster than the wall's), and processes die.
	ctx, stopBusiness := context.WithCancel(context.Background())
	defer stopBusiness()
	business := ce.srv.RunActivity(ctx, 30*time.Millisecond, 3*time.Second)
	serveEnv := map[string]string{"SALESENGINE_SCHEDULE": "off", "SALESENGINE_FULL_SYNC_SCHEDULE": "off",
		"SALESENGINE_SHUTDOWN_TIMEOUT": "3s"}
	serves, syncs := 0, 0
	for k.kills < baselineKills+kills {
		if pick.Float64() < 0.75 {
			serves++
			k.run(t, serveEnv, "serve", "--addr", freeAddr(t))
		} else {
			syncs++
			k.run(t, nil, "sync", "--deliver-wait", "3s")
		}
	}
	stopBusiness()
	stats := <-business
	if stats.Err != nil {
		t.Fatalf("business: %v", stats.Err)
	}

	// The faults stop: a last serve catches up.
	ce.srv.ClearFaults()
	rec.setFailRate(0)
	fig, took := ce.finish(t, ce.startServe(t, nil), connID, rec, base, 3*time.Minute)
	if diffs, _ := ce.converged(t, connID); len(diffs) > 0 {
		t.Errorf("after the stop: %v", diffs)
	}
	t.Logf("figures: %d kills (%d in the first sync; %d serve and %d sync processes after it, %d of which finished first), "+
		"business: %d events (%d orders, %d confirmed), %s; converged %v after the last kill; %v in all",
		k.kills, baselineKills, serves, syncs, k.exits, stats.Events, stats.NewOrders, stats.Confirmed+stats.MassConfirmed, fig,
		took.Round(time.Second), time.Since(start).Round(time.Second))
}
