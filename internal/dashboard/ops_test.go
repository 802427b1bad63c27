package dashboard

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/connections"
	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
)

// Endpoint modes of a hookGate.
const (
	gateOpen       = iota // the connection's real receiver answers (204 to a valid signature)
	gateRetryAfter        // 503 with Retry-After: 1
	gateFail              // 500
)

// hookGate stands in front of a fixture's receiver: it lets deliveries through to it, or fails them, as the
// test says.
type hookGate struct {
	mode  atomic.Int32
	inner http.Handler
}

func (g *hookGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch g.mode.Load() {
	case gateRetryAfter:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	case gateFail:
		http.Error(w, "receiver broke", http.StatusInternalServerError)
	default:
		g.inner.ServeHTTP(w, r)
	}
}

// queueFixture is the fixture with two connections whose webhooks fail: acme's deliveries end dead (two
// attempts, the second a second after the first), globex's fail once and wait for their next attempt. gates
// let a test open the endpoints again.
type queueFixture struct {
	*fixture
	gates []*hookGate
}

func newQueueFixture(t *testing.T, o fixtureOptions) *queueFixture {
	t.Helper()
	o.Tenants = 2
	o.Env = map[string]string{"SALESENGINE_WEBHOOK_MAX_ATTEMPTS": "2",
		// the endpoints' circuits stay closed whatever fails: the test wants the deliveries' own states
		"SALESENGINE_WEBHOOK_CIRCUIT_MIN_REQUESTS": "100000"}
	f := &queueFixture{fixture: newFixture(t, o)}
	ctx := context.Background()
	m := f.eng.Settings().Connections.Manager(f.store)
	for i, c := range f.conns {
		g := &hookGate{inner: f.recv[i]}
		g.mode.Store(int32([]int{gateRetryAfter, gateFail}[i]))
		srv := httptest.NewServer(g)
		t.Cleanup(srv.Close)
		hook := srv.URL + "/hook/" + fixtureHookToken
		if _, err := m.Edit(ctx, c, connections.Fields{WebhookURL: &hook}, connections.DataRefuse); err != nil {
			t.Fatal(err)
		}
		f.gates = append(f.gates, g)
		if _, err := f.odoos[i].SimulateActivity(30, 10*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	for _, out := range must(f.eng.SyncAll(ctx, "", engine.SyncOptions{}))(t) {
		if out.Err != nil {
			t.Fatalf("sync %s: %v", out.Connection.Name, out.Err)
		}
	}
	if n := len(f.deliveries(t, f.conns[0].ID, store.DeliveryPending)); n < 3 {
		t.Fatalf("acme has %d deliveries after its Odoo's business; the test needs a few", n)
	}
	// acme: 503 then (a second later) 503 again: dead. globex: 500, next attempt in 30 s: failing.
	deadline := time.Now().Add(60 * time.Second)
	for len(f.deliveries(t, f.conns[0].ID, store.DeliveryPending)) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("acme's deliveries did not die")
		}
		if _, err := f.eng.Deliver(ctx, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	for _, d := range f.deliveries(t, f.conns[1].ID, store.DeliveryPending) {
		if d.Attempts != 1 || d.LastStatus != 500 {
			t.Fatalf("globex's delivery %d: %d attempts, last status %d; want one failed attempt", d.ID, d.Attempts, d.LastStatus)
		}
	}
	return f
}

func (f *fixture) deliveries(t *testing.T, connID int64, states ...store.DeliveryState) []*store.WebhookDelivery {
	t.Helper()
	ds, err := f.store.WebhookDeliveryList(context.Background(), &store.WebhookDeliveryListParams{ConnectionID: connID, States: states})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func (f *fixture) delivery(t *testing.T, id int64) *store.WebhookDelivery {
	t.Helper()
	d, err := f.store.WebhookDeliveryGet(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// cell is the text of the element with the given class in the table row marked by attr="value".
func cell(t *testing.T, body, attr, value, class string) string {
	t.Helper()
	row := regexp.MustCompile(`(?s)<tr ` + attr + `="` + regexp.QuoteMeta(value) + `".*?</tr>`).FindString(body)
	if row == "" {
		t.Fatalf("no row %s=%q in the page", attr, value)
	}
	m := regexp.MustCompile(`(?s)class="[^"]*\b` + class + `\b[^"]*"[^>]*>(.*?)</td>`).FindStringSubmatch(row)
	if m == nil {
		t.Fatalf("row %s=%q has no %s cell:\n%s", attr, value, class, row)
	}
	return strings.TrimSpace(m[1])
}

var deliveryRow = regexp.MustCompile(`<tr data-delivery="(\d+)" data-state="([a-z]+)"`)

// listed is the deliveries a /webhooks page lists, by id, with the state it shows.
func listed(body string) map[int64]string {
	out := map[int64]string{}
	for _, m := range deliveryRow.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out[id] = m[2]
	}
	return out
}

func TestWebhooksPage(t *testing.T) {
	t.Parallel()
	f := newQueueFixture(t, fixtureOptions{})
	c := f.client(t)
	acme, globex := f.conns[0], f.conns[1]
	dead := f.deliveries(t, acme.ID, store.DeliveryDead)
	failing := f.deliveries(t, globex.ID, store.DeliveryPending)

	resp, body := get(t, c, f.srv.URL, "/webhooks", "Accept-Language", "en")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /webhooks = %d\n%s", resp.StatusCode, body)
	}
	// A state that does not exist is said, not silently replaced.
	if resp, body := get(t, c, f.srv.URL, "/webhooks?state=bogus", "Accept-Language", "en"); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, "“bogus” is not a state") {
		t.Errorf("GET /webhooks?state=bogus = %d, want 400 naming the state", resp.StatusCode)
	}
	// The counts are the store's.
	for _, want := range []struct {
		conn, class string
		n           int
	}{{"acme", "count-dead", len(dead)}, {"acme", "count-pending", 0}, {"globex", "count-pending", len(failing)},
		{"globex", "count-failing", len(failing)}, {"globex", "count-dead", 0}} {
		if got := cell(t, body, "data-queue", want.conn, want.class); got != strconv.Itoa(want.n) {
			t.Errorf("%s %s = %q, want %d", want.conn, want.class, got, want.n)
		}
	}
	// Every delivery not delivered is listed (fewer than a page here), with the state it has.
	rows := listed(body)
	if len(rows) != len(dead)+len(failing) {
		t.Errorf("listed %d deliveries, want %d dead + %d failing", len(rows), len(dead), len(failing))
	}
	for _, d := range dead {
		if rows[d.ID] != "dead" {
			t.Errorf("dead delivery %d shown as %q", d.ID, rows[d.ID])
		}
	}
	// Failing deliveries' errors and attempts are shown, their endpoints' secrets never.
	for _, s := range append([]string{fixtureAPIKey, fixtureHookToken}, f.whsecret...) {
		if strings.Contains(body, s) {
			t.Error("the queue page shows a secret")
		}
	}
	d0 := dead[0]
	for _, want := range []string{d0.EventID, d0.OrderName, d0.EventType, html.EscapeString(d0.LastError), "503", "Recent attempts"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Filters: dead of acme; failing (only globex's).
	_, body = get(t, c, f.srv.URL, "/webhooks?state=dead&connection=acme")
	if rows := listed(body); len(rows) != len(dead) {
		t.Errorf("dead of acme: %d listed, want %d", len(rows), len(dead))
	}
	_, body = get(t, c, f.srv.URL, "/webhooks?state=failing")
	for id, st := range listed(body) {
		if st != "failing" {
			t.Errorf("failing filter lists %d as %s", id, st)
		}
	}
	if n := len(listed(body)); n != len(failing) {
		t.Errorf("failing filter: %d listed, want %d", n, len(failing))
	}
	resp, body = get(t, c, f.srv.URL, "/webhooks?connection=nosuch")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "nosuch") {
		t.Errorf("unknown connection: %d", resp.StatusCode)
	}
}

func TestWebhooksPaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{NoSync: true})
	ctx := context.Background()
	base := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	for i := range deliveryPageSize + 7 {
		if _, _, err := f.store.WebhookDeliveryInsert(ctx, &store.WebhookDeliveryInsertParams{EventID: fmt.Sprintf("evt_%03d", i),
			EventType: "order.updated", ConnectionID: f.conns[0].ID, OrderID: int64(i), OrderName: fmt.Sprintf("S%05d", i),
			WriteDate: base, Payload: []byte(`{}`), CreatedAt: base}); err != nil {
			t.Fatal(err)
		}
	}
	c := f.client(t)
	_, body := get(t, c, f.srv.URL, "/webhooks")
	first := listed(body)
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next"`).FindStringSubmatch(body)
	if len(first) != deliveryPageSize || next == nil {
		t.Fatalf("first page: %d deliveries, next link %v", len(first), next)
	}
	_, body = get(t, c, f.srv.URL, html.UnescapeString(next[1]))
	second := listed(body)
	if len(second) != 7 || strings.Contains(body, `rel="next"`) || !strings.Contains(body, "/webhooks\">") {
		t.Errorf("second page: %d deliveries (want 7), a next link: %v", len(second), strings.Contains(body, `rel="next"`))
	}
	for id := range second {
		if _, dup := first[id]; dup {
			t.Errorf("delivery %d on both pages", id)
		}
	}
}

// retryForm is what the page's buttons send.
func retryForm(csrf, key, value, back string) url.Values {
	return url.Values{"csrf": {csrf}, key: {value}, "back": {back}}
}

func TestWebhooksRetryDiscard(t *testing.T) {
	t.Parallel()
	f := newQueueFixture(t, fixtureOptions{})
	ctx := context.Background()
	c := f.client(t)
	acme, globex := f.conns[0], f.conns[1]
	dead := f.deliveries(t, acme.ID, store.DeliveryDead)
	if len(dead) < 3 {
		t.Fatalf("%d dead deliveries; the test needs 3", len(dead))
	}
	_, body := get(t, c, f.srv.URL, "/webhooks?state=dead", "Accept-Language", "en")
	csrf := csrfOf(t, body)
	id := strconv.FormatInt(dead[0].ID, 10)

	// Refused: no CSRF token, a wrong one, another site.
	for name, form := range map[string]url.Values{"no token": {"id": {id}}, "wrong token": {"id": {id}, "csrf": {wrongCSRF(csrf)}}} {
		if resp, _ := post(t, c, f.srv.URL, "/webhooks/retry", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("retry with %s = %d, want 403", name, resp.StatusCode)
		}
	}
	if resp, _ := post(t, c, f.srv.URL, "/webhooks/discard", retryForm(csrf, "id", id, "/webhooks"), "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site discard = %d, want 403", resp.StatusCode)
	}
	if d := f.delivery(t, dead[0].ID); d.State != store.DeliveryDead {
		t.Fatalf("a refused POST changed delivery %d to %s", d.ID, d.State)
	}

	// Retry one: exactly what 'salesengine retry ID' does (engine.Retry), shown once after the redirect.
	resp, _ := post(t, c, f.srv.URL, "/webhooks/retry", retryForm(csrf, "id", id, "/webhooks?state=dead"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/webhooks?state=dead" {
		t.Fatalf("retry = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := f.eng.Retry(ctx, []int64{dead[1].ID}); err != nil { // the CLI's way, for comparison
		t.Fatal(err)
	}
	byPage, byCLI := f.delivery(t, dead[0].ID), f.delivery(t, dead[1].ID)
	if byPage.State != store.DeliveryPending || byPage.Attempts != 0 || byPage.NextAttemptAt != nil {
		t.Errorf("after retry: state %s, %d attempts, next %v; want pending, 0, due now", byPage.State, byPage.Attempts, byPage.NextAttemptAt)
	}
	if byPage.State != byCLI.State || byPage.Attempts != byCLI.Attempts || (byPage.NextAttemptAt == nil) != (byCLI.NextAttemptAt == nil) ||
		byPage.LastStatus != byCLI.LastStatus || byPage.LastError != byCLI.LastError {
		t.Errorf("the page's retry left %+v, the CLI's %+v", byPage, byCLI)
	}
	// Enqueued, not just marked: a delivery job is waiting to run now.
	if n := f.jobs(t, dead[0].ID); n != 1 {
		t.Errorf("delivery %d has %d jobs available, want 1", dead[0].ID, n)
	}
	_, body = get(t, c, f.srv.URL, "/webhooks?state=dead", "Accept-Language", "en")
	if want := "Delivery " + id + " queued for retry."; !strings.Contains(body, want) {
		t.Errorf("after the retry the page does not say %q", want)
	}
	if _, listedAgain := listed(body)[dead[0].ID]; listedAgain {
		t.Errorf("the retried delivery is still in the dead list")
	}
	if _, body = get(t, c, f.srv.URL, "/webhooks?state=dead", "Accept-Language", "en"); strings.Contains(body, "queued for retry") {
		t.Error("the notice is shown again on a reload")
	}

	// Discard one: 'salesengine discard ID'.
	did := strconv.FormatInt(dead[2].ID, 10)
	post(t, c, f.srv.URL, "/webhooks/discard", retryForm(csrf, "id", did, "/webhooks"))
	if d := f.delivery(t, dead[2].ID); d.State != store.DeliveryDiscarded {
		t.Errorf("after discard: %s", d.State)
	}
	_, body = get(t, c, f.srv.URL, "/webhooks", "Accept-Language", "es")
	if !strings.Contains(body, "Descartada la entrega "+did+".") {
		t.Errorf("the page does not report the discard")
	}
	if _, still := listed(body)[dead[2].ID]; still {
		t.Error("the discarded delivery is still listed")
	}

	// What cannot be done is said, not a 500: discarded again, an id that does not exist, no id.
	for _, tc := range []struct {
		path  string
		form  url.Values
		plain string
	}{
		{"/webhooks/retry", retryForm(csrf, "id", did, "/webhooks"), "Delivery " + did + " is neither pending nor dead: nothing to retry."},
		{"/webhooks/discard", retryForm(csrf, "id", did, "/webhooks"), "Delivery " + did + " is neither pending nor dead: nothing to discard."},
		{"/webhooks/retry", retryForm(csrf, "id", "987654321", "/webhooks"), "There is no delivery 987654321."},
		{"/webhooks/discard", retryForm(csrf, "id", "abc", "/webhooks"), "The button named no delivery."},
		{"/webhooks/discard", retryForm(csrf, "connection", "acme", "/webhooks"), "The button named no delivery."},
		{"/webhooks/retry", retryForm(csrf, "connection", "nosuch", "//evil.example/"), "There is no such connection."},
	} {
		resp, _ := post(t, c, f.srv.URL, tc.path, tc.form)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/webhooks") {
			t.Errorf("%s %v = %d to %q", tc.path, tc.form, resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, body := get(t, c, f.srv.URL, "/webhooks", "Accept-Language", "en"); !strings.Contains(body, html.EscapeString(tc.plain)) {
			t.Errorf("%s %v: the page does not say %q", tc.path, tc.form, tc.plain)
		}
	}

	// Retry all of a connection: 'salesengine retry --all -c globex'.
	before := f.deliveries(t, globex.ID, store.DeliveryPending, store.DeliveryDead)
	post(t, c, f.srv.URL, "/webhooks/retry", retryForm(csrf, "connection", "globex", "/webhooks"))
	for _, d := range f.deliveries(t, globex.ID, store.DeliveryPending, store.DeliveryDead) {
		if d.State != store.DeliveryPending || d.Attempts != 0 || d.NextAttemptAt != nil {
			t.Errorf("globex's delivery %d after retry all: %s, %d attempts", d.ID, d.State, d.Attempts)
		}
	}
	if _, body := get(t, c, f.srv.URL, "/webhooks", "Accept-Language", "en"); !strings.Contains(body, fmt.Sprintf("%d deliveries queued for retry.", len(before))) {
		t.Errorf("retry all does not report %d deliveries", len(before))
	}
	// acme's dead ones were not touched by globex's button.
	if n := len(f.deliveries(t, acme.ID, store.DeliveryDead)); n != len(dead)-3 {
		t.Errorf("acme has %d dead deliveries, want %d", n, len(dead)-3)
	}

	// A flash cookie made elsewhere is not shown.
	u, _ := url.Parse(f.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: flashCookie, Value: "flash.retry_many~false~n99999.AAAA"}})
	if _, body := get(t, c, f.srv.URL, "/webhooks", "Accept-Language", "en"); strings.Contains(body, "99999") {
		t.Error("a forged flash cookie was shown")
	}
}

// jobs counts the delivery jobs of a delivery that are waiting to run now.
func (f *fixture) jobs(t *testing.T, deliveryID int64) int {
	t.Helper()
	var n int
	err := f.store.DB().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'webhook_deliver' AND state = 'available'
		AND json_extract(args, '$.delivery_id') = ?`, deliveryID).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConnectionsPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{Tenants: 2, Env: map[string]string{"SALESENGINE_ODOO_RETRIES": "0"}})
	ctx := context.Background()
	acme, globex := f.conns[0], f.conns[1]
	// globex's Odoo breaks: its next pass fails.
	f.odoos[1].InjectFault(odootest.Fault{Kind: odootest.HTTP500})
	outs, err := f.eng.SyncAll(ctx, "globex", engine.SyncOptions{})
	if err != nil || len(outs) != 1 || outs[0].Err == nil {
		t.Fatalf("globex's pass with its Odoo broken: %v, %+v", err, outs)
	}
	logs, err := f.store.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: globex.ID, Limit: 1})
	if err != nil || len(logs) != 1 || logs[0].Status != store.SyncFailed {
		t.Fatalf("globex's newest log: %+v, %v", logs, err)
	}
	// A serve process on another machine holds acme's lease; nobody holds globex's.
	if _, err := f.store.ServeProcessBeat(ctx, &store.ServeProcess{ID: "worker-7:4242-x", Hostname: "worker-7", PID: 4242}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if l, err := f.store.ConnectionLeaseClaim(ctx, "worker-7:4242-x", 1, 0); err != nil || len(l) != 1 || l[0].ConnectionID != acme.ID {
		t.Fatalf("claim acme's lease: %+v, %v", l, err)
	}
	c := f.client(t)
	resp, body := get(t, c, f.srv.URL, "/connections", "Accept-Language", "es")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /connections = %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{fmt.Sprintf(`<tr id="c-%d" data-connection="acme">`, acme.ID), fmt.Sprintf(`id="c-%d"`, globex.ID),
		`<span class="badge ok">al día</span>`, `<span class="badge failing">fallando</span>`, html.EscapeString(logs[0].Error),
		"17.0", "cada 1 min", `href="/connections/globex"`, "Sondeada por", `<small class="wrap">worker-7:4242</small>`, "ningún serve"} {
		if !strings.Contains(body, want) {
			t.Errorf("/connections lacks %q", want)
		}
	}
	// The overview's links land on the rows.
	_, overview := get(t, c, f.srv.URL, "/")
	if !strings.Contains(overview, fmt.Sprintf(`href="/connections#c-%d"`, globex.ID)) {
		t.Error("the overview does not link to globex's row")
	}
	// Problems only: globex.
	_, body = get(t, c, f.srv.URL, "/connections?status=problems")
	if strings.Contains(body, `data-connection="acme"`) || !strings.Contains(body, `data-connection="globex"`) {
		t.Error("the problems filter should show globex only")
	}

	// A connection's page: its whole log, page by page, figures as stored.
	t0 := time.Now().Add(time.Hour) // after the fixture's own passes: these are the newest
	for i := range logPageSize + 5 {
		start := t0.Add(time.Duration(i) * time.Minute)
		fin := start.Add(time.Duration(i+1) * 100 * time.Millisecond)
		if _, err := f.store.SyncLogInsert(ctx, &store.SyncLog{ConnectionID: acme.ID, Kind: "incremental", StartedAt: start,
			FinishedAt: &fin, Status: store.SyncOK, RecordsFetched: int64(1000 + i), RecordsInserted: int64(i), RecordsUpdated: 2}); err != nil {
			t.Fatal(err)
		}
	}
	stored, err := f.store.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: acme.ID})
	if err != nil {
		t.Fatal(err)
	}
	resp, body = get(t, c, f.srv.URL, "/connections/acme", "Accept-Language", "en")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /connections/acme = %d", resp.StatusCode)
	}
	logRow := regexp.MustCompile(`<tr data-log="(\d+)"`)
	page1 := logRow.FindAllStringSubmatch(body, -1)
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next"`).FindStringSubmatch(body)
	if len(page1) != logPageSize || next == nil {
		t.Fatalf("first page: %d passes, next %v", len(page1), next)
	}
	for i, m := range page1 {
		if m[1] != strconv.FormatInt(stored[i].ID, 10) {
			t.Fatalf("row %d is log %s, want %d (newest first)", i, m[1], stored[i].ID)
		}
	}
	_, body2 := get(t, c, f.srv.URL, html.UnescapeString(next[1]), "Accept-Language", "en")
	page2 := logRow.FindAllStringSubmatch(body2, -1)
	if len(page1)+len(page2) != len(stored) || strings.Contains(body2, `rel="next"`) {
		t.Errorf("pages hold %d + %d passes, %d are stored", len(page1), len(page2), len(stored))
	}
	// The newest inserted pass: 1,054 read, 54+2 stored, 5.5 s.
	newest := stored[0]
	id := strconv.FormatInt(newest.ID, 10)
	for class, want := range map[string]string{"num": "1,054"} {
		if got := cell(t, body, "data-log", id, class); got != want {
			t.Errorf("read = %q, want %q", got, want)
		}
	}
	row := regexp.MustCompile(`(?s)<tr data-log="` + id + `".*?</tr>`).FindString(body)
	for _, want := range []string{">56</abbr>", "54 new, 2 changed", "5.5 s", "incremental", "ok"} {
		if !strings.Contains(row, want) {
			t.Errorf("the newest pass's row lacks %q:\n%s", want, row)
		}
	}
	// A pass whose process died records no counts: shown as unknown, not as 0.
	died, err := f.store.SyncLogInsert(ctx, &store.SyncLog{ConnectionID: acme.ID, Kind: "initial", StartedAt: t0.Add(time.Hour),
		Status: store.SyncInterrupted, Error: "the process stopped before this sync finished"})
	if err != nil {
		t.Fatal(err)
	}
	_, body = get(t, c, f.srv.URL, "/connections/acme", "Accept-Language", "en")
	row = regexp.MustCompile(`(?s)<tr data-log="` + strconv.FormatInt(died, 10) + `".*?</tr>`).FindString(body)
	if strings.Count(row, `class="num">–</td>`) != 4 || strings.Contains(row, `class="num">0</td>`) {
		t.Errorf("a pass whose process died shows counts:\n%s", row)
	}
	_, body = get(t, c, f.srv.URL, "/connections", "Accept-Language", "en")
	if !strings.Contains(body, "– read, – stored, – removed") {
		t.Error("/connections: the hover text of a pass whose process died shows counts")
	}
	if resp, body := get(t, c, f.srv.URL, "/connections/nosuch"); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "nosuch") {
		t.Errorf("unknown connection: %d", resp.StatusCode)
	}
}
