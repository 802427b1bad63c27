package odoo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo/odootest"
)

// Integration tests against the fake Odoo (odootest), table-driven over versions × transports.

const (
	fakePassword = "pw-Qx7-unusual-password"
	fakeAPIKey   = "key-77c1a9e0-unusual-api-key"
)

var fakeVersions = []string{"16", "17", "18", "19", "saas~17"}

type combo struct {
	version  string
	protocol Protocol
	secret   string
}

func (c combo) String() string { return c.version + "/" + string(c.protocol) }

// combos lists every version × transport the fake serves: JSON-2 only where the server has it.
func combos() []combo {
	var out []combo
	for _, v := range fakeVersions {
		out = append(out, combo{v, ProtocolJSONRPC, fakePassword}, combo{v, ProtocolXMLRPC, fakeAPIKey},
			combo{v, ProtocolAuto, fakeAPIKey})
		if v == "19" {
			out = append(out, combo{v, ProtocolJSON2, fakeAPIKey})
		}
	}
	return out
}

func smallData() *odootest.GenerateOptions {
	return &odootest.GenerateOptions{Years: 1, SKUs: 12, LinesPerMonth: 40, Customers: 8, ImportedMonths: 3}
}

// logBuffer is a goroutine-safe log sink for the secret grep.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type fakeEnv struct {
	srv  *odootest.Server
	c    *Client
	logs *logBuffer
}

func startFake(t *testing.T, cb combo, data *odootest.GenerateOptions, mod func(*Config)) fakeEnv {
	t.Helper()
	srv := odootest.Start(t, odootest.Options{Version: cb.version, Seed: 42, Data: data,
		Password: fakePassword, APIKey: fakeAPIKey})
	logs := &logBuffer{}
	cfg := Config{URL: srv.URL(), Database: srv.Database(), Username: "admin", Secret: cb.secret, Protocol: cb.protocol,
		Timeout: 5 * time.Second, RetryBaseDelay: time.Millisecond, RetryMaxDelay: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range []string{fakePassword, fakeAPIKey} {
			if strings.Contains(logs.String(), s) {
				t.Errorf("secret found in logs")
			}
		}
	})
	return fakeEnv{srv: srv, c: c, logs: logs}
}

func assertNoFakeSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{fakePassword, fakeAPIKey} {
		if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), s) {
			t.Errorf("secret in error: %v", err)
		}
	}
}

func TestFakeLoginEveryVersionAndTransport(t *testing.T) {
	t.Parallel()
	for _, cb := range combos() {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			e := startFake(t, cb, nil, nil)
			s, err := e.c.Login(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			wantMajor := 0
			fmt.Sscanf(strings.TrimPrefix(cb.version, "saas~"), "%d", &wantMajor)
			if s.Version.Major != wantMajor || s.Version.SaaS != strings.HasPrefix(cb.version, "saas") {
				t.Errorf("version = %+v, want %s", s.Version, cb.version)
			}
			if e.c.Version() != s.Version {
				t.Errorf("Version() = %v, session %v", e.c.Version(), s.Version)
			}
			want := cb.protocol
			if want == ProtocolAuto {
				want = ProtocolJSONRPC
				if wantMajor >= 19 {
					want = ProtocolJSON2
				}
			}
			if s.Protocol != want {
				t.Errorf("protocol = %s, want %s", s.Protocol, want)
			}
			if s.UID != odootest.AdminUID {
				t.Errorf("uid = %d", s.UID)
			}
			var admin odootest.User
			for _, u := range e.srv.Users() {
				if u.ID == odootest.AdminUID {
					admin = u
				}
			}
			var got []int64
			for _, co := range s.Companies {
				got = append(got, co.ID)
				if co.Name == "" || co.Currency == "" {
					t.Errorf("company without name or currency: %+v", co)
				}
			}
			want2 := slices.Clone(admin.CompanyIDs)
			slices.Sort(want2)
			if !slices.Equal(got, want2) || len(got) < 2 || s.CompanyID != admin.CompanyID {
				t.Errorf("companies = %v (current %d), want %v (current %d)", got, s.CompanyID, want2, admin.CompanyID)
			}
		})
	}
}

