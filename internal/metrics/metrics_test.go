package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

type queues struct {
	stats []QueueStat
	err   error
}

func (q queues) WebhookQueueStats(context.Context) ([]QueueStat, error) { return q.stats, q.err }

// scrape fetches the handler over real HTTP and parses the answer with Prometheus' own text parser.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the scrape does not parse: %v", err)
	}
	return fams
}

// value returns the value of the series of family name whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	t.Fatalf("no series of %s with labels %v", name, want)
	return 0
}

func TestMetricsNamesAndValues(t *testing.T) {
	t.Parallel()
	oldest := time.Now().Add(-90 * time.Second)
	m := New(queues{stats: []QueueStat{{Connection: "acme", Pending: 7, OldestAt: oldest}, {Connection: "beta"}}}, nil)
	end := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	m.SyncPass("acme", "incremental", 2*time.Second, map[string]int64{"sale.order": 3, "sale.order.line": 9}, false, end)
	m.SyncPass("acme", "incremental", time.Second, map[string]int64{"sale.order": 1}, true, end.Add(time.Minute))
	m.CircuitSet("acme", CircuitOdoo, true)
	m.CircuitSet("acme", CircuitWebhook, false)
	m.Delivery("acme", OutcomeDelivered, 300*time.Millisecond)
	m.Delivery("acme", OutcomeFailed, 0)
	m.Delivery("acme", OutcomeDead, 0)
	m.ForecastRun(4*time.Second, end, map[string]int{"ALTA": 12, "BAJA": 3})

	fams := scrape(t, m.Handler())
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"salesengine_sync_last_success_timestamp_seconds", map[string]string{"connection": "acme"}, float64(end.Unix())}, // the failed pass does not move it
		{"salesengine_sync_duration_seconds", map[string]string{"connection": "acme", "kind": "incremental"}, 2},
		{"salesengine_sync_records_total", map[string]string{"connection": "acme", "model": "sale.order"}, 4},
		{"salesengine_sync_records_total", map[string]string{"connection": "acme", "model": "sale.order.line"}, 9},
		{"salesengine_sync_errors_total", map[string]string{"connection": "acme"}, 1},
		{"salesengine_circuit_open", map[string]string{"connection": "acme", "circuit": "odoo"}, 1},
		{"salesengine_circuit_open", map[string]string{"connection": "acme", "circuit": "webhook"}, 0},
		{"salesengine_webhook_deliveries_total", map[string]string{"connection": "acme", "outcome": "delivered"}, 1},
		{"salesengine_webhook_deliveries_total", map[string]string{"connection": "acme", "outcome": "dead"}, 1},
		{"salesengine_webhook_delivery_latency_seconds", nil, 1}, // only the delivered one
		{"salesengine_webhook_queue_depth", map[string]string{"connection": "acme"}, 7},
		{"salesengine_webhook_queue_depth", map[string]string{"connection": "beta"}, 0},
		{"salesengine_webhook_oldest_pending_age_seconds", map[string]string{"connection": "beta"}, 0},
		{"salesengine_forecast_last_run_timestamp_seconds", nil, float64(end.Unix())},
		{"salesengine_forecast_duration_seconds", nil, 1},
		{"salesengine_plan_skus", map[string]string{"priority": "ALTA"}, 12},
		{"salesengine_plan_skus", map[string]string{"priority": "MEDIA"}, 0},
	} {
		if got := value(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if age := value(t, fams, "salesengine_webhook_oldest_pending_age_seconds", map[string]string{"connection": "acme"}); age < 90 || age > 120 {
		t.Errorf("oldest pending age %v s, want about 90", age)
	}
	if _, ok := fams["process_resident_memory_bytes"]; !ok {
		t.Error("no process metrics")
	}

	m.ConnectionForget("acme")
	fams = scrape(t, m.Handler())
	for _, f := range []string{"salesengine_sync_records_total", "salesengine_circuit_open", "salesengine_webhook_deliveries_total"} {
		if _, ok := fams[f]; ok {
			t.Errorf("%s still has series of a forgotten connection", f)
		}
	}
}

// TestMetricsQueueError: a scrape still answers when the queues cannot be read; their series are missing.
func TestMetricsQueueError(t *testing.T) {
	t.Parallel()
	m := New(queues{err: errors.New("database is down")}, nil)
	fams := scrape(t, m.Handler())
	if _, ok := fams["salesengine_webhook_queue_depth"]; ok {
		t.Error("queue depth reported while the queues could not be read")
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("the rest of the scrape is missing")
	}
}
