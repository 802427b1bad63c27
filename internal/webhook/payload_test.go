package webhook

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestEventType(t *testing.T) {
	t.Parallel()
	cases := []struct {
		prev      string
		prevKnown bool
		next      string
		want      string
		ok        bool
	}{
		{"", false, "sale", EventOrderConfirmed, true},
		{"", false, "done", EventOrderConfirmed, true},
		{"", false, "draft", "", false},
		{"", false, "cancel", "", false},
		{"draft", true, "sale", EventOrderConfirmed, true},
		{"sent", true, "sale", EventOrderConfirmed, true},
		{"cancel", true, "sale", EventOrderConfirmed, true},
		{"sale", true, "sale", EventOrderUpdated, true},
		{"sale", true, "done", EventOrderUpdated, true},
		{"done", true, "sale", EventOrderUpdated, true},
		{"sale", true, "cancel", EventOrderCancelled, true},
		{"done", true, "cancel", EventOrderCancelled, true},
		{"sale", true, "draft", EventOrderCancelled, true},
		{"sale", true, "sent", EventOrderCancelled, true},
		{"draft", true, "sent", "", false},
		{"cancel", true, "cancel", "", false},
		{"draft", true, "cancel", "", false},
		// prevState is ignored when the order was not known before.
		{"sale", false, "cancel", "", false},
	}
	for _, c := range cases {
		got, ok := EventType(c.prev, c.prevKnown, c.next)
		if got != c.want || ok != c.ok {
			t.Errorf("EventType(%q, %v, %q) = %q, %v; want %q, %v", c.prev, c.prevKnown, c.next, got, ok, c.want, c.ok)
		}
	}
}

// testDatabase is the Odoo database identity (odoo.DatabaseIdentity.Key) of the tests' events.
const testDatabase = "uuid:0b4f2c6e-1d2a-11f0-9c3b-0242ac120002"

func TestEventIDDeterministicAndDistinct(t *testing.T) {
	t.Parallel()
	wd := time.Date(2026, 3, 4, 10, 11, 12, 0, time.UTC)
	content := sha256.Sum256([]byte("state"))
	const db = "uuid:3c1e"
	id := EventID(db, 42, wd, content)
	if !strings.HasPrefix(id, "evt_") || len(id) != 4+32 {
		t.Fatalf("EventID = %q; want evt_ + 32 hex chars", id)
	}
	if strings.Trim(id[4:], "0123456789abcdef") != "" {
		t.Fatalf("EventID = %q; want lowercase hex after evt_", id)
	}
	// Same change seen through another time zone is the same event.
	if got := EventID(db, 42, wd.In(time.FixedZone("CET", 3600)), content); got != id {
		t.Errorf("EventID differs by time zone: %q vs %q", got, id)
	}
	seen := map[string]string{id: "base"}
	for name, other := range map[string]string{
		"database":   EventID("uuid:3c1f", 42, wd, content),
		"url":        EventID("url:acme.odoo.com\x00db:acme", 42, wd, content),
		"order":      EventID(db, 43, wd, content),
		"write_date": EventID(db, 42, wd.Add(time.Second), content),
		"content":    EventID(db, 42, wd, sha256.Sum256([]byte("other state"))),
	} {
		if prev, dup := seen[other]; dup {
			t.Errorf("EventID for changed %s collides with %s", name, prev)
		}
		seen[other] = name
	}
}