// syncAll runs OrdersSince from cur to the end, calling between after every page.
func syncOrders(t *testing.T, c *Client, cur Cursor, page int, between func(n int)) ([]Order, Cursor) {
	t.Helper()
	var all []Order
	n := 0
	err := c.OrdersSince(context.Background(), cur, page, func(p []Order, next Cursor) error {
		if len(p) == 0 || len(p) > page {
			t.Fatalf("page of %d", len(p))
		}
		all = append(all, p...)
		if next.WriteDate.Before(cur.WriteDate) || next.WriteDate.Equal(cur.WriteDate) && next.LastID < cur.LastID {
			t.Fatalf("cursor went back: %v -> %v", cur, next)
		}
		cur = next
		n++
		if between != nil {
			between(n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all, cur
}

type version struct {
	id int64
	wd time.Time
}

// checkExactlyOnce: no (id, write_date) delivered twice, and the latest state of every record the server has
// was delivered.
func checkExactlyOnce(t *testing.T, delivered []version, truth map[int64]time.Time) {
	t.Helper()
	seen := map[version]bool{}
	latest := map[int64]time.Time{}
	for _, v := range delivered {
		if seen[v] {
			t.Errorf("record %d at %v delivered twice", v.id, v.wd)
		}
		seen[v] = true
		if v.wd.After(latest[v.id]) {
			latest[v.id] = v.wd
		}
	}
	missing := 0
	for id, wd := range truth {
		if !latest[id].Equal(wd.Truncate(time.Second)) {
			missing++
			if missing < 5 {
				t.Errorf("record %d: latest delivered %v, server has %v", id, latest[id], wd)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d records not delivered in their latest state", missing, len(truth))
	}
}

func TestFakeIncrementalOrdersExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, cb := range combos() {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			e := startFake(t, cb, smallData(), nil)
			// The generator's go-live import stamps its months with one write_date: many pages share a second.
			shared := map[time.Time]int{}
			for _, o := range e.srv.Orders() {
				shared[o.WriteDate.Truncate(time.Second)]++
			}
			const page = 5
			if m := slices.Max(slices.Collect(mapValues(shared))); m < 3*page {
				t.Fatalf("fixture: largest same-second group is %d records, want >= %d", m, 3*page)
			}
			rng := rand.New(rand.NewPCG(7, 7))
			ids := func() []int64 {
				var out []int64
				for _, o := range e.srv.Orders() {
					out = append(out, o.ID)
				}
				return out
			}()
			var delivered []version
			orders, cur := syncOrders(t, e.c, Cursor{}, page, func(n int) {
				// Modify records between pages: some already delivered, some not yet; often several in one
				// second. Time passes between pages as it does on a real server (an edit inside the very second
				// the cursor points at is the overlap window's job: see TestFakeSameSecondEditNeedsOverlap).
				e.srv.Advance(time.Second)
				for range 2 {
					id := ids[rng.IntN(len(ids))]
					if err := e.srv.Batch(func(tx *odootest.Tx) error { return tx.TouchOrders(id) }); err != nil {
						t.Fatal(err)
					}
				}
				if n%5 == 0 {
					if _, err := e.srv.AddOrder(odootest.NewOrder{CompanyID: 2}); err != nil {
						t.Fatal(err)
					}
				}
			})
			// Changes made during the last page are picked up by the next poll from the stored cursor.
			tail, cur := syncOrders(t, e.c, cur, page, nil)
			orders = append(orders, tail...)
			for _, o := range orders {
				delivered = append(delivered, version{o.ID, o.WriteDate})
			}
			truth := map[int64]time.Time{}
			for _, o := range e.srv.Orders() {
				truth[o.ID] = o.WriteDate
			}
			checkExactlyOnce(t, delivered, truth)
			companies := map[int64]bool{}
			for _, o := range orders {
				companies[o.CompanyID] = true
			}
			if len(companies) < 2 {
				t.Errorf("orders of only %d company seen: allowed_company_ids not applied", len(companies))
			}

			// Resume from the stored cursor: exactly the records changed since come back.
			e.srv.Advance(time.Second)
			changed := ids[:5]
			if err := e.srv.Batch(func(tx *odootest.Tx) error { return tx.TouchOrders(changed...) }); err != nil {
				t.Fatal(err)
			}
			again, _ := syncOrders(t, e.c, cur, page, nil)
			var got []int64
			for _, o := range again {
				got = append(got, o.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, changed) {
				t.Errorf("resumed sync delivered %v, want %v", got, changed)
			}
		})
	}
}

func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func TestFakeIncrementalLinesAndValues(t *testing.T) {
	t.Parallel()
	for _, cb := range combos() {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			data := smallData()
			data.LinesPerMonth = 20
			e := startFake(t, cb, data, nil)
			ctx := context.Background()
			// An order full of false values: no customer reference, no commitment date, a section line.
			oid, err := e.srv.AddOrder(odootest.NewOrder{CompanyID: 1, Lines: []odootest.NewLine{
				{DisplayType: "line_section", Name: "Section"}, {ProductID: e.srv.Products()[0].ID, Qty: 2}}})
			if err != nil {
				t.Fatal(err)
			}
			var lines []OrderLine
			var cur Cursor
			err = e.c.OrderLinesSince(ctx, cur, 25, func(p []OrderLine, next Cursor) error {
				lines = append(lines, p...)
				cur = next
				// Edit a line without touching its order, between pages.
				e.srv.Advance(time.Second)
				return e.srv.EditLine(p[0].ID, p[0].Quantity+1, false)
			})
			if err != nil {
				t.Fatal(err)
			}
			err = e.c.OrderLinesSince(ctx, cur, 25, func(p []OrderLine, next Cursor) error {
				lines = append(lines, p...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var delivered []version
			for _, l := range lines {
				delivered = append(delivered, version{l.ID, l.WriteDate})
			}
			truth := map[int64]time.Time{}
			byID := map[int64]odootest.Line{}
			for _, l := range e.srv.Lines() {
				truth[l.ID] = l.WriteDate
				byID[l.ID] = l
			}
			checkExactlyOnce(t, delivered, truth)
			sections := 0
			for _, l := range lines {
				f := byID[l.ID]
				if l.DisplayType != f.DisplayType || l.ProductID != f.ProductID || l.OrderID != f.OrderID {
					t.Fatalf("line %d = %+v, server %+v", l.ID, l, f)
				}
				if l.DisplayType == "" && (l.UoM == "" || l.UoMID != f.UoMID) {
					t.Fatalf("line %d: UoM %d %q, server %d (product_uom/product_uom_id mapping)", l.ID, l.UoMID, l.UoM, f.UoMID)
				}
				if l.DisplayType != "" {
					sections++
					if l.ProductName != "" || l.UoMID != 0 {
						t.Errorf("section line with product/uom: %+v", l)
					}
				}
			}
			if sections == 0 {
				t.Error("no section line delivered")
			}

			var orders []Order
			if _, err := e.c.Login(ctx); err != nil { // a fresh login must keep working mid-stream
				t.Fatal(err)
			}
			orders, _ = syncOrders(t, e.c, Cursor{}, 100, nil)
			fo := map[int64]odootest.Order{}
			for _, o := range e.srv.Orders() {
				fo[o.ID] = o
			}
			found := false
			for _, o := range orders {
				f := fo[o.ID]
				if o.Name != f.Name || o.State != f.State || o.PartnerID != f.PartnerID || o.CompanyID != f.CompanyID ||
					o.AmountTotal != f.AmountTotal || o.ClientOrderRef != f.ClientOrderRef ||
					(o.CommitmentDate == nil) != f.CommitmentDate.IsZero() || !o.DateOrder.Equal(f.DateOrder.Truncate(time.Second)) ||
					o.Currency == "" || o.PartnerName == "" {
					t.Fatalf("order %d = %+v\nserver %+v", o.ID, o, f)
				}
				if f.State == "done" && !o.Locked || f.Locked && !o.Locked {
					t.Errorf("order %d: locked not normalized: %+v", o.ID, o)
				}
				if o.ID == oid {
					found = true
					if o.ClientOrderRef != "" || o.CommitmentDate != nil {
						t.Errorf("false values not decoded as empty: %+v", o)
					}
				}
			}
			if !found {
				t.Error("new order not delivered")
			}
		})
	}
}

func TestFakeProductsAndInventory(t *testing.T) {
	t.Parallel()
	for _, cb := range combos() {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			e := startFake(t, cb, smallData(), nil)
			ctx := context.Background()
			var got []Product
			if err := e.c.ProductsWhere(ctx, Domain{}, 5, func(p []Product) error { got = append(got, p...); return nil }); err != nil {
				t.Fatal(err)
			}
			truth := e.srv.Products()
			if len(got) != len(truth) {
				t.Fatalf("%d products, server has %d (archived must be included)", len(got), len(truth))
			}
			archived, storable, noCode := 0, 0, 0
			for i, p := range got {
				f := truth[i]
				if p.ID != f.ID || p.DefaultCode != f.DefaultCode || p.Active != f.Active || p.Name == "" {
					t.Fatalf("product %+v, server %+v", p, f)
				}
				wantType := map[string]string{"consu": ProductConsumable, "service": ProductService, "combo": ProductCombo}[f.Type]
				if f.IsStorable {
					wantType = ProductStorable
				}
				if p.Type != wantType {
					t.Errorf("product %d type %q, want %q (server %s/%v)", p.ID, p.Type, wantType, f.Type, f.IsStorable)
				}
				if !p.Active {
					archived++
				}
				if p.Type == ProductStorable {
					storable++
				}
				if p.DefaultCode == "" {
					noCode++
				}
			}
			if archived == 0 || storable == 0 {
				t.Errorf("fixture: archived %d storable %d", archived, storable)
			}
			var levels []StockLevel
			if err := e.c.Inventory(ctx, InventoryParams{PageSize: 4}, func(p []StockLevel) error {
				levels = append(levels, p...)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(levels) != storable {
				t.Errorf("%d stock levels, %d storable products", len(levels), storable)
			}
			// On hand per product = internal quants of every allowed company.
			internal := map[int64]bool{}
			for _, l := range e.srv.Locations() {
				if l.Usage == "internal" {
					internal[l.ID] = true
				}
			}
			want := map[int64]float64{}
			for _, q := range e.srv.Quants() {
				if internal[q.LocationID] {
					want[q.ProductID] += q.Quantity
				}
			}
			for _, l := range levels {
				if diff := l.QtyAvailable - want[l.ProductID]; diff > 1e-6 || diff < -1e-6 {
					t.Errorf("product %d on hand %v, quants say %v", l.ProductID, l.QtyAvailable, want[l.ProductID])
				}
			}
			n, err := e.c.SearchCount(ctx, "product.product", Domain{})
			if err != nil || n <= 0 || n > int64(len(truth)) {
				t.Errorf("search_count = %d, %v", n, err)
			}
		})
	}
}

func TestFakeAuthAndDatabaseErrors(t *testing.T) {
	t.Parallel()
	for _, cb := range combos() {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			bad := startFake(t, cb, nil, func(c *Config) { c.Secret = "wrong-" + c.Secret })
			_, err := bad.c.Login(ctx)
			var ae *AuthError
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "database") {
				t.Errorf("bad secret: %v", err)
			}
			assertNoFakeSecret(t, err)
			if strings.Contains(err.Error(), "wrong-") {
				t.Errorf("the wrong secret is echoed: %v", err)
			}

			nodb := startFake(t, cb, nil, func(c *Config) { c.Database = "no_such_db" })
			_, err = nodb.c.Login(ctx)
			if !errors.Is(err, ErrDatabaseNotFound) || !strings.Contains(err.Error(), `"no_such_db"`) {
				t.Errorf("unknown database: %v", err)
			}
			assertNoFakeSecret(t, err)

			badField := startFake(t, cb, nil, nil)
			err = badField.c.SearchRead(ctx, "sale.order", Query{Fields: []string{"no_such_field"}}, func([]Record) error { return nil })
			var re *RPCError
			if !errors.As(err, &re) || !strings.Contains(re.Message, "no_such_field") || re.Name == "" {
				t.Errorf("invalid field: %v", err)
			}
		})
	}
	// JSON-2 asked of a server that has none.
	e := startFake(t, combo{"17", ProtocolJSON2, fakeAPIKey}, nil, nil)
	_, err := e.c.Login(context.Background())
	var ue *UnavailableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "19") {
		t.Errorf("JSON-2 on 17: %v", err)
	}
}

// TestFakeFaults injects every fault kind for every version × transport.
func TestFakeFaults(t *testing.T) {
	t.Parallel()
	type expect int
	const (
		recovers expect = iota // retried (or re-authenticated) to success
		authErr
		rpcOrHTTPErr
		protocolErr
	)
	faults := []struct {
		f    odootest.Fault
		want func(p Protocol) expect
	}{
		{odootest.Fault{Kind: odootest.HTTP429, Count: 2}, func(Protocol) expect { return recovers }},
		{odootest.Fault{Kind: odootest.HTTP502, Count: 2}, func(Protocol) expect { return recovers }},
		{odootest.Fault{Kind: odootest.HTTP503, Count: 2, RetryAfter: time.Second}, func(Protocol) expect { return recovers }},
		{odootest.Fault{Kind: odootest.HTTP504, Count: 2}, func(Protocol) expect { return recovers }},
		{odootest.Fault{Kind: odootest.ConnReset, Count: 2}, func(Protocol) expect { return recovers }},
		{odootest.Fault{Kind: odootest.Truncated, Count: 1}, func(Protocol) expect { return recovers }},
		{odootest.Fault{Kind: odootest.Timeout, Count: 1}, func(Protocol) expect { return recovers }},
		{odootest.Fault{Kind: odootest.Slow, Count: 1, Delay: 20 * time.Millisecond}, func(Protocol) expect { return recovers }},
		{odootest.Fault{Kind: odootest.HTTP500, Count: 1}, func(Protocol) expect { return recovers }},
		{odootest.Fault{Kind: odootest.NonJSON, Count: 1}, func(p Protocol) expect { return recovers }},
		{odootest.Fault{Kind: odootest.AccessDenied, Count: 1}, func(Protocol) expect { return authErr }},
		{odootest.Fault{Kind: odootest.SessionExpired, Count: 1}, func(p Protocol) expect { return recovers }},
	}
	for _, cb := range combos() {
		for _, ft := range faults {
			t.Run(cb.String()+"/"+ft.f.Kind.String(), func(t *testing.T) {
				t.Parallel()
				e := startFake(t, cb, nil, func(c *Config) { c.Timeout = 300 * time.Millisecond })
				ctx := context.Background()
				s, err := e.c.Login(ctx)
				if err != nil {
					t.Fatal(err)
				}
				f := ft.f
				f.Match = "search_count"
				e.srv.InjectFault(f)
				n, err := e.c.SearchCount(ctx, "sale.order", Domain{})
				assertNoFakeSecret(t, err)
				switch want := ft.want(s.Protocol); want {
				case recovers:
					if err != nil || n != 0 {
						t.Fatalf("n=%d err=%v, want recovery", n, err)
					}
				case authErr:
					var ae *AuthError
					if !errors.As(err, &ae) {
						t.Fatalf("err = %v, want *AuthError", err)
					}
				case rpcOrHTTPErr:
					var re *RPCError
					var he *HTTPError
					if !errors.As(err, &re) && !errors.As(err, &he) {
						t.Fatalf("err = %v (%T), want *RPCError or *HTTPError", err, err)
					}
				case protocolErr:
					var pe *ProtocolError
					if !errors.As(err, &pe) || !strings.Contains(err.Error(), "HTML") {
						t.Fatalf("err = %v, want *ProtocolError about HTML", err)
					}
				}
				// The fault is spent: the next call works.
				if _, err := e.c.SearchCount(ctx, "sale.order", Domain{}); err != nil {
					t.Fatalf("after the fault: %v", err)
				}
			})
		}
	}
}

// TestFakeSameSecondEditNeedsOverlap documents the limit of a second-precision cursor and its remedy: a record
// already delivered that is modified again inside the very second the cursor points at, with an id below
// LastID, is invisible to (C, LastID); so is a row committed late with an older write_date. Rewinding the cursor
// by an overlap window and upserting what comes back catches both.
func TestFakeSameSecondEditNeedsOverlap(t *testing.T) {
	t.Parallel()
	for _, cb := range []combo{{"17", ProtocolJSONRPC, fakePassword}, {"19", ProtocolJSON2, fakeAPIKey}} {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			e := startFake(t, cb, smallData(), nil)
			first, err := e.srv.AddOrder(odootest.NewOrder{CompanyID: 1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.srv.AddOrder(odootest.NewOrder{CompanyID: 1}); err != nil {
				t.Fatal(err)
			}
			seen := map[version]bool{}
			record := func(os []Order) (fresh []int64) {
				for _, o := range os {
					v := version{o.ID, o.WriteDate}
					if !seen[v] {
						seen[v] = true
						fresh = append(fresh, o.ID)
					}
				}
				return fresh
			}
			all, cur := syncOrders(t, e.c, Cursor{}, 50, nil)
			record(all)
			if cur.LastID <= first {
				t.Fatalf("cursor %v should be past order %d", cur, first)
			}
			// Same second as the cursor, lower id: the plain cursor cannot see it.
			if err := e.srv.ConfirmOrder(first); err != nil {
				t.Fatal(err)
			}
			if again, _ := syncOrders(t, e.c, cur, 50, nil); len(again) != 0 {
				t.Fatalf("expected the plain cursor to miss the same-second edit, got %d orders", len(again))
			}
			// A long transaction commits late, stamped before the cursor.
			var late int64
			if err := e.srv.CommitLate(3*time.Second, func(tx *odootest.Tx) error {
				id, err := tx.AddOrder(odootest.NewOrder{CompanyID: 2})
				late = id
				return err
			}); err != nil {
				t.Fatal(err)
			}
			again, _ := syncOrders(t, e.c, cur.Rewind(5*time.Second), 50, nil)
			if fresh := record(again); !slices.Equal(fresh, []int64{late}) {
				t.Errorf("with overlap: new (id, write_date) pairs %v, want [%d]", fresh, late)
			}
			// The same-second edit keeps its second-precision write_date, so (id, write_date) can not tell it
			// apart: the overlap must be upserted, not dropped as already seen.
			var confirmed bool
			for _, o := range again {
				if o.ID == first {
					confirmed = o.State == "sale"
				}
			}
			if !confirmed {
				t.Errorf("overlap re-read lacks the confirmed order %d", first)
			}
		})
	}
}

// TestFakeJSON2MultiDatabase: on a host serving several databases JSON-2 needs X-Odoo-Database.
func TestFakeJSON2MultiDatabase(t *testing.T) {
	t.Parallel()
	srv := odootest.Start(t, odootest.Options{Version: "19", MultiDB: true, APIKey: fakeAPIKey})
	login := func(db string) error {
		c, err := New(Config{URL: srv.URL(), Database: db, Secret: fakeAPIKey, Protocol: ProtocolJSON2, MaxRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Login(context.Background())
		return err
	}
	if err := login(srv.Database()); err != nil {
		t.Errorf("right database: %v", err)
	}
	if err := login("other"); !errors.Is(err, ErrDatabaseNotFound) || !strings.Contains(err.Error(), `"other"`) {
		t.Errorf("wrong database: %v", err)
	}
	var ue *UnavailableError
	if err := login(""); !errors.As(err, &ue) || !strings.Contains(err.Error(), "X-Odoo-Database") {
		t.Errorf("no database: %v", err)
	}
}

func TestFakeLowLevelCalls(t *testing.T) {
	t.Parallel()
	for _, cb := range combos() {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			e := startFake(t, cb, smallData(), nil)
			ctx := context.Background()
			orders := e.srv.Orders()
			if err := e.srv.DeleteOrder(orders[3].ID); err != nil {
				t.Fatal(err)
			}
			var want []int64
			for _, o := range e.srv.Orders() {
				want = append(want, o.ID)
			}
			var got []int64
			if err := e.c.IDs(ctx, "sale.order", Domain{}, 7, func(ids []int64) error {
				if len(ids) > 7 {
					t.Fatalf("page of %d ids", len(ids))
				}
				got = append(got, ids...)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("IDs: %d ids, want %d (deleted order must be absent)", len(got), len(want))
			}

			// SearchRead with a domain, keyset paging by id, and with a custom order (offset paging).
			var confirmed int64
			for _, o := range e.srv.Orders() {
				if o.State == "sale" || o.State == "done" {
					confirmed++
				}
			}
			d := In("state", "sale", "done")
			n, err := e.c.SearchCount(ctx, "sale.order", d)
			if err != nil || n != confirmed {
				t.Fatalf("search_count = %d, %v; want %d", n, err, confirmed)
			}
			for _, order := range []string{"", "date_order desc, id desc"} {
				var recs []Record
				err := e.c.SearchRead(ctx, "sale.order", Query{Domain: d, Fields: []string{"name", "state", "partner_id", "date_order"},
					Order: order, PageSize: 9}, func(p []Record) error { recs = append(recs, p...); return nil })
				if err != nil || int64(len(recs)) != confirmed {
					t.Fatalf("order %q: %d records, %v; want %d", order, len(recs), err, confirmed)
				}
				seen := map[int64]bool{}
				for i, r := range recs {
					if seen[r.ID()] {
						t.Fatalf("order %q: record %d twice", order, r.ID())
					}
					seen[r.ID()] = true
					if s, _ := r.String("state"); s != "sale" && s != "done" {
						t.Fatalf("state %q", s)
					}
					if order != "" && i > 0 {
						prev, _ := recs[i-1].Time("date_order")
						cur, _ := r.Time("date_order")
						if cur.After(prev) {
							t.Fatalf("custom order not honoured")
						}
					}
				}
			}
			// Limit stops early.
			var few []Record
			if err := e.c.SearchRead(ctx, "sale.order", Query{Limit: 5, PageSize: 2, Fields: []string{"name"}},
				func(p []Record) error { few = append(few, p...); return nil }); err != nil || len(few) != 5 {
				t.Fatalf("limit: %d, %v", len(few), err)
			}

			recs, err := e.c.Read(ctx, "sale.order", []int64{want[0], want[1]}, []string{"name", "amount_total"})
			if err != nil || len(recs) != 2 || recs[0].ID() != want[0] {
				t.Fatalf("read: %d records, %v", len(recs), err)
			}
			_, err = e.c.Read(ctx, "sale.order", []int64{want[0], orders[3].ID}, []string{"name"})
			var re *RPCError
			if !errors.As(err, &re) || !re.IsMissing() {
				t.Fatalf("read of a deleted id: %v, want a MissingError", err)
			}
			fields, err := e.c.FieldsGet(ctx, "sale.order.line")
			if err != nil {
				t.Fatal(err)
			}
			_, new := fields["product_uom_id"]
			_, old := fields["product_uom"]
			if new != (cb.version == "19") || old == new || fields["order_id"].Relation != "sale.order" || fields["order_id"].Type != "many2one" {
				t.Errorf("fields_get: product_uom_id %v product_uom %v order_id %+v", new, old, fields["order_id"])
			}
		})
	}
}

// TestFakeFetchByID covers the lead's fetch.go (OrdersByID, OrderLinesOf) on every version × transport.
func TestFakeFetchByID(t *testing.T) {
	t.Parallel()
	for _, cb := range combos() {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			e := startFake(t, cb, smallData(), nil)
			ctx := context.Background()
			orders := e.srv.Orders()
			gone := orders[1].ID
			if err := e.srv.DeleteOrder(gone); err != nil {
				t.Fatal(err)
			}
			ids := []int64{orders[0].ID, gone, orders[2].ID, orders[len(orders)-1].ID}
			got, err := e.c.OrdersByID(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []int64
			for _, o := range got {
				gotIDs = append(gotIDs, o.ID)
			}
			if want := []int64{orders[0].ID, orders[2].ID, orders[len(orders)-1].ID}; !slices.Equal(gotIDs, want) {
				t.Fatalf("OrdersByID = %v, want %v", gotIDs, want)
			}
			want := map[int64]bool{}
			for _, l := range e.srv.Lines() {
				if l.OrderID == orders[0].ID || l.OrderID == orders[2].ID {
					want[l.ID] = true
				}
			}
			n := 0
			err = e.c.OrderLinesOf(ctx, []int64{orders[0].ID, orders[2].ID, gone}, 3, func(p []OrderLine) error {
				for _, l := range p {
					if !want[l.ID] {
						t.Errorf("unexpected line %d of order %d", l.ID, l.OrderID)
					}
					n++
				}
				return nil
			})
			if err != nil || n != len(want) {
				t.Fatalf("OrderLinesOf: %d lines, %v; want %d", n, err, len(want))
			}
		})
	}
}

// TestFakeServerCapsLimit: a server that returns fewer rows than asked (a capped limit) must not end a sync
// early: short pages are confirmed before they are trusted.
func TestFakeServerCapsLimit(t *testing.T) {
	t.Parallel()
	srv := odootest.Start(t, odootest.Options{Version: "17", Seed: 3, Data: smallData(), Password: fakePassword, MaxLimit: 4})
	c, err := New(Config{URL: srv.URL(), Database: srv.Database(), Username: "admin", Secret: fakePassword, Protocol: ProtocolJSONRPC})
	if err != nil {
		t.Fatal(err)
	}
	orders, _ := syncOrders(t, c, Cursor{}, 10, nil)
	var delivered []version
	for _, o := range orders {
		delivered = append(delivered, version{o.ID, o.WriteDate})
	}
	truth := map[int64]time.Time{}
	for _, o := range srv.Orders() {
		truth[o.ID] = o.WriteDate
	}
	checkExactlyOnce(t, delivered, truth)
	n := 0
	if err := c.IDs(context.Background(), "sale.order", Domain{}, 10, func(ids []int64) error { n += len(ids); return nil }); err != nil || n != len(truth) {
		t.Errorf("IDs: %d, %v; want %d", n, err, len(truth))
	}
	var recs int
	if err := c.SearchRead(context.Background(), "product.product", Query{Fields: []string{"name"}, PageSize: 10, IncludeArchived: true},
		func(p []Record) error { recs += len(p); return nil }); err != nil || recs != len(srv.Products()) {
		t.Errorf("SearchRead: %d, %v; want %d", recs, err, len(srv.Products()))
	}
}

// TestFakeSyncUnderRandomFaults: a full incremental sync completes, every record exactly once, while the server
// fails calls at random (seeded) with 502s, 429s and connection resets.
func TestFakeSyncUnderRandomFaults(t *testing.T) {
	t.Parallel()
	for _, cb := range []combo{{"17", ProtocolJSONRPC, fakePassword}, {"19", ProtocolAuto, fakeAPIKey}, {"saas~17", ProtocolXMLRPC, fakeAPIKey}} {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			e := startFake(t, cb, smallData(), func(c *Config) { c.MaxRetries = 10 })
			if _, err := e.c.Login(context.Background()); err != nil {
				t.Fatal(err)
			}
			e.srv.InjectFault(odootest.Fault{Kind: odootest.HTTP502, Rate: 0.15})
			e.srv.InjectFault(odootest.Fault{Kind: odootest.HTTP429, Rate: 0.15})
			e.srv.InjectFault(odootest.Fault{Kind: odootest.ConnReset, Rate: 0.1})
			calls := e.srv.Calls()
			orders, _ := syncOrders(t, e.c, Cursor{}, 6, nil)
			var delivered []version
			for _, o := range orders {
				delivered = append(delivered, version{o.ID, o.WriteDate})
			}
			truth := map[int64]time.Time{}
			for _, o := range e.srv.Orders() {
				truth[o.ID] = o.WriteDate
			}
			checkExactlyOnce(t, delivered, truth)
			if !strings.Contains(e.logs.String(), "retrying") || e.srv.Calls()-calls < 10 {
				t.Errorf("no faults were hit (calls %d)", e.srv.Calls()-calls)
			}
		})
	}
}

