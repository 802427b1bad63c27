package dashboard

import (
	"net/http"
	"time"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// healthRow is a connection's health with the one word the overview leads with.
type healthRow struct {
	engine.Health
	Status string // ok, late, failing, open, never, inactive
}

// healthStatus sums up a connection: the worst of what its passes and circuits say. A connection is late when
// its last successful pass is older than three poll intervals (and a minute, for passes that take long).
func healthStatus(h engine.Health) string {
	c := h.Connection
	switch {
	case !c.Active:
		return "inactive"
	case c.OdooCircuit.State != store.CircuitClosed && c.OdooCircuit.State != "":
		return "open"
	case h.LastSync == nil:
		return "never"
	case h.LastSync.Status == store.SyncFailed:
		return "failing"
	case h.LastOK == nil || h.Lag > 3*c.PollInterval+time.Minute:
		return "late"
	}
	return "ok"
}

func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(w, r, "overview")
	p.Title = p.T("nav.overview")
	now := d.opts.Now()
	month := plan.MonthOf(now.In(d.opts.Location))
	o, err := d.opts.Source.Overview(r.Context(), month, now)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	rows := make([]healthRow, len(o.Connections))
	for i, h := range o.Connections {
		rows[i] = healthRow{Health: h, Status: healthStatus(h)}
	}
	p.Data = struct {
		Month       plan.Month
		Connections []healthRow
	}{o.Month, rows}
	d.render(w, r, http.StatusOK, "overview", p)
}

func init() {
	messages(map[string][2]string{
		"overview.lead":            {"Estado de cada conexión y prioridades del plan de %s.", "Each connection's state and the priorities of the %s plan."},
		"overview.none":            {"No hay conexiones. Añade una con «salesengine connections add».", "No connections yet. Add one with “salesengine connections add”."},
		"overview.last_ok":         {"Última sincronización correcta", "Last successful sync"},
		"overview.last_pass":       {"Última pasada", "Last pass"},
		"overview.odoo_circuit":    {"Circuito Odoo", "Odoo circuit"},
		"overview.webhook_circuit": {"Circuito webhook", "Webhook circuit"},
		"overview.no_webhook":      {"sin webhook", "no webhook"},
		"overview.queue":           {"Entregas pendientes", "Pending deliveries"},
		"overview.oldest":          {"la más antigua %s", "oldest %s"},
		"overview.forecast":        {"Último pronóstico", "Last forecast"},
		"overview.plan":            {"Último plan", "Last plan"},
		"health.ok":                {"al día", "up to date"},
		"health.late":              {"retrasada", "late"},
		"health.failing":           {"fallando", "failing"},
		"health.open":              {"circuito abierto", "circuit open"},
		"health.never":             {"sin sincronizar", "never synced"},
		"health.inactive":          {"desactivada", "disabled"},
		"circuit.closed":           {"cerrado", "closed"},
		"circuit.open":             {"abierto", "open"},
		"circuit.half_open":        {"semiabierto (prueba)", "half-open (trial)"},
		"circuit.":                 {"cerrado", "closed"},
		"circuit.failures":         {"%d fallos seguidos", "%d failures in a row"},
		"circuit.until":            {"hasta %s", "until %s"},
		"sync.ok":                  {"correcta", "ok"},
		"sync.failed":              {"fallida", "failed"},
		"sync.running":             {"en curso", "running"},
		"sync.interrupted":         {"interrumpida", "interrupted"},
		"sync.skipped":             {"omitida (circuito abierto)", "skipped (circuit open)"},
	})
}
