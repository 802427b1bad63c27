package odootest

import (
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
