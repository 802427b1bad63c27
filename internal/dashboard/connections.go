package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

const (
	// recentPasses is how many of each connection's newest passes /connections shows.
	recentPasses = 10
	// logPageSize is how many passes a page of /connections/{name} shows.
	logPageSize = 50
)

// healthStatuses are healthStatus's answers, in the order the filter offers them.
var healthStatuses = []string{"ok", "late", "failing", "open", "never", "inactive"}

// connRow is a connection on /connections: its health and its newest passes.
type connRow struct {
	healthRow
	Recent []passMark
}

// passMark is one of a connection's newest passes on /connections: its outcome, and the rest in a hover text
// (made here once: through the template it was most of the page's time with 200 connections).
type passMark struct {
	Status, Label, Title string
}

func passMarks(l *locale, logs []*store.SyncLog) []passMark {
	out := make([]passMark, len(logs))
	for i, log := range logs {
		v := newPassView(log)
		// A pass records its counts when it ends: one still running, or whose process died, has none yet.
		took, read, stored, removed := "–", "–", "–", "–"
		if log.FinishedAt != nil {
			took, read, stored, removed = l.Took(v.Took), l.Int(log.RecordsFetched), l.Int(v.Stored), l.Int(log.RecordsRemoved)
		}
		label := l.T("sync." + log.Status)
		out[i] = passMark{Status: log.Status, Label: label, Title: l.T("connections.pass", l.T("kind."+log.Kind), l.Time(log.StartedAt),
			read, stored, removed, took, label)}
	}
	return out
}

// passView is one sync pass as the pages show it.
type passView struct {
	*store.SyncLog
	Stored int64         // inserted + updated
	Took   time.Duration // finished - started, when finished
}

func newPassView(l *store.SyncLog) passView {
	v := passView{SyncLog: l, Stored: l.RecordsInserted + l.RecordsUpdated}
	if l.FinishedAt != nil {
		v.Took = l.FinishedAt.Sub(l.StartedAt)
	}
	return v
}

func passViews(logs []*store.SyncLog) []passView {
	out := make([]passView, len(logs))
	for i, l := range logs {
		out[i] = newPassView(l)
	}
	return out
}

// statusShown tells whether a connection of the given health is shown under a filter: "" all, "problems" the
// ones that need a look (late, failing, circuit open, never synced), or one status.
func statusShown(filter, status string) bool {
	switch filter {
	case "":
		return true
	case "problems":
		return status != "ok" && status != "inactive"
	}
	return filter == status
}

func (d *Dashboard) connections(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(w, r, "connections")
	p.Title = p.T("nav.connections")
	filter := r.URL.Query().Get("status")
	if filter != "problems" && !contains(healthStatuses, filter) {
		filter = ""
	}
	now := d.opts.Now()
	o, err := d.opts.Source.Overview(r.Context(), plan.MonthOf(now.In(d.opts.Location)), now)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	recent, err := d.opts.Source.SyncLogRecent(r.Context(), recentPasses)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	var rows []connRow
	for _, h := range o.Connections {
		st := healthStatus(h)
		if statusShown(filter, st) {
			rows = append(rows, connRow{healthRow: healthRow{Health: h, Status: st}, Recent: passMarks(p.locale, recent[h.Connection.ID])})
		}
	}
	p.Data = struct {
		Rows     []connRow
		Total    int
		Status   string
		Statuses []string
	}{rows, len(o.Connections), filter, healthStatuses}
	d.render(w, r, http.StatusOK, "connections", p)
}

func (d *Dashboard) connection(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(w, r, "connections")
	name := r.PathValue("name")
	p.Title = name
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64) // anything else: the first page
	pg, err := d.opts.Source.SyncLogPage(r.Context(), name, before, logPageSize)
	var usage *engine.UsageError
	if errors.As(err, &usage) {
		p.Error = p.T("connection.unknown", name)
		d.render(w, r, http.StatusNotFound, "connection", p)
		return
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	now := d.opts.Now()
	o, err := d.opts.Source.Overview(r.Context(), plan.MonthOf(now.In(d.opts.Location)), now)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	row := healthRow{Health: engine.Health{Connection: pg.Connection}}
	for _, h := range o.Connections {
		if h.Connection.ID == pg.Connection.ID {
			row = healthRow{Health: h, Status: healthStatus(h)}
		}
	}
	p.Data = struct {
		healthRow
		Logs  []passView
		First bool   // this is the newest page
		Next  int64  // before of the next page, 0 when none
		Path  string // of this connection's page
	}{row, passViews(pg.Logs), before == 0, pg.Next, connectionPath(pg.Connection.Name)}
	d.render(w, r, http.StatusOK, "connection", p)
}

