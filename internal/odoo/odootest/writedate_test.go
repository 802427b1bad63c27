package odootest

import (
	"slices"
	"testing"
	"time"
)

func readWD(t *testing.T, s *Server, model string, id int64) string {
	t.Helper()
	r := rows(t, ok(t, kw(t, s, model, "read", []any{[]any{id}, []any{"write_date"}}, map[string]any{"context": map[string]any{"allowed_company_ids": []any{1, 2}}})))
	return r[0]["write_date"].(string)
}

func TestWriteDateMicrosecondSemantics(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 11})
	id, err := s.AddOrder(NewOrder{Lines: nil})
	if err != nil {
		t.Fatal(err)
	}
	stored := s.Orders()[0].WriteDate
	if stored.Nanosecond() == 0 || stored.Nanosecond()%1000 != 0 {
		t.Fatalf("stored write_date %v: want microseconds", stored)
	}
	shown := readWD(t, s, "sale.order", id)
	if shown != stored.Truncate(time.Second).Format(time.DateTime) {
		t.Fatalf("returned %s for stored %v: want truncated seconds", shown, stored)
	}
	has := func(d []any) bool { return slices.Contains(searchIDs(t, s, "sale.order", d, nil), id) }
	if has([]any{[]any{"write_date", "=", shown}}) {
		t.Error("'=' the returned second matched a row stored with microseconds")
	}
	if !has([]any{[]any{"write_date", ">", shown}}) {
		t.Error("'>' the returned second did not match the row shown as that second")
	}
	if !has([]any{[]any{"write_date", ">=", shown}}) {
		t.Error("'>=' the returned second did not match")
	}
	next := stored.Truncate(time.Second).Add(time.Second).Format(time.DateTime)
	if has([]any{[]any{"write_date", ">=", next}}) || !has([]any{[]any{"write_date", "<", next}}) {
		t.Error("the next second bounds the row wrongly")
	}
	// the exact stored value (with microseconds) does match '='
	if !has([]any{[]any{"write_date", "=", stored.Format("2006-01-02 15:04:05.999999")}}) {
		t.Error("'=' with the full stored value did not match")
	}
}

