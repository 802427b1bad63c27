package odootest

import (
	"reflect"
	"testing"
	"time"
)

func TestSimulateActivity(t *testing.T) {
	t.Parallel()
	run := func() (*Server, ActivityStats) {
		s, err := newServer(Options{Seed: 8, Data: smallData()})
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.SimulateActivity(300, 7*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return s, st
	}
	a, st := run()
	b, st2 := run()
	if st != st2 || !reflect.DeepEqual(a.Orders(), b.Orders()) || !reflect.DeepEqual(a.Quants(), b.Quants()) {
		t.Error("activity not deterministic")
	}
	if got := a.Count("sale.order"); got != len(a.Orders()) || a.Count("nope") != 0 {
		t.Errorf("Count: %d", got)
	}
	if st.NewOrders == 0 || st.Confirmed == 0 || st.Delivered == 0 || st.Cancelled == 0 {
		t.Errorf("stats %+v", st)
	}
	if !a.Now().Equal(DefaultNow.Add(300 * 7 * time.Minute)) {
		t.Errorf("clock %v", a.Now())
	}
	// every change is stamped after the generated history and not after the clock
	var changed int
	for _, o := range a.Orders() {
		if o.WriteDate.After(DefaultNow) {
			changed++
			if o.WriteDate.After(a.Now().Add(time.Second)) {
				t.Errorf("order %d stamped %v after the clock %v", o.ID, o.WriteDate, a.Now())
			}
		}
	}
	if changed == 0 {
		t.Error("no order changed")
	}
}

func TestZeroLimitMeansNoLimit(t *testing.T) {
	t.Parallel()
	s := sharedServer(t)
	all := count(t, s, "res.partner", []any{}, nil)
	got := searchIDs(t, s, "res.partner", []any{}, map[string]any{"limit": 0})
	if int64(len(got)) != all {
		t.Errorf("limit 0 returned %d of %d", len(got), all)
	}
}

func TestMultiDBNeedsHeader(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Version: "19", MultiDB: true})
	if status, _, _ := json2(t, s, "res.partner/search", `{}`, map[string]string{"X-Odoo-Database": ""}); status != 404 {
		t.Errorf("missing header on a multi-database host: %d", status)
	}
	if status, _, _ := json2(t, s, "res.partner/search", `{}`, nil); status != 200 {
		t.Errorf("with header: %d", status)
	}
}