// TestEventIDFollowsOrderState: two different states of an order within one second (Odoo's write_date
// precision) are two events; the same state computed again (a re-sync, a restart, another process) is one.
func TestEventIDFollowsOrderState(t *testing.T) {
	t.Parallel()
	build := func(typ string, o OrderInput, conn Ref) OrderEvent {
		t.Helper()
		ev, err := NewOrderEvent(OrderEventParams{Type: typ, Database: testDatabase, Connection: conn, Order: o})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	conn := Ref{ID: 3, Name: "Odoo producción"}
	base := build(EventOrderUpdated, sampleOrder(), conn)

	// Recomputing the same state: same id, whatever else varies between two computations.
	again := sampleOrder()
	again.WriteDate = again.WriteDate.In(time.FixedZone("CET", 3600))
	again.Lines = []LineInput{again.Lines[1], again.Lines[0]} // listed in another order
	again.Lines[0].Discount = 20.000000000000000001           // the same float64, written differently
	neg := sampleOrder()
	neg.Lines[0].QtyDelivered = math.Copysign(0, -1) // -0 is 0
	for name, ev := range map[string]OrderEvent{
		"rebuilt":                   build(EventOrderUpdated, sampleOrder(), conn),
		"other zone and line order": build(EventOrderUpdated, again, conn),
		"negative zero":             build(EventOrderUpdated, neg, conn),
		"renamed connection":        build(EventOrderUpdated, sampleOrder(), Ref{ID: 3, Name: "renamed"}),
		// The id derives from the Odoo database, not from the connection: a re-created connection, or another
		// installation's, gives the same id for the same change.
		"another connection": build(EventOrderUpdated, sampleOrder(), Ref{ID: 17, Name: "Odoo producción"}),
	} {
		if ev.ID != base.ID {
			t.Errorf("%s: id %s, want the same state's %s", name, ev.ID, base.ID)
		}
	}

	// A different state with the same (second-precision) write_date: a new id each.
	qty := sampleOrder()
	qty.Lines[0].Quantity = 11
	delivered := sampleOrder()
	delivered.Lines[1].QtyDelivered = 4
	added := sampleOrder()
	added.Lines = append(added.Lines, LineInput{ID: 9003, SKU: "X", ProductID: 503, ProductName: "X", Quantity: 1, UoM: "Units"})
	removed := sampleOrder()
	removed.Lines = removed.Lines[:1]
	state := sampleOrder()
	state.State = "done"
	ref := sampleOrder()
	ref.ClientOrderRef = "PO-2026-119"
	subSecond := sampleOrder()
	subSecond.WriteDate = subSecond.WriteDate.Add(300 * time.Millisecond) // same second as Odoo shows it
	seen := map[string]string{base.ID: "base"}
	for name, o := range map[string]OrderInput{"quantity": qty, "delivered": delivered, "line added": added,
		"line removed": removed, "state": state, "client ref": ref} {
		ev := build(EventOrderUpdated, o, conn)
		if prev, dup := seen[ev.ID]; dup {
			t.Errorf("changed %s: id %s collides with %s", name, ev.ID, prev)
		}
		seen[ev.ID] = name
	}
	if ev := build(EventOrderUpdated, subSecond, conn); ev.ID == base.ID {
		t.Errorf("a write_date that differs below the second gave the same id")
	}

	// The id can be checked against a stored body: decoding data.order and hashing it gives the same content.
	var decoded Event
	if err := json.Unmarshal(base.Body, &decoded); err != nil {
		t.Fatal(err)
	}
	content, err := OrderContentHash(decoded.Data.Order)
	if err != nil {
		t.Fatal(err)
	}
	if got := EventID(testDatabase, decoded.Data.Order.ID, base.WriteDate, content); got != base.ID {
		t.Errorf("id recomputed from the body = %s, want %s", got, base.ID)
	}
}

func sampleOrder() OrderInput {
	commit := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	return OrderInput{
		ID:             1234,
		Name:           "S01234",
		State:          "sale",
		DateOrder:      time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC),
		WriteDate:      time.Date(2026, 3, 4, 10, 11, 12, 0, time.UTC),
		Customer:       &Ref{ID: 77, Name: "Hospital San Juan"},
		Company:        &Ref{ID: 1, Name: "Textiles del Sur S.L."},
		Currency:       "EUR",
		AmountUntaxed:  250,
		AmountTax:      52.5,
		AmountTotal:    302.5,
		ClientOrderRef: "PO-2026-118",
		CommitmentDate: &commit,
		Warehouse:      &Ref{ID: 1, Name: "WH"},
		Lines: []LineInput{
			{ID: 9001, SKU: "SAB-120", ProductID: 501, ProductName: "Sábana 120x200", Quantity: 10, UoM: "Units",
				QtyDelivered: 0, PriceUnit: 20, Discount: 0, Subtotal: 200, Total: 242},
			{ID: 9002, ProductID: 502, ProductName: "Funda almohada", Quantity: 5, UoM: "Units",
				QtyDelivered: 5, PriceUnit: 12.5, Discount: 20, Subtotal: 50, Total: 60.5},
		},
	}
}

