// Package metrics holds the Prometheus metrics of `serve`. The names are an interface: operators write alert
// rules on them, so they change only with a note in the changelog. Labels carry connection names and small
// fixed sets (model, kind, outcome, circuit, priority), never an order id or a URL, so the number of series
// stays bounded by the number of connections.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Delivery outcomes, the values of the outcome label of salesengine_webhook_deliveries_total.
const (
	OutcomeDelivered = "delivered" // the receiver answered 2xx
	OutcomeFailed    = "failed"    // an attempt failed; the delivery will be retried
	OutcomeDead      = "dead"      // no more attempts: dead-lettered
)

// Circuits, the values of the circuit label of salesengine_circuit_open.
const (
	CircuitOdoo    = "odoo"
	CircuitWebhook = "webhook"
)

// QueueStat is one connection's webhook queue at the time of a scrape.
type QueueStat struct {
	Connection string
	Pending    int       // deliveries not yet delivered, dead or discarded
	OldestAt   time.Time // when the oldest of them was stored (zero when none)
}

// QueueStatter reads the webhook queues at scrape time (the store does).
type QueueStatter interface {
	WebhookQueueStats(ctx context.Context) ([]QueueStat, error)
}

// Metrics records what the service does. The zero value is not usable: call New.
type Metrics struct {
	reg *prometheus.Registry

	syncLastSuccess *prometheus.GaugeVec
	syncDuration    *prometheus.HistogramVec
	syncRecords     *prometheus.CounterVec
	syncErrors      *prometheus.CounterVec
	circuitOpen     *prometheus.GaugeVec
	deliveries      *prometheus.CounterVec
	deliveryLatency prometheus.Histogram
	forecastLastRun prometheus.Gauge
	forecastDur     prometheus.Histogram
	planSKUs        *prometheus.GaugeVec
}

