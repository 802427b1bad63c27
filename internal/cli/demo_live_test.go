package cli

import (
	"context"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

// TestDemoFakeOdooStaysLive: while the demo serves, its fake Odoo's clock follows the real one (a sync later
// must not see a clock that went back) and it keeps doing business for 'sync' to find.
func TestDemoFakeOdooStaysLive(t *testing.T) {
	t.Parallel()
	start := time.Now().UTC().Truncate(time.Second)
	srv, err := odootest.NewServer(odootest.Options{Version: "17", Seed: 5, Now: start.Add(-time.Minute),
		Data: &odootest.GenerateOptions{Years: 1, SKUs: 8}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	newest := func() time.Time {
		var n time.Time
		for _, o := range srv.Orders() {
			if o.WriteDate.After(n) {
				n = o.WriteDate
			}
		}
		for _, l := range srv.Lines() {
			if l.WriteDate.After(n) {
				n = l.WriteDate
			}
		}
		return n
	}
	before := newest()
	ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	defer cancel()
	keepFakeOdooLive(ctx, srv, time.Now, time.Second)
	if lag := time.Since(srv.Now()); lag < 0 || lag > 2*time.Second {
		t.Errorf("the fake Odoo's clock is %v behind the real one, want within 2s", lag)
	}
	if after := newest(); !after.After(before) || after.Before(start) {
		t.Errorf("no business while serving: newest write %v, before %v", after, before)
	}
}