// connectionPath is the address of a connection's page (names may hold any character).
func connectionPath(name string) string { return "/connections/" + url.PathEscape(name) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Took is a pass's duration for reading: milliseconds below a second, tenths of seconds below a minute.
func (l *locale) Took(d time.Duration) string {
	switch {
	case d < time.Second:
		return l.printer.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return l.printer.Sprintf("%.1f s", d.Seconds())
	}
	return l.Dur(d)
}

func init() {
	templateFuncs["connectionPath"] = connectionPath
	messages(map[string][2]string{
		"connections.lead":       {"Cada conexión con Odoo: su estado, sus circuitos y sus últimas pasadas de sincronización.", "Each Odoo connection: its state, its circuits and its latest sync passes."},
		"connections.show":       {"Mostrar", "Show"},
		"connections.all":        {"todas (%d)", "all (%d)"},
		"connections.problems":   {"con problemas", "with problems"},
		"connections.filter":     {"Filtrar", "Filter"},
		"connections.none":       {"Ninguna conexión coincide.", "No connection matches."},
		"connections.name":       {"Conexión", "Connection"},
		"connections.state":      {"Estado", "State"},
		"connections.odoo":       {"Odoo", "Odoo"},
		"connections.protocol":   {"Protocolo", "Protocol"},
		"connections.version":    {"Versión", "Version"},
		"connections.unknown":    {"sin detectar", "not detected"},
		"connections.auto":       {"protocolo automático", "automatic protocol"},
		"connections.interval":   {"Sondeo", "Poll interval"},
		"connections.every":      {"cada %s", "every %s"},
		"connections.active":     {"Activa", "Active"},
		"connections.holder":     {"Sondeada por", "Polled by"},
		"connections.no_holder":  {"ningún serve", "no serve"},
		"connections.yes":        {"sí", "yes"},
		"connections.no":         {"no", "no"},
		"connections.webhook":    {"Webhook", "Webhook"},
		"connections.disabled":   {"desactivado", "disabled"},
		"connections.last_error": {"Último error", "Last error"},
		"connections.recent":     {"Últimas pasadas", "Latest passes"},
		"connections.history":    {"historial", "history"},
		"connections.no_passes":  {"ninguna", "none"},
		"connections.pass":       {"%s, %s: %s leídos, %s guardados, %s quitados, %s, %s", "%s, %s: %s read, %s stored, %s removed, %s, %s"},
		"connection.unknown":     {"No existe la conexión «%s».", "There is no connection “%s”."},
		"connection.back":        {"Todas las conexiones", "All connections"},
		"connection.log":         {"Registro de sincronización", "Sync log"},
		"connection.log_lead":    {"Cada pasada, la más reciente primero: registros leídos de Odoo, guardados (nuevos y cambiados) y quitados.", "Every pass, newest first: records read from Odoo, stored (new and changed) and removed."},
		"connection.none":        {"Todavía no hay pasadas.", "No passes yet."},
		"connection.kind":        {"Tipo", "Kind"},
		"connection.started":     {"Inicio", "Started"},
		"connection.read":        {"Leídos", "Read"},
		"connection.stored":      {"Guardados", "Stored"},
		"connection.stored_hint": {"%s nuevos, %s cambiados", "%s new, %s changed"},
		"connection.removed":     {"Quitados", "Removed"},
		"connection.took":        {"Duración", "Duration"},
		"connection.outcome":     {"Resultado", "Outcome"},
		"connection.error":       {"Error o notas", "Error or notes"},
		"connection.newer":       {"← Más recientes", "← Newer"},
		"connection.older":       {"Más antiguas →", "Older →"},
		"kind.initial":           {"inicial", "initial"},
		"kind.incremental":       {"incremental", "incremental"},
		"kind.full":              {"completa", "full"},
	})
}
