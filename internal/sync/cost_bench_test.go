package sync_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/odoo/odootest"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/sync"
)

// The cost benchmarks of issue #11: what a sync costs Odoo (server time and calls, from the fake's CallStats) and
// what it costs the client (CPU per stored line, peak heap). The fake Odoo runs in a child process controlled
// through its standard input (stats, reset, now, advance), so neither its heap nor its CPU is counted as the
// client's, and the sync's clock follows the fake's (the fake's clock moves only when told). Run them with
//
//	go test -run '^$' -bench 'BenchmarkSync(ServerCost|IdlePass|LargeOrders|ClientCPU)' -benchtime 1x ./internal/sync/

// costFakeEnv makes the test binary serve a controllable fake Odoo (see TestMain and serveCostFake).
const costFakeEnv = "SALESENGINE_BENCH_COST_FAKE"

// costData returns the fake's data for a size: "50k" (about 57k lines), "200k", "orders=N" (about N orders
// with the 50k profile's lines per order), "large" (a small history and 20 orders of 5,000 lines each).
func costData(size string) (*odootest.GenerateOptions, error) {
	switch {
	case size == "50k":
		return &odootest.GenerateOptions{Years: 3, SKUs: 500, LinesPerMonth: 1400}, nil
	case size == "57k": // about 57k lines in Odoo, 48k stored
		return &odootest.GenerateOptions{Years: 3, SKUs: 500, LinesPerMonth: 1900}, nil
	case size == "200k":
		return odootest.LargeHistory(), nil
	case size == "large":
		return &odootest.GenerateOptions{Years: 1, SKUs: 50, LinesPerMonth: 50}, nil
	case strings.HasPrefix(size, "orders="):
		n, err := strconv.Atoi(strings.TrimPrefix(size, "orders="))
		if err != nil {
			return nil, err
		}
		// 3 years of the 50k profile hold about 11.6k orders (quotations included): scale the monthly volume.
		return &odootest.GenerateOptions{Years: 3, SKUs: 500, LinesPerMonth: max(1, 1400*n/11600)}, nil
	}
	return nil, fmt.Errorf("unknown size %q", size)
}

// serveCostFake runs a fake Odoo, prints "URL lines orders", then answers one command per input line until its
// standard input closes: "stats" (CallStats as JSON), "reset", "now" (RFC 3339), "advance <duration>", "cpu"
// (the process's CPU time so far, user and system, in nanoseconds).
func serveCostFake(size string) {
	// A size ending in "-nomoves" hides stock.move from the API user: the sync then skips the stock history (one
	// refused call), as every sync did before it read one, and measures the sales alone.
	size, noMoves := strings.CutSuffix(size, "-nomoves")
	data, err := costData(size)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv, err := odootest.NewServer(odootest.Options{Version: "17", Seed: 3, Data: data})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if noMoves {
		srv.DenyAccess("stock.move")
	}
	if size == "large" {
		if err := addLargeOrders(srv, 20, 5000); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// The initial sync comes later than the orders: they are older than the lag, within the recheck window.
		srv.Advance(10 * time.Minute)
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "%s %d %d\n", srv.URL(), srv.Count("sale.order.line"), srv.Count("sale.order"))
	out.Flush()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "stats":
			b, _ := json.Marshal(srv.Stats())
			out.Write(b)
			out.WriteByte('\n')
		case "reset":
			srv.ResetStats()
			fmt.Fprintln(out, "ok")
		case "now":
			fmt.Fprintln(out, srv.Now().Format(time.RFC3339Nano))
		case "cpu":
			fmt.Fprintln(out, int64(processCPU()))
		case "advance":
			d, err := time.ParseDuration(arg)
			if err != nil {
				fmt.Fprintln(out, "error", err)
				break
			}
			srv.Advance(d)
			fmt.Fprintln(out, "ok")
		default:
			fmt.Fprintln(out, "error unknown command")
		}
		out.Flush()
	}
	srv.Close()
}

