package odootest

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestSetNowBackwardsStepsStamps(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 3})
	s.Advance(10 * time.Minute)
	ahead := s.Now()
	var before []time.Time
	for i := 0; i < 3; i++ {
		if _, err := s.AddOrder(NewOrder{}); err != nil {
			t.Fatal(err)
		}
		before = append(before, s.Orders()[i].WriteDate)
	}
	// within one epoch: unique and increasing even though the clock did not move
	for i := 1; i < len(before); i++ {
		if !before[i].After(before[i-1]) {
			t.Fatalf("stamps not increasing within an epoch: %v", before)
		}
	}
	if before[0].Before(ahead) || before[2].After(ahead.Add(time.Second)) {
		t.Fatalf("stamps %v not around the clock %v", before, ahead)
	}

	// NTP steps the clock back 5 minutes
	back := ahead.Add(-5 * time.Minute)
	s.SetNow(back)
	if !s.Now().Equal(back) {
		t.Fatalf("Now %v after SetNow(%v)", s.Now(), back)
	}
	id, err := s.AddOrder(NewOrder{})
	if err != nil {
		t.Fatal(err)
	}
	after := s.Orders()[len(s.Orders())-1].WriteDate
	if !after.Before(before[0]) {
		t.Errorf("row written after the backward step stamped %v, not before %v", after, before[0])
	}
	if after.Before(back) || after.After(back.Add(time.Second)) {
		t.Errorf("stamp %v not around the new clock %v", after, back)
	}
	if wd := readWD(t, s, "sale.order", id); wd != back.Format(time.DateTime) {
		t.Errorf("API shows %s, want %s", wd, back.Format(time.DateTime))
	}
	// the new epoch is monotonic again
	if err := s.ConfirmOrder(id); err != nil {
		t.Fatal(err)
	}
	if again := s.Orders()[len(s.Orders())-1].WriteDate; !again.After(after) || !again.Before(before[0]) {
		t.Errorf("second stamp of the new epoch %v (first %v)", again, after)
	}
	// the index follows: ordering by write_date puts the new rows first
	ids := searchIDs(t, s, "sale.order", []any{}, map[string]any{"order": "write_date asc, id asc"})
	if len(ids) != 4 || ids[0] != id {
		t.Errorf("order by write_date: %v, want %d first", ids, id)
	}
	// Advance keeps working from the stepped clock
	s.Advance(time.Minute)
	if !s.Now().Equal(back.Add(time.Minute)) {
		t.Errorf("Advance after SetNow: %v", s.Now())
	}
	// a forward SetNow keeps the epoch
	s.SetNow(back.Add(time.Hour))
	if !s.Now().Equal(back.Add(time.Hour)) {
		t.Errorf("forward SetNow: %v", s.Now())
	}
}