func TestMutations(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 5, Data: smallData()})
	var draft Order
	for _, o := range s.Orders() {
		if o.State == "draft" && o.CompanyID == 1 && len(o.LineIDs) > 0 {
			draft = o
			break
		}
	}
	if draft.ID == 0 {
		t.Fatal("no draft order generated")
	}
	s.Advance(time.Hour)
	if err := s.ConfirmOrder(draft.ID); err != nil {
		t.Fatal(err)
	}
	got := rows(t, ok(t, kw(t, s, "sale.order", "read", []any{[]any{draft.ID}, []any{"state", "write_date"}}, nil)))[0]
	if got["state"] != "sale" || got["write_date"] != s.Now().Format(time.DateTime) {
		t.Errorf("after confirm: %v (clock %v)", got, s.Now())
	}
	// the lines were stamped with the order (stored related state)
	lineWD := readWD(t, s, "sale.order.line", draft.LineIDs[0])
	if lineWD != got["write_date"] {
		t.Errorf("line write_date %s, order %s", lineWD, got["write_date"])
	}

	// EditLine without bumping the order: only the line moves
	s.Advance(time.Minute)
	before := readWD(t, s, "sale.order", draft.ID)
	if err := s.EditLine(draft.LineIDs[0], 42, false); err != nil {
		t.Fatal(err)
	}
	if readWD(t, s, "sale.order", draft.ID) != before {
		t.Error("EditLine(bumpOrder=false) moved the order's write_date")
	}
	if readWD(t, s, "sale.order.line", draft.LineIDs[0]) != s.Now().Format(time.DateTime) {
		t.Error("EditLine did not stamp the line")
	}
	s.Advance(time.Minute)
	if err := s.EditLine(draft.LineIDs[0], 43, true); err != nil {
		t.Fatal(err)
	}
	if readWD(t, s, "sale.order", draft.ID) != s.Now().Format(time.DateTime) {
		t.Error("EditLine(bumpOrder=true) did not stamp the order")
	}

	// Batch: many records share one write_date, microseconds included
	var ids []int64
	firstProduct := s.Products()[0].ID
	err := s.Batch(func(tx *Tx) error {
		for i := 0; i < 30; i++ {
			id, err := tx.AddOrder(NewOrder{State: "sale", Lines: []NewLine{{ProductID: firstProduct, Qty: 1}}})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wds := map[time.Time]int{}
	for _, o := range s.Orders() {
		if slices.Contains(ids, o.ID) {
			wds[o.WriteDate]++
		}
	}
	if len(wds) != 1 {
		t.Errorf("batch produced %d distinct write_dates", len(wds))
	}

	// CommitLate: rows appear with a write_date older than the clock
	var late int64
	if err := s.CommitLate(10*time.Minute, func(tx *Tx) error {
		var err error
		late, err = tx.AddOrder(NewOrder{State: "sale"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	wd, _ := time.Parse(time.DateTime, readWD(t, s, "sale.order", late))
	if !wd.Before(s.Now().Add(-9 * time.Minute)) {
		t.Errorf("late commit stamped %v, clock %v", wd, s.Now())
	}

	// DeleteLine: the line vanishes, the order is rewritten
	s.Advance(time.Minute)
	gone := draft.LineIDs[len(draft.LineIDs)-1]
	if err := s.Batch(func(tx *Tx) error { return tx.DeleteLine(gone) }); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "sale.order.line", []any{[]any{"id", "=", gone}}, nil); n != 0 {
		t.Error("deleted line still found")
	}
	o := rows(t, ok(t, kw(t, s, "sale.order", "read", []any{[]any{draft.ID}, []any{"order_line", "write_date"}}, nil)))[0]
	if len(o["order_line"].([]any)) != len(draft.LineIDs)-1 || o["write_date"] != s.Now().Format(time.DateTime) {
		t.Errorf("order after DeleteLine: %v", o)
	}

	// DeleteOrder: the order and its lines vanish
	if err := s.DeleteOrder(draft.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "sale.order", []any{[]any{"id", "=", draft.ID}}, nil); n != 0 {
		t.Error("deleted order still found")
	}
	if n := count(t, s, "sale.order.line", []any{[]any{"id", "in", []any{draft.LineIDs[0]}}}, nil); n != 0 {
		t.Error("deleted line still found")
	}
	if err := s.ConfirmOrder(draft.ID); err == nil {
		t.Error("confirming a deleted order succeeded")
	}
	if err := s.SetOrderState(ids[0], "done"); err == nil {
		t.Error("state done accepted on 17")
	}
}

// TestCursorOverSharedSecond pages through thousands of lines sharing one write_date with the cursor the
// shared notes prescribe (second as the unit, id within it) and with the textbook keyset domain; the
// first must see every row exactly once, the second re-reads rows.
func TestCursorOverSharedSecond(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 9})
	err := s.Batch(func(tx *Tx) error {
		for i := 0; i < 300; i++ {
			if _, err := tx.AddOrder(NewOrder{State: "sale", Lines: make([]NewLine, 8)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		t.Fatal("lines without product accepted")
	}
	prod, err := addProduct(s)
	if err != nil {
		t.Fatal(err)
	}
	lines := make([]NewLine, 8)
	for i := range lines {
		lines[i] = NewLine{ProductID: prod, Qty: 1}
	}
	if err := s.Batch(func(tx *Tx) error {
		for i := 0; i < 300; i++ {
			if _, err := tx.AddOrder(NewOrder{State: "sale", Lines: lines}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Advance(time.Second)
	if _, err := s.AddOrder(NewOrder{State: "sale", Lines: lines[:3]}); err != nil {
		t.Fatal(err)
	}
	total := len(s.Lines())
	page := func(domain []any, order string) []map[string]any {
		return rows(t, ok(t, kw(t, s, "sale.order.line", "search_read", []any{domain},
			map[string]any{"fields": []any{"write_date"}, "limit": 500, "order": order})))
	}
	// correct cursor
	seen := map[int64]int{}
	var c time.Time
	var last int64
	for calls := 0; calls < 100; calls++ {
		var rs []map[string]any
		if last > 0 {
			rs = page([]any{[]any{"write_date", ">=", c.Format(time.DateTime)}, []any{"write_date", "<", c.Add(time.Second).Format(time.DateTime)}, []any{"id", ">", last}}, "id")
			if len(rs) == 0 {
				c, last = c.Add(time.Second), 0
				continue
			}
		} else {
			rs = page([]any{[]any{"write_date", ">=", c.Format(time.DateTime)}}, "write_date asc, id asc")
			if len(rs) == 0 {
				break
			}
		}
		for _, r := range rs {
			id := num(t, r["id"])
			seen[id]++
			wd, _ := time.Parse(time.DateTime, r["write_date"].(string))
			if !wd.Equal(c) {
				c, last = wd, 0
			}
			last = id
		}
	}
	if len(seen) != total {
		t.Errorf("correct cursor saw %d of %d lines", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("line %d read %d times", id, n)
			break
		}
	}
	// textbook keyset: ['|', ('write_date','>',C), '&', ('write_date','=',C), ('id','>',LAST)] re-reads
	// the rows shown as C, because '>' C matches them (stored with microseconds)
	rs := page([]any{}, "write_date asc, id asc")
	lastRow := rs[len(rs)-1]
	c2 := lastRow["write_date"].(string)
	next := page([]any{"|", []any{"write_date", ">", c2}, "&", []any{"write_date", "=", c2}, []any{"id", ">", num(t, lastRow["id"])}}, "write_date asc, id asc")
	if num(t, next[0]["id"]) != num(t, rs[0]["id"]) {
		t.Errorf("textbook cursor did not restart from the shared second: first id %v", next[0]["id"])
	}
}

func addProduct(s *Server) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wd := s.stamp()
	p := &Product{ID: s.products.newID(), Name: "Tornillo", DefaultCode: "TOR-1", Type: "consu", IsStorable: true, Active: true, UoMID: 1, ListPrice: 1, CreateDate: wd, WriteDate: wd}
	s.products.add(p)
	return p.ID, nil
}