// addLargeOrders adds n confirmed orders of lines lines each (cycling through the products), one transaction
// per order.
func addLargeOrders(srv *odootest.Server, n, lines int) error {
	var products []int64
	for _, p := range srv.Products() {
		products = append(products, p.ID)
	}
	if len(products) == 0 {
		return fmt.Errorf("no products")
	}
	// The generated history can leave the fake's last transaction stamp ahead of its clock (some generated
	// record is stamped after it), and later transactions are stamped after that one: move the clock past it,
	// or these orders would carry write_dates in the future and every pass would read them again.
	var wd time.Time
	if err := srv.Batch(func(tx *odootest.Tx) error { wd = tx.WriteDate(); return nil }); err != nil {
		return err
	}
	if wd.After(srv.Now()) {
		srv.SetNow(wd.Add(time.Second).Truncate(time.Second))
	}
	for i := 0; i < n; i++ {
		ls := make([]odootest.NewLine, lines)
		for j := range ls {
			ls[j] = odootest.NewLine{ProductID: products[(i*lines+j)%len(products)], Qty: float64(1 + j%7)}
		}
		err := srv.Batch(func(tx *odootest.Tx) error {
			_, err := tx.AddOrder(odootest.NewOrder{State: "sale", Lines: ls})
			return err
		})
		if err != nil {
			return err
		}
		srv.Advance(time.Second)
	}
	return nil
}

// costFake is the parent's handle on a fake Odoo child process.
type costFake struct {
	url           string
	lines, orders int
	mu            gosync.Mutex
	in            io.Writer
	out           *bufio.Reader
}

func startCostFake(b *testing.B, size string) *costFake {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), costFakeEnv+"="+size)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	f := &costFake{in: stdin, out: bufio.NewReaderSize(stdout, 1<<16)}
	line, err := f.out.ReadString('\n')
	if err != nil {
		b.Fatalf("fake Odoo process: %v", err)
	}
	if _, err := fmt.Sscan(line, &f.url, &f.lines, &f.orders); err != nil {
		b.Fatalf("fake Odoo process: %q: %v", line, err)
	}
	return f
}

func (f *costFake) do(cmd string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := fmt.Fprintln(f.in, cmd); err != nil {
		panic(err)
	}
	line, err := f.out.ReadString('\n')
	if err != nil {
		panic(err)
	}
	line = strings.TrimSuffix(line, "\n")
	if strings.HasPrefix(line, "error") {
		panic(line)
	}
	return line
}

func (f *costFake) Stats() odootest.CallStats {
	var st odootest.CallStats
	if err := json.Unmarshal([]byte(f.do("stats")), &st); err != nil {
		panic(err)
	}
	return st
}

func (f *costFake) Reset() { f.do("reset") }

// CPU is the fake process's CPU time so far. Unlike CallStats.ServerTime (wall-clock time in the handler), it
// does not grow while a handler waits for the client to read its answer, or for a core the client holds.
func (f *costFake) CPU() time.Duration {
	n, err := strconv.ParseInt(f.do("cpu"), 10, 64)
	if err != nil {
		panic(err)
	}
	return time.Duration(n)
}

func (f *costFake) Advance(d time.Duration) { f.do("advance " + d.String()) }

func (f *costFake) Now() time.Time {
	t, err := time.Parse(time.RFC3339Nano, f.do("now"))
	if err != nil {
		panic(err)
	}
	return t
}