// TestDateHeaderIsFakeClock reads the Date header over every transport, on success, error and fault
// responses: it is the fake's clock, and follows a backward step.
func TestDateHeaderIsFakeClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC) // far from the real clock
	s := Start(t, Options{Version: "19", Now: start})
	jsonrpc := func() []byte {
		b, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
			"params": map[string]any{"service": "common", "method": "version", "args": []any{}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	xmlBody := xmlCallBody("version")
	type probe struct {
		name string
		do   func() http.Header
	}
	probes := []probe{
		{"JSON-RPC", func() http.Header {
			_, h, _ := post(t, s.URL()+"/jsonrpc", "application/json", jsonrpc(), nil)
			return h
		}},
		{"JSON-RPC invalid JSON", func() http.Header {
			_, h, _ := post(t, s.URL()+"/jsonrpc", "application/json", []byte("{"), nil)
			return h
		}},
		{"XML-RPC", func() http.Header { _, h, _ := post(t, s.URL()+"/xmlrpc/2/common", "text/xml", xmlBody, nil); return h }},
		{"JSON-2", func() http.Header { _, h, _ := json2(t, s, "res.partner/search", `{}`, nil); return h }},
		{"JSON-2 401", func() http.Header {
			_, h, _ := json2(t, s, "res.partner/search", `{}`, map[string]string{"Authorization": "bearer nope"})
			return h
		}},
		{"web/version", func() http.Header {
			resp, err := http.Get(s.URL() + "/web/version")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.Header
		}},
		{"404", func() http.Header { _, h, _ := post(t, s.URL()+"/nowhere", "text/plain", nil, nil); return h }},
		{"fault 503", func() http.Header {
			s.InjectFault(Fault{Kind: HTTP503, Count: 1, RetryAfter: time.Second})
			status, h, _ := post(t, s.URL()+"/jsonrpc", "application/json", jsonrpc(), nil)
			if status != http.StatusServiceUnavailable {
				t.Errorf("fault not hit: %d", status)
			}
			return h
		}},
		{"fault NonJSON", func() http.Header {
			s.InjectFault(Fault{Kind: NonJSON, Count: 1})
			_, h, _ := post(t, s.URL()+"/xmlrpc/2/common", "text/xml", xmlBody, nil)
			return h
		}},
	}
	check := func(want time.Time) {
		t.Helper()
		for _, p := range probes {
			got, err := http.ParseTime(p.do().Get("Date"))
			if err != nil || !got.Equal(want.Truncate(time.Second)) {
				t.Errorf("%s: Date %v (%v), want the fake clock %v", p.name, got, err, want)
			}
		}
	}
	check(start)
	s.Advance(90 * time.Second)
	check(start.Add(90 * time.Second))
	s.SetNow(start.Add(-time.Hour))
	check(start.Add(-time.Hour))
}

func TestStartTxCommitsWithStartWriteDate(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Seed: 4})
	existing, err := s.AddOrder(NewOrder{})
	if err != nil {
		t.Fatal(err)
	}
	s.Advance(time.Minute)
	lt := s.StartTx()
	started := s.Now()
	if wd := lt.WriteDate(); wd.Before(started) || wd.After(started.Add(time.Second)) || wd.Nanosecond() == 0 || wd.Nanosecond()%1000 != 0 {
		t.Fatalf("LateTx write_date %v: want the clock %v with microseconds", wd, started)
	}
	s.Advance(5 * time.Minute)
	other, err := s.AddOrder(NewOrder{}) // a short transaction commits meanwhile
	if err != nil {
		t.Fatal(err)
	}
	read := func() map[int64]map[string]any {
		t.Helper()
		out := map[int64]map[string]any{}
		for _, r := range rows(t, ok(t, kw(t, s, "sale.order", "search_read", []any{[]any{}},
			map[string]any{"fields": []any{"state", "write_date"}, "order": "write_date asc, id asc"}))) {
			out[num(t, r["id"])] = r
		}
		return out
	}
	var added int64
	commit := func(tx *Tx) error {
		if err := tx.ConfirmOrder(existing); err != nil {
			return err
		}
		var err error
		added, err = tx.AddOrder(NewOrder{})
		return err
	}
	// open: nothing of it is visible
	before := read()
	if len(before) != 2 || before[existing]["state"] != "draft" {
		t.Fatalf("uncommitted changes visible: %v", before)
	}
	if err := lt.Commit(commit); err != nil {
		t.Fatal(err)
	}
	after := read()
	startSecond := started.Format(time.DateTime)
	if len(after) != 3 || after[existing]["state"] != "sale" {
		t.Fatalf("committed changes not visible: %v", after)
	}
	for _, id := range []int64{existing, added} {
		if after[id]["write_date"] != startSecond {
			t.Errorf("order %d: write_date %v, want the start %s", id, after[id]["write_date"], startSecond)
		}
	}
	if after[other]["write_date"].(string) <= startSecond {
		t.Errorf("the short transaction %v is not after the late one %s", after[other]["write_date"], startSecond)
	}
	// a cursor already past the short transaction misses the late rows
	if n := count(t, s, "sale.order", []any{[]any{"write_date", ">=", after[other]["write_date"]}}, nil); n != 1 {
		t.Errorf("rows at or after the short transaction: %d", n)
	}
	if err := lt.Commit(commit); !errors.Is(err, ErrTxDone) {
		t.Errorf("second Commit: %v", err)
	}
}