// New registers the metrics, the Go runtime's and the process's, and the queue collector when queues is set.
func New(queues QueueStatter, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.Default()
	}
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.syncLastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "salesengine_sync_last_success_timestamp_seconds",
		Help: "Unix time at which the connection's last successful sync pass ended.",
	}, []string{"connection"})
	m.syncDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "salesengine_sync_duration_seconds",
		Help:    "Duration of sync passes, successful or not, by kind (initial, incremental, full).",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900},
	}, []string{"connection", "kind"})
	m.syncRecords = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "salesengine_sync_records_total",
		Help: "Records read from Odoo by sync passes, by model.",
	}, []string{"connection", "model"})
	m.syncErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "salesengine_sync_errors_total",
		Help: "Sync passes that failed.",
	}, []string{"connection"})
	m.circuitOpen = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "salesengine_circuit_open",
		Help: "1 while the connection's circuit (odoo or webhook) is open or half-open, else 0.",
	}, []string{"connection", "circuit"})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "salesengine_webhook_deliveries_total",
		Help: "Webhook delivery attempts by outcome: delivered (2xx), failed (will be retried), dead (dead-lettered).",
	}, []string{"connection", "outcome"})
	m.deliveryLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "salesengine_webhook_delivery_latency_seconds",
		Help:    "From an order change stored by a sync to the receiver's 2xx.",
		Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
	})
	m.forecastLastRun = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "salesengine_forecast_last_run_timestamp_seconds",
		Help: "Unix time at which the last successful forecast and plan run ended.",
	})
	m.forecastDur = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "salesengine_forecast_duration_seconds",
		Help:    "Duration of forecast and plan runs.",
		Buckets: []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900},
	})
	m.planSKUs = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "salesengine_plan_skus",
		Help: "SKUs in the latest plan, by priority (ALTA, MEDIA, BAJA).",
	}, []string{"priority"})
	m.reg.MustRegister(m.syncLastSuccess, m.syncDuration, m.syncRecords, m.syncErrors, m.circuitOpen,
		m.deliveries, m.deliveryLatency, m.forecastLastRun, m.forecastDur, m.planSKUs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if queues != nil {
		m.reg.MustRegister(&queueCollector{queues: queues, log: log})
	}
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// SyncPass records one sync pass of a connection: its kind, duration, the records read per model and whether
// it failed. end is when it ended.
func (m *Metrics) SyncPass(connection, kind string, d time.Duration, records map[string]int64, failed bool, end time.Time) {
	m.syncDuration.WithLabelValues(connection, kind).Observe(d.Seconds())
	for model, n := range records {
		m.syncRecords.WithLabelValues(connection, model).Add(float64(n))
	}
	if failed {
		m.syncErrors.WithLabelValues(connection).Inc()
		return
	}
	m.syncLastSuccess.WithLabelValues(connection).Set(float64(end.UnixNano()) / 1e9)
}

// CircuitSet records whether a connection's circuit is open (or half-open).
func (m *Metrics) CircuitSet(connection, circuit string, open bool) {
	v := 0.0
	if open {
		v = 1
	}
	m.circuitOpen.WithLabelValues(connection, circuit).Set(v)
}

// Delivery records the outcome of one delivery attempt; for a delivered one, latency is from the change
// stored to the receiver's answer.
func (m *Metrics) Delivery(connection, outcome string, latency time.Duration) {
	m.deliveries.WithLabelValues(connection, outcome).Inc()
	if outcome == OutcomeDelivered && latency >= 0 {
		m.deliveryLatency.Observe(latency.Seconds())
	}
}

// ForecastRun records a forecast and plan run that ended at end, and the plan's SKUs per priority.
func (m *Metrics) ForecastRun(d time.Duration, end time.Time, skusByPriority map[string]int) {
	m.forecastDur.Observe(d.Seconds())
	m.forecastLastRun.Set(float64(end.UnixNano()) / 1e9)
	for _, p := range []string{"ALTA", "MEDIA", "BAJA"} {
		m.planSKUs.WithLabelValues(p).Set(float64(skusByPriority[p]))
	}
}

// ConnectionForget drops a deleted connection's series.
func (m *Metrics) ConnectionForget(connection string) {
	l := prometheus.Labels{"connection": connection}
	m.syncLastSuccess.DeletePartialMatch(l)
	m.syncDuration.DeletePartialMatch(l)
	m.syncRecords.DeletePartialMatch(l)
	m.syncErrors.DeletePartialMatch(l)
	m.circuitOpen.DeletePartialMatch(l)
	m.deliveries.DeletePartialMatch(l)
}

// queueCollector reads the webhook queues at each scrape, so the figures are the database's, whichever
// process enqueued or delivered.
type queueCollector struct {
	queues QueueStatter
	log    *slog.Logger
}

var (
	queueDepthDesc = prometheus.NewDesc("salesengine_webhook_queue_depth",
		"Webhook deliveries of the connection not yet delivered, dead or discarded.", []string{"connection"}, nil)
	queueAgeDesc = prometheus.NewDesc("salesengine_webhook_oldest_pending_age_seconds",
		"Age of the connection's oldest pending webhook delivery (0 when none).", []string{"connection"}, nil)
)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- queueAgeDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stats, err := c.queues.WebhookQueueStats(ctx)
	if err != nil {
		// A scrape still returns the other metrics; the gap in these two series is the signal.
		c.log.Warn("metrics: could not read the webhook queues", "err", err)
		return
	}
	now := time.Now()
	for _, s := range stats {
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(s.Pending), s.Connection)
		age := 0.0
		if !s.OldestAt.IsZero() {
			age = max(0, now.Sub(s.OldestAt).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(queueAgeDesc, prometheus.GaugeValue, age, s.Connection)
	}
}

// LeaseSource tells which connections this serve process holds the lease of, and how many serve processes
// share the database.
type LeaseSource interface {
	// LeaseStats returns this process's name (hostname:pid), the names of the connections it holds, and the
	// live serve processes it saw at its last refresh.
	LeaseStats() (process string, connections []string, live int)
}

// WatchLeases adds salesengine_connection_lease and salesengine_serve_processes, read from src at each scrape.
func (m *Metrics) WatchLeases(src LeaseSource) { m.reg.MustRegister(&leaseCollector{src: src}) }

type leaseCollector struct{ src LeaseSource }

var (
	leaseDesc = prometheus.NewDesc("salesengine_connection_lease",
		"1 for each connection whose lease this serve process holds: it alone polls the connection.", []string{"connection", "process"}, nil)
	processesDesc = prometheus.NewDesc("salesengine_serve_processes",
		"Serve processes alive on the database (heartbeat within the lease TTL) at this process's last refresh.", nil, nil)
)

func (c *leaseCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- leaseDesc
	ch <- processesDesc
}

func (c *leaseCollector) Collect(ch chan<- prometheus.Metric) {
	process, conns, live := c.src.LeaseStats()
	for _, name := range conns {
		ch <- prometheus.MustNewConstMetric(leaseDesc, prometheus.GaugeValue, 1, name, process)
	}
	ch <- prometheus.MustNewConstMetric(processesDesc, prometheus.GaugeValue, float64(live))
}