// TestFakeDecodedPagesOutliveTheirBuffer: a page read into a reused response buffer keeps its values once the
// next pages are read into the same memory (names, states and the like are copies, not views of the body).
func TestFakeDecodedPagesOutliveTheirBuffer(t *testing.T) {
	t.Parallel()
	for _, cb := range []combo{{"17", ProtocolJSONRPC, fakePassword}, {"19", ProtocolJSON2, fakeAPIKey}} {
		t.Run(cb.String(), func(t *testing.T) {
			t.Parallel()
			e := startFake(t, cb, smallData(), nil)
			ctx := context.Background()
			var ids []int64
			for _, o := range e.srv.Orders() {
				ids = append(ids, o.ID)
			}
			var pages [][]OrderLine
			if err := e.c.OrderLinesOf(ctx, ids, 7, func(p []OrderLine) error { pages = append(pages, p); return nil }); err != nil {
				t.Fatal(err)
			}
			orders, err := e.c.OrdersByID(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			names := map[int64]string{}
			for _, o := range e.srv.Orders() {
				names[o.ID] = o.Name
			}
			products := map[int64]string{}
			for _, p := range e.srv.Products() {
				products[p.ID] = p.Name
			}
			n := 0
			for _, p := range pages {
				for _, l := range p {
					n++
					if l.OrderName != names[l.OrderID] || l.ProductID != 0 && !strings.Contains(l.ProductName, products[l.ProductID]) {
						t.Fatalf("line %d after later reads: order %q product %q; want %q and a name with %q", l.ID,
							l.OrderName, l.ProductName, names[l.OrderID], products[l.ProductID])
					}
				}
			}
			if n != len(e.srv.Lines()) || len(pages) < 3 {
				t.Fatalf("%d lines in %d pages, want %d lines in several pages", n, len(pages), len(e.srv.Lines()))
			}
			for _, o := range orders {
				if o.Name != names[o.ID] {
					t.Fatalf("order %d name %q, want %q", o.ID, o.Name, names[o.ID])
				}
			}
		})
	}
}

// TestEnvelopeMemberAfterResult: a JSON-RPC envelope with members after "result" (Odoo writes it last; a proxy
// that re-encodes answers may not) gives the same records as Odoo's own, including a member whose value is an
// array and so ends where a page does (resultAtTail's shortcut takes it in; the exact reading must win).
func TestEnvelopeMemberAfterResult(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startFake(t, combo{"17", ProtocolJSONRPC, fakePassword}, smallData(), nil)
	orders := e.srv.Orders()
	ids := []int64{orders[0].ID, orders[2].ID, orders[len(orders)-1].ID}
	want, err := e.c.OrdersByID(ctx, ids)
	if err != nil || len(want) != len(ids) {
		t.Fatalf("direct: %d orders, %v", len(want), err)
	}
	var wantLines []OrderLine
	if err := e.c.OrderLinesOf(ctx, ids, 2, func(p []OrderLine) error { wantLines = append(wantLines, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, tail := range []string{`, "trace": [1, [2]]`, `, "trace": []`, `, "trace": {"a": [1]}`, `, "x": "]"`} {
		t.Run(tail, func(t *testing.T) {
			t.Parallel()
			target, _ := url.Parse(e.srv.URL())
			proxy := httputil.NewSingleHostReverseProxy(target)
			var rewritten atomic.Int64
			proxy.ModifyResponse = func(r *http.Response) error {
				b, err := io.ReadAll(r.Body)
				if err != nil {
					return err
				}
				r.Body.Close()
				if t := bytes.TrimSpace(b); bytes.HasPrefix(t, []byte(`{`)) && bytes.Contains(t, []byte(`"result"`)) {
					b = append(append(t[:len(t)-1:len(t)-1], tail...), '}')
					rewritten.Add(1)
				}
				r.Body = io.NopCloser(bytes.NewReader(b))
				r.ContentLength = int64(len(b))
				r.Header.Set("Content-Length", strconv.Itoa(len(b)))
				return nil
			}
			srv := httptest.NewServer(proxy)
			t.Cleanup(srv.Close)
			c, err := New(Config{URL: srv.URL, Database: e.srv.Database(), Username: "admin", Secret: fakePassword,
				Protocol: ProtocolJSONRPC, Timeout: 5 * time.Second, RetryBaseDelay: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.OrdersByID(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("orders through the proxy:\n%v\nwant\n%v", got, want)
			}
			var lines []OrderLine
			if err := c.OrderLinesOf(ctx, ids, 2, func(p []OrderLine) error { lines = append(lines, p...); return nil }); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(lines) != fmt.Sprint(wantLines) || len(lines) == 0 {
				t.Errorf("lines through the proxy:\n%v\nwant\n%v", lines, wantLines)
			}
			if rewritten.Load() == 0 {
				t.Fatal("no answer was rewritten")
			}
		})
	}
}

// TestModulesKeptUntilLogin: the installed apps are asked once, then answered from the client for
// ModulesMaxAge, and asked again after a login.
func TestModulesKeptUntilLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startFake(t, combo{"17", ProtocolJSONRPC, fakePassword}, smallData(), nil)
	asked := func() int64 { return e.srv.Stats().ByMethod["ir.module.module.search_read"].Calls }
	first, err := e.c.Modules(ctx)
	if err != nil || !first.Sale || asked() != 1 {
		t.Fatalf("first: %+v, %v, %d calls", first, err, asked())
	}
	if again, err := e.c.Modules(ctx); err != nil || again != first || asked() != 1 {
		t.Fatalf("again: %+v, %v, %d calls (want the kept answer, no call)", again, err, asked())
	}
	if _, err := e.c.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if after, err := e.c.Modules(ctx); err != nil || after != first || asked() != 2 {
		t.Fatalf("after a login: %+v, %v, %d calls (want one more)", after, err, asked())
	}
}