func (f *costFake) client(b *testing.B) *odoo.Client {
	b.Helper()
	c, err := odoo.New(odoo.Config{URL: f.url, Database: "odoo", Username: "admin", Secret: "admin"})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// costRun is a store, a connection and a syncer whose clock is the fake's.
type costRun struct {
	st     store.Store
	conn   *store.Connection
	syncer *sync.Syncer
	client *odoo.Client
}

func newCostRun(b *testing.B, f *costFake, engine string) *costRun {
	b.Helper()
	st := openBenchStore(b, engine)
	conn, err := st.ConnectionInsert(context.Background(), &store.ConnectionInsertParams{Name: "bench", URL: f.url, Protocol: "auto", Active: true})
	if err != nil {
		b.Fatal(err)
	}
	return &costRun{st: st, conn: conn, client: f.client(b), syncer: &sync.Syncer{Store: st, Now: f.Now}}
}

func (r *costRun) sync(b *testing.B) sync.Result {
	b.Helper()
	res, err := r.syncer.Sync(context.Background(), r.conn, r.client, sync.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return res
}

func (r *costRun) storedLines(b *testing.B) int64 { return r.count(b, "sales_items") }

func (r *costRun) count(b *testing.B, table string) int64 {
	b.Helper()
	var n int64
	if err := r.st.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// formatStats lists the calls of st by method: calls, server time, records.
func formatStats(st odootest.CallStats) string {
	keys := make([]string, 0, len(st.ByMethod))
	for k := range st.ByMethod {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var sb strings.Builder
	fmt.Fprintf(&sb, "total: %d calls, %.1f ms", st.Calls, ms(st.ServerTime))
	for _, k := range keys {
		m := st.ByMethod[k]
		fmt.Fprintf(&sb, "\n    %-32s calls=%-5d server=%9.1f ms  records=%d", k, m.Calls, ms(m.ServerTime), m.Records)
	}
	return sb.String()
}

// logf prints to standard error: benchmark logs are truncated after a few lines.
func logf(b *testing.B, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s: "+format+"\n", append([]any{b.Name()}, args...)...)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// plainRead is what a plain paged read of every order then every line costs the server: search_read with the
// fields the sync reads (those the server has), by id keyset, pages of pageSize. Login and fields_get are not
// counted.
func plainRead(b *testing.B, f *costFake, pageSize int) (odootest.CallStats, time.Duration) {
	b.Helper()
	ctx := context.Background()
	c := f.client(b)
	if _, err := c.Login(ctx); err != nil {
		b.Fatal(err)
	}
	orderFields := [][]string{{"id"}, {"name"}, {"state"}, {"date_order"}, {"write_date"}, {"create_date"},
		{"partner_id"}, {"company_id"}, {"currency_id"}, {"amount_untaxed"}, {"amount_tax"}, {"amount_total"},
		{"locked"}, {"client_order_ref"}, {"commitment_date"}, {"warehouse_id"}, {"user_id"}}
	lineFields := [][]string{{"id"}, {"order_id"}, {"state"}, {"display_type"}, {"product_id"},
		{"product_uom_qty"}, {"product_uom_id", "product_uom"}, {"qty_delivered"}, {"qty_invoiced"},
		{"price_unit"}, {"discount"}, {"price_subtotal"}, {"price_total"}, {"currency_id"}, {"company_id"}, {"write_date"}}
	fieldsOf := func(model string, spec [][]string) []string {
		avail, err := c.FieldsGet(ctx, model)
		if err != nil {
			b.Fatal(err)
		}
		var out []string
		for _, alts := range spec {
			for _, n := range alts {
				if _, ok := avail[n]; ok || n == "id" {
					out = append(out, n)
					break
				}
			}
		}
		return out
	}
	of, lf := fieldsOf("sale.order", orderFields), fieldsOf("sale.order.line", lineFields)
	f.Reset()
	cpu0 := f.CPU()
	for _, m := range []struct {
		model  string
		fields []string
	}{{"sale.order", of}, {"sale.order.line", lf}} {
		q := odoo.Query{Fields: m.fields, PageSize: pageSize, IncludeArchived: true}
		if err := c.SearchRead(ctx, m.model, q, func([]odoo.Record) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	return f.Stats(), f.CPU() - cpu0
}

// BenchmarkSyncServerCost compares the server time of an initial sync (everything it calls: login, products,
// listings, reads, stock, reconciliation) with a plain paged read of orders and lines.
func BenchmarkSyncServerCost(b *testing.B) {
	// 50k-nomoves: the sales alone (the fake refuses stock.move), as issue #11's target was set; its CPU ratio
	// compares the whole first sync with the plain read.
	for _, size := range []string{"50k", "50k-nomoves"} {
		f := startCostFake(b, size)
		b.Run(fmt.Sprintf("sqlite/%s/lines=%d", size, f.lines), func(b *testing.B) {
			var syncT, plainT, plain5kT, ordersLinesT, syncCPU, plainCPU time.Duration
			var syncCalls, plainCalls int64
			for i := 0; i < b.N; i++ {
				r := newCostRun(b, f, "sqlite")
				f.Reset()
				cpu0 := f.CPU()
				r.sync(b)
				syncCPU += f.CPU() - cpu0
				st := f.Stats()
				logf(b, "initial sync (%d stored lines): %s", r.storedLines(b), formatStats(st))
				r.st.Close()
				syncT += st.ServerTime
				syncCalls += st.Calls
				for k, m := range st.ByMethod {
					if strings.HasPrefix(k, "sale.order.") || strings.HasPrefix(k, "sale.order.line.") {
						ordersLinesT += m.ServerTime
					}
				}
				p, pcpu := plainRead(b, f, odoo.DefaultPageSize)
				logf(b, "plain read, pages of %d: %s", odoo.DefaultPageSize, formatStats(p))
				plainT += p.ServerTime
				plainCPU += pcpu
				plainCalls += p.Calls
				p5, _ := plainRead(b, f, 10*odoo.DefaultPageSize)
				logf(b, "plain read, pages of %d: %s", 10*odoo.DefaultPageSize, formatStats(p5))
				plain5kT += p5.ServerTime
			}
			n := float64(b.N)
			b.ReportMetric(ms(syncT)/n, "server-ms")
			b.ReportMetric(ms(ordersLinesT)/n, "orders+lines-server-ms")
			b.ReportMetric(ms(plainT)/n, "plain-server-ms")
			b.ReportMetric(ms(plain5kT)/n, "plain5000-server-ms")
			b.ReportMetric(float64(syncT)/float64(plainT), "ratio")
			// The fake's CPU: what serving the calls cost it, whatever the client's pace of reading.
			b.ReportMetric(ms(syncCPU)/n, "server-cpu-ms")
			b.ReportMetric(ms(plainCPU)/n, "plain-server-cpu-ms")
			b.ReportMetric(float64(syncCPU)/float64(plainCPU), "cpu-ratio")
			b.ReportMetric(float64(syncCalls)/n, "calls")
			b.ReportMetric(float64(plainCalls)/n, "plain-calls")
		})
	}
}

// BenchmarkSyncIdlePass counts the calls of incremental passes that find nothing changed, with the client of the
// initial sync (login and fields_get cached): right after the initial sync, after the clock moved past the lag,
// and with the recent months reconciled after every pass (RecentEvery < 0).
func BenchmarkSyncIdlePass(b *testing.B) {
	f := startCostFake(b, "50k")
	b.Run(fmt.Sprintf("sqlite/lines=%d", f.lines), func(b *testing.B) {
		var calls [3]int64
		var took [3]time.Duration
		for i := 0; i < b.N; i++ {
			r := newCostRun(b, f, "sqlite")
			r.sync(b)
			passes := []struct {
				name   string
				before func()
			}{
				{"right after the initial sync", func() {}},
				{"clock advanced by lag+30s", func() { f.Advance(sync.DefaultLag + 30*time.Second) }},
				{"clock advanced by lag+30s, RecentEvery=-1", func() {
					f.Advance(sync.DefaultLag + 30*time.Second)
					r.syncer.RecentEvery = -1
				}},
			}
			for j, p := range passes {
				p.before()
				f.Reset()
				start := time.Now()
				res := r.sync(b)
				took[j] += time.Since(start)
				st := f.Stats()
				calls[j] += st.Calls
				logf(b, "idle pass %q: fetched=%d inserted=%d updated=%d notes=%q, %v: %s", p.name, res.Fetched, res.Inserted,
					res.Updated, res.Notes, time.Since(start).Round(time.Millisecond), formatStats(st))
			}
			r.st.Close()
		}
		n := float64(b.N)
		b.ReportMetric(float64(calls[0])/n, "calls-now")
		b.ReportMetric(float64(calls[1])/n, "calls-advanced")
		b.ReportMetric(float64(calls[2])/n, "calls-recent")
		b.ReportMetric(ms(took[1])/n, "pass-ms")
	})
}

// BenchmarkSyncLargeOrders syncs 20 orders of 5,000 lines each (written 10 minutes before the initial sync): the
// peak heap of the initial sync, then idle passes right after it, once the clock moved past the lag, once it
// moved by the recheck window (a pass's window starts a recheck window before the last pass's cursor, so this
// pass still lists the orders' lines), and once more past the lag (the first pass that no longer lists them).
func BenchmarkSyncLargeOrders(b *testing.B) {
	f := startCostFake(b, "large")
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(fmt.Sprintf("%s/lines=%d", engine, f.lines), func(b *testing.B) {
			var peak uint64
			var initial, idleNow, idleLater, idleHour, idlePast time.Duration
			var callsNow, callsLater, callsHour, callsPast int64
			for i := 0; i < b.N; i++ {
				r := newCostRun(b, f, engine)
				f.Reset()
				start := time.Now()
				p := measurePeak(func() { r.sync(b) })
				initial += time.Since(start)
				peak = max(peak, p)
				logf(b, "initial: %v, peak heap %.1f MiB, %d stored lines: %s", time.Since(start).Round(time.Millisecond),
					float64(p)/(1<<20), r.storedLines(b), formatStats(f.Stats()))
				for j, adv := range []time.Duration{0, sync.DefaultLag + 30*time.Second, sync.DefaultRecheck, sync.DefaultLag + 30*time.Second} {
					f.Advance(adv)
					f.Reset()
					start := time.Now()
					res := r.sync(b)
					d := time.Since(start)
					st := f.Stats()
					logf(b, "idle pass after advancing %v: %v, fetched=%d: %s", adv, d.Round(time.Millisecond), res.Fetched, formatStats(st))
					switch j {
					case 0:
						idleNow += d
						callsNow += st.Calls
					case 1:
						idleLater += d
						callsLater += st.Calls
					case 2:
						idleHour += d
						callsHour += st.Calls
					default:
						idlePast += d
						callsPast += st.Calls
					}
				}
				r.st.Close()
			}
			n := float64(b.N)
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(ms(initial)/n, "initial-ms")
			b.ReportMetric(ms(idleNow)/n, "idle-now-ms")
			b.ReportMetric(float64(callsNow)/n, "idle-now-calls")
			b.ReportMetric(ms(idleLater)/n, "idle-advanced-ms")
			b.ReportMetric(float64(callsLater)/n, "idle-advanced-calls")
			b.ReportMetric(ms(idleHour)/n, "idle-recheck-ms")
			b.ReportMetric(float64(callsHour)/n, "idle-recheck-calls")
			b.ReportMetric(ms(idlePast)/n, "idle-past-recheck-ms")
			b.ReportMetric(float64(callsPast)/n, "idle-past-recheck-calls")
		})
	}
}

// BenchmarkSyncClientCPU measures the client's CPU (user+sys of this process: the fake runs in a child) per
// stored line over an initial sync, the allocations per stored line (count and bytes: steady on a busy machine,
// unlike CPU time), and its peak heap, at several history sizes. With PostgreSQL the database
// server's CPU is not counted either; with SQLite it is (it runs in this process).
func BenchmarkSyncClientCPU(b *testing.B) {
	sizes := []string{"57k", "orders=5000", "orders=20000", "orders=40000"}
	if s := os.Getenv("SALESENGINE_BENCH_SIZES"); s != "" {
		sizes = strings.Split(s, ",")
	}
	for _, size := range sizes {
		f := startCostFake(b, size)
		for _, engine := range []string{"sqlite", "postgres"} {
			b.Run(fmt.Sprintf("%s/%s/orders=%d/lines=%d", engine, size, f.orders, f.lines), func(b *testing.B) {
				var cpu, wall time.Duration
				var stored, moves int64
				var peak, mallocs, allocBytes, written, faults uint64
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					r := newCostRun(b, f, engine)
					b.StartTimer()
					var m0, m1 runtime.MemStats
					runtime.ReadMemStats(&m0)
					start, cpu0, w0, f0 := time.Now(), processCPU(), processWritten(), processFaults()
					p := measurePeak(func() { r.sync(b) })
					cpu += processCPU() - cpu0
					faults += processFaults() - f0
					written += processWritten() - w0
					runtime.ReadMemStats(&m1)
					mallocs += m1.Mallocs - m0.Mallocs
					allocBytes += m1.TotalAlloc - m0.TotalAlloc
					wall += time.Since(start)
					b.StopTimer()
					peak = max(peak, p)
					stored += r.storedLines(b)
					moves += r.count(b, "stock_moves")
					r.st.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(cpu.Microseconds())/float64(stored), "client-us/line")
				// Allocations do not depend on the machine's load: compare changes by these too.
				b.ReportMetric(float64(mallocs)/float64(stored), "allocs/line")
				b.ReportMetric(float64(allocBytes)/float64(stored), "B/line")
				// Bytes this process wrote through system calls (SQLite's WAL and checkpoints; with PostgreSQL, the
				// protocol): like allocations, steady on a busy machine.
				b.ReportMetric(float64(written)/float64(stored), "written-B/line")
				// Page faults (first touches of memory new to the process: SQLite's page cache, the Go heap's
				// growth): their kernel time is in client-us/line, and on a virtual machine it is dear.
				b.ReportMetric(float64(faults)/float64(stored)*1000, "faults/kline")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(stored)/float64(b.N), "stored-lines")
				// The stock history's moves are written by the same sync: their CPU is in client-us/line too.
				b.ReportMetric(float64(moves)/float64(b.N), "stored-moves")
				b.ReportMetric(float64(stored)/wall.Seconds(), "lines/s")
			})
		}
	}
}

// processCPU is this process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processFaults is the minor and major page faults of this process so far.
func processFaults() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return uint64(ru.Minflt + ru.Majflt)
}

// processWritten is the bytes this process has passed to write system calls (wchar in /proc/self/io; 0 where
// there is no such file).
func processWritten() uint64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, _ := strconv.ParseUint(v, 10, 64)
			return n
		}
	}
	return 0
}

// measurePeak runs fn and returns the largest HeapInuse seen during it above the heap in use before it.
func measurePeak(fn func()) uint64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop := sampleHeap(&peak)
	fn()
	stop()
	return peak - min(peak, base.HeapInuse)
}