func TestNewOrderEventValidatesAndIsStable(t *testing.T) {
	t.Parallel()
	p := OrderEventParams{Type: EventOrderConfirmed, Database: testDatabase, Connection: Ref{ID: 3, Name: "Odoo producción"}, Order: sampleOrder()}
	ev, err := NewOrderEvent(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateOrderEvent(ev.Body); err != nil {
		t.Fatalf("generated event does not validate: %v\n%s", err, ev.Body)
	}
	var dec Event
	if err := json.Unmarshal(ev.Body, &dec); err != nil {
		t.Fatal(err)
	}
	content, err := OrderContentHash(dec.Data.Order)
	if err != nil {
		t.Fatal(err)
	}
	if want := EventID(testDatabase, 1234, p.Order.WriteDate, content); ev.ID != want {
		t.Errorf("ID = %q, want %q", ev.ID, want)
	}
	again, err := NewOrderEvent(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ev.Body, again.Body) {
		t.Errorf("building the same change twice gave different bodies")
	}

	var decoded Event
	if err := json.Unmarshal(ev.Body, &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded.Data.SchemaVersion != SchemaVersion || decoded.Timestamp != "2026-03-04T10:11:12Z" ||
		decoded.Data.Order.Lines[1].SKU != nil || *decoded.Data.Order.Lines[0].SKU != "SAB-120" {
		t.Errorf("unexpected decoded event: %+v", decoded)
	}

	// Every type, and an order with no optional references, no lines and a non-UTC zone, validates too.
	bare := OrderInput{ID: 5, Name: "S00005", State: "cancel", Currency: "USD",
		DateOrder: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", -5*3600)), WriteDate: time.Now()}
	for _, typ := range []string{EventOrderConfirmed, EventOrderUpdated, EventOrderCancelled} {
		ev, err := NewOrderEvent(OrderEventParams{Type: typ, Database: testDatabase, Connection: Ref{ID: 1, Name: "c"}, Order: bare})
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateOrderEvent(ev.Body); err != nil {
			t.Errorf("%s: %v\n%s", typ, err, ev.Body)
		}
	}

	golden := filepath.Join("testdata", "order_confirmed.json")
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, ev.Body, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("payload changed from the documented example %s (a contract change? bump the schema version or run -update):\n%s", golden, pretty.Bytes())
	}
}

func TestNewOrderEventRejectsBadInput(t *testing.T) {
	t.Parallel()
	o := sampleOrder()
	if _, err := NewOrderEvent(OrderEventParams{Type: "order.created", Database: testDatabase, Connection: Ref{ID: 1}, Order: o}); err == nil {
		t.Error("unknown type accepted")
	}
	if _, err := NewOrderEvent(OrderEventParams{Type: EventOrderUpdated, Connection: Ref{ID: 1}, Order: o}); err == nil {
		t.Error("missing Odoo database accepted")
	}
	o.WriteDate = time.Time{}
	if _, err := NewOrderEvent(OrderEventParams{Type: EventOrderUpdated, Database: testDatabase, Connection: Ref{ID: 1}, Order: o}); err == nil {
		t.Error("missing write_date accepted")
	}
}

// TestSchemaRejectsBrokenPayloads mutates a valid event in ways a consumer would be hurt by; each must fail.
func TestSchemaRejectsBrokenPayloads(t *testing.T) {
	t.Parallel()
	ev, err := NewOrderEvent(OrderEventParams{Type: EventOrderUpdated, Database: testDatabase, Connection: Ref{ID: 3, Name: "c"}, Order: sampleOrder()})
	if err != nil {
		t.Fatal(err)
	}
	mutations := map[string]func(m map[string]any){
		"unknown type":        func(m map[string]any) { m["type"] = "order.created" },
		"missing data":        func(m map[string]any) { delete(m, "data") },
		"schema version 2":    func(m map[string]any) { data(m)["schema_version"] = 2 },
		"non-UTC write_date":  func(m map[string]any) { order(m)["write_date"] = "2026-03-04T11:11:12+01:00" },
		"date without time":   func(m map[string]any) { order(m)["date_order"] = "2026-03-04" },
		"amount as string":    func(m map[string]any) { order(m)["amounts"].(map[string]any)["total"] = "302.50" },
		"lowercase currency":  func(m map[string]any) { order(m)["currency"] = "eur" },
		"unknown state":       func(m map[string]any) { order(m)["state"] = "confirmed" },
		"line without sku":    func(m map[string]any) { delete(line(m), "sku") },
		"line extra property": func(m map[string]any) { line(m)["odoo_field"] = 1 },
		"discount over 100":   func(m map[string]any) { line(m)["discount"] = 150 },
		"customer no name":    func(m map[string]any) { delete(order(m)["customer"].(map[string]any), "name") },
		"connection id zero":  func(m map[string]any) { data(m)["connection"].(map[string]any)["id"] = 0 },
	}
	for name, mutate := range mutations {
		var m map[string]any
		if err := json.Unmarshal(ev.Body, &m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		b, _ := json.Marshal(m)
		if err := ValidateOrderEvent(b); err == nil {
			t.Errorf("%s: broken payload validated", name)
		}
	}
	// Fixtures in testdata/invalid/ are kept as examples of what the schema refuses.
	files, _ := filepath.Glob(filepath.Join("testdata", "invalid", "*.json"))
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata/invalid")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateOrderEvent(b); err == nil {
			t.Errorf("%s validated", f)
		}
	}
	if err := ValidateOrderEvent([]byte("{")); err == nil {
		t.Error("non-JSON validated")
	}
}

func data(m map[string]any) map[string]any  { return m["data"].(map[string]any) }
func order(m map[string]any) map[string]any { return data(m)["order"].(map[string]any) }
func line(m map[string]any) map[string]any {
	return order(m)["lines"].([]any)[0].(map[string]any)
}
