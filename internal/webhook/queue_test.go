package webhook

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/store"
)

func TestQueueDelivers(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			// Rotation in progress: the sender signs with both, this receiver only knows the old secret.
			ep := newEndpoint(t, testSecretA, nil)
			ds := newMemDeliveries()
			ds.addConnection(1, ep.srv.URL+"/hook", testSecretB, testSecretA)
			base := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
			var ids []int64
			for i := range 30 {
				ids = append(ids, ds.add(1, int64(100+i), base.Add(time.Duration(i)*time.Second)))
			}
			q := b.open(t)(t, testQueueConfig(ds))
			if err := q.Enqueue(ctx, ids...); err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = q.Stop(context.Background()) })
			if err := ds.waitFor(ctx, func() bool { return ds.countState(store.DeliveryDelivered) == len(ids) }); err != nil {
				t.Fatalf("delivered %d of %d: %v", ds.countState(store.DeliveryDelivered), len(ids), err)
			}
			hits, bad := ep.snapshot()
			if bad != 0 || len(hits) != len(ids) {
				t.Fatalf("endpoint: %d hits, %d bad signatures; want %d, 0", len(hits), bad, len(ids))
			}
			for _, id := range ids {
				d := ds.get(id)
				if d.Attempts != 1 || !ep.wasDelivered(d.EventID) {
					t.Errorf("delivery %d: attempts %d, received %v", id, d.Attempts, ep.wasDelivered(d.EventID))
				}
				if a := ds.attemptsOf(id); len(a) != 1 || a[0].Status != http.StatusOK || a[0].Error != "" {
					t.Errorf("delivery %d attempts: %+v", id, a)
				}
			}
			for _, h := range hits {
				if err := ValidateOrderEvent(h.Body); err != nil {
					t.Errorf("received body does not validate: %v", err)
				}
			}
		})
	}
}
