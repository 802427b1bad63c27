package odootest

import (
	"context"
	"reflect"
	"sync"
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

// TestRunActivityWithConcurrentReads runs the steady stream of writes while clients read over HTTP
// (meaningful under -race): the clock moves by step per event and every read stays well-formed.
func TestRunActivityWithConcurrentReads(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 9, Data: smallData()})
	start := s.Now()
	orders0 := len(s.Orders())
	ctx, cancel := context.WithCancel(context.Background())
	done := s.RunActivity(ctx, 2*time.Millisecond, time.Minute)
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 15; i++ {
				env := kw(t, s, "sale.order", "search_read", []any{[]any{[]any{"write_date", ">=", start.Format(time.DateTime)}}},
					map[string]any{"fields": []any{"write_date", "state"}, "order": "write_date asc, id asc"})
				if _, bad := env["error"]; bad {
					t.Error(env["error"])
					return
				}
			}
		}()
	}
	wg.Wait()
	time.Sleep(20 * time.Millisecond) // at least a few ticks even on a fast machine
	cancel()
	st, open := <-done
	if !open {
		t.Fatal("no stats sent")
	}
	if _, open := <-done; open {
		t.Error("channel not closed after the stats")
	}
	if st.Err != nil || st.Events == 0 || st.NewOrders+st.Confirmed+st.Cancelled+st.Delivered+st.Edited+st.MassConfirmed == 0 {
		t.Fatalf("stats %+v", st)
	}
	if !s.Now().Equal(start.Add(time.Duration(st.Events) * time.Minute)) {
		t.Errorf("clock %v after %d events of a minute from %v", s.Now(), st.Events, start)
	}
	if len(s.Orders()) != orders0+st.NewOrders {
		t.Errorf("%d orders, want %d + %d", len(s.Orders()), orders0, st.NewOrders)
	}
}

func TestRunActivityStopsWhenServerCloses(t *testing.T) {
	t.Parallel()
	s, err := NewServer(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	done := s.RunActivity(context.Background(), time.Millisecond, time.Second)
	s.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunActivity still running after Close")
	}
}
