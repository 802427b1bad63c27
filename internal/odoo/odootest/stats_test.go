package odootest

import (
	"net/http"
	"testing"
	"time"
)

func TestStatsPerMethod(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Version: "19", Seed: 6, Data: smallData()})
	rpc(t, s, "common", "version")
	if st := s.Stats(); st.Calls != 1 || st.ByMethod["common.version"].Calls != 1 || st.ServerTime <= 0 {
		t.Fatalf("after one call: %+v", st)
	}
	s.ResetStats()
	if st := s.Stats(); st.Calls != 0 || st.ServerTime != 0 || len(st.ByMethod) != 0 {
		t.Fatalf("after ResetStats: %+v", st)
	}
	calls0 := s.Calls()

	// JSON-RPC search_read: 25 rows, twice
	for i := 0; i < 2; i++ {
		if got := rows(t, ok(t, kw(t, s, "sale.order.line", "search_read", []any{[]any{}},
			map[string]any{"fields": []any{"write_date"}, "limit": 25}))); len(got) != 25 {
			t.Fatalf("search_read %d rows", len(got))
		}
	}
	// JSON-RPC read of 3 ids, search_count (no records), an Odoo error (no records)
	ids := searchIDs(t, s, "sale.order", []any{}, map[string]any{"limit": 3}) // search: 3 ids
	rows(t, ok(t, kw(t, s, "sale.order", "read", []any{anyIDs(ids), []any{"name"}}, nil)))
	count(t, s, "sale.order", []any{}, nil)
	errData(t, kw(t, s, "sale.order", "search_read", []any{[]any{[]any{"nope", "=", 1}}}, nil))
	// XML-RPC search with a limit of 7
	body := xmlCallBody("execute_kw", xs("odoo"), xi("2"), xs("admin"), xs("product.product"), xs("search"),
		"<array><data><value><array><data></data></array></value></data></array>",
		"<struct><member><name>limit</name><value><int>7</int></value></member></struct>")
	if _, code, msg := decodeResponse(t, xmlPost(t, s, "object", body)); code != 0 {
		t.Fatal(msg)
	}
	// JSON-2 search_read of 4 partners, and a 401
	if status, _, b := json2(t, s, "res.partner/search_read", `{"fields": ["name"], "limit": 4}`, nil); status != 200 {
		t.Fatalf("JSON-2 %d %s", status, b)
	}
	if status, _, _ := json2(t, s, "res.partner/search_read", `{}`, map[string]string{"Authorization": "bearer no"}); status != 401 {
		t.Fatalf("JSON-2 bad key: %d", status)
	}
	// an undecodable body, and a slow fault (server time)
	post(t, s.URL()+"/jsonrpc", "application/json", []byte("{"), nil)
	s.InjectFault(Fault{Kind: Slow, Delay: 30 * time.Millisecond, Count: 1, Match: "fields_get"})
	ok(t, kw(t, s, "sale.order", "fields_get", nil, map[string]any{"attributes": []any{"type"}}))
	// not RPC calls: not counted
	if resp, err := http.Get(s.URL() + "/web/version"); err == nil {
		resp.Body.Close()
	}

	st := s.Stats()
	want := map[string]MethodStats{
		"sale.order.line.search_read": {Calls: 2, Records: 50},
		"sale.order.search":           {Calls: 1, Records: 3},
		"sale.order.read":             {Calls: 1, Records: 3},
		"sale.order.search_count":     {Calls: 1},
		"sale.order.search_read":      {Calls: 1},
		"product.product.search":      {Calls: 1, Records: 7},
		"res.partner.search_read":     {Calls: 2, Records: 4},
		unparsedKey:                   {Calls: 1},
		"sale.order.fields_get":       {Calls: 1},
	}
	var sum time.Duration
	for k, w := range want {
		g := st.ByMethod[k]
		if g.Calls != w.Calls || g.Records != w.Records || g.ServerTime <= 0 {
			t.Errorf("%s: %+v, want %+v", k, g, w)
		}
	}
	for _, g := range st.ByMethod {
		sum += g.ServerTime
	}
	if len(st.ByMethod) != len(want) {
		t.Errorf("keys %v", st.ByMethod)
	}
	if st.Calls != 11 || st.Calls != s.Calls()-calls0 || sum != st.ServerTime {
		t.Errorf("totals: %d calls (counter %d), %v server time (methods sum %v)", st.Calls, s.Calls()-calls0, st.ServerTime, sum)
	}
	if st.ByMethod["sale.order.fields_get"].ServerTime < 30*time.Millisecond {
		t.Errorf("slow call timed %v", st.ByMethod["sale.order.fields_get"].ServerTime)
	}
	// Stats is a copy
	st.ByMethod["sale.order.read"] = MethodStats{}
	if s.Stats().ByMethod["sale.order.read"].Calls != 1 {
		t.Error("Stats shares its map with the server")
	}
}

func anyIDs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// TestCallLog: with RecordCalls, each call is logged with its caller's User-Agent and its times; without, none.
func TestCallLog(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Version: "17", Seed: 6, RecordCalls: true})
	before := time.Now()
	body := []byte(`{"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "common", "method": "version", "args": []}}`)
	post(t, s.URL()+"/jsonrpc", "application/json", body, map[string]string{"User-Agent": "salesengine/dev (web-1:42)"})
	post(t, s.URL()+"/jsonrpc", "application/json", body, map[string]string{"User-Agent": "salesengine/dev (web-2:7)"})
	log := s.CallLog()
	if len(log) != 2 || log[0].UserAgent != "salesengine/dev (web-1:42)" || log[1].UserAgent != "salesengine/dev (web-2:7)" {
		t.Fatalf("call log: %+v", log)
	}
	for _, c := range log {
		if c.Key != "common.version" || c.Start.Before(before) || c.End.Before(c.Start) || time.Since(c.End) < 0 {
			t.Errorf("call %+v", c)
		}
	}
	if !log[1].Start.After(log[0].Start) {
		t.Errorf("second call started %v, the first %v", log[1].Start, log[0].Start)
	}
	quiet := Start(t, Options{Version: "17", Seed: 6})
	post(t, quiet.URL()+"/jsonrpc", "application/json", body, nil)
	if n := len(quiet.CallLog()); n != 0 {
		t.Errorf("%d calls logged without RecordCalls", n)
	}
}
