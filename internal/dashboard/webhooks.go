package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
)

const (
	// deliveryPageSize is how many deliveries a page of /webhooks lists.
	deliveryPageSize = 50
	// recentAttempts is how many of the newest attempts /webhooks lists.
	recentAttempts = 30
)

// queueFilters are the state filter's choices: all (pending and dead, what 'salesengine retries' lists),
// pending (queued or failing), failing (pending, attempted at least once), dead.
var queueFilters = []string{"all", "pending", "failing", "dead"}

func queueQuery(filter string) engine.DeliveryQuery {
	switch filter {
	case "pending":
		return engine.DeliveryQuery{States: []store.DeliveryState{store.DeliveryPending}}
	case "failing":
		return engine.DeliveryQuery{States: []store.DeliveryState{store.DeliveryPending}, Attempted: true}
	case "dead":
		return engine.DeliveryQuery{States: []store.DeliveryState{store.DeliveryDead}}
	}
	return engine.DeliveryQuery{}
}

func (d *Dashboard) webhooks(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(w, r, "webhooks")
	p.Title = p.T("nav.webhooks")
	d.takeFlash(w, r, p)
	q := r.URL.Query()
	conn, filter := strings.TrimSpace(q.Get("connection")), q.Get("state")
	status := http.StatusOK
	if !contains(queueFilters, filter) {
		if filter != "" { // a hand-edited URL: say so, and show everything rather than nothing
			p.Error, status = p.T("webhooks.unknown_state", filter, strings.Join(queueFilters, ", ")), http.StatusBadRequest
		}
		filter = "all"
	}
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64) // anything else: the first page
	query := queueQuery(filter)
	query.Connection, query.AfterID, query.Limit, query.Attempts = conn, after, deliveryPageSize, recentAttempts
	queue, err := d.opts.Source.DeliveryQueue(r.Context(), query)
	var usage *engine.UsageError
	if errors.As(err, &usage) { // an unknown connection: say so, and show every connection's
		p.Error, status = p.T("webhooks.unknown_connection", conn), http.StatusNotFound
		query.Connection, conn = "", ""
		queue, err = d.opts.Source.DeliveryQueue(r.Context(), query)
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	// The counts: every connection that has a webhook or a queue, or the one selected.
	var counts []engine.QueueConnection
	var names []string
	for _, c := range queue.Connections {
		names = append(names, c.Connection.Name)
		if conn != "" && c.Connection.Name != conn && strconv.FormatInt(c.Connection.ID, 10) != conn {
			continue
		}
		if conn == "" && c.Connection.WebhookHost == "" && c.Pending == 0 && c.Dead == 0 {
			continue
		}
		counts = append(counts, c)
	}
	list := func(after int64) string {
		v := url.Values{}
		if conn != "" {
			v.Set("connection", conn)
		}
		if filter != "all" {
			v.Set("state", filter)
		}
		if after != 0 {
			v.Set("after", strconv.FormatInt(after, 10))
		}
		if len(v) == 0 {
			return "/webhooks"
		}
		return "/webhooks?" + v.Encode()
	}
	var next string
	if queue.Next != 0 {
		next = list(queue.Next)
	}
	p.Data = struct {
		Counts      []engine.QueueConnection
		Deliveries  []engine.DeliveryView
		Attempts    []engine.AttemptView
		Connections []string // the filter's choices
		Connection  string
		State       string
		States      []string
		First, Next string // the first and the next page; First is "" on the first page
		Back        string // where the forms return to: this page
	}{counts, queue.Deliveries, queue.Attempts, names, conn, filter, queueFilters, firstPage(after, list(0)), next, r.URL.RequestURI()}
	d.render(w, r, status, "webhooks", p)
}

func firstPage(after int64, first string) string {
	if after == 0 {
		return ""
	}
	return first
}

// backTo is where a button's POST returns: the list it was pressed on.
func backTo(r *http.Request) string {
	if b := localPath(r.PostFormValue("back")); strings.HasPrefix(b, "/webhooks") {
		return b
	}
	return "/webhooks"
}

// selection reads what a button names: one delivery (id), or with "connection" every pending and dead
// delivery of that connection (what 'salesengine retry --all -c NAME' selects).
func selection(r *http.Request) (engine.DeliverySelection, bool) {
	if c := strings.TrimSpace(r.PostFormValue("connection")); c != "" {
		return engine.DeliverySelection{All: true, Connection: c}, true
	}
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return engine.DeliverySelection{}, false
	}
	return engine.DeliverySelection{IDs: []int64{id}}, true
}

// act runs a button's operation on the deliveries it names and reports what it did in a flash.
func (d *Dashboard) act(w http.ResponseWriter, r *http.Request, verb string, op func(ids []int64) ([]int64, error), allowAll bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if !d.auth.csrfValid(r) {
		http.Error(w, "403 forbidden: the form's CSRF token is missing or stale; reload the page", http.StatusForbidden)
		return
	}
	back := backTo(r)
	done := func(f flash) {
		d.setFlash(w, r, f)
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
	sel, ok := selection(r)
	if !ok || (sel.All && !allowAll) {
		done(flash{Key: "flash.no_id", Bad: true})
		return
	}
	var id int64
	if !sel.All {
		id = sel.IDs[0]
	}
	ids, err := d.opts.Source.SelectDeliveries(r.Context(), sel)
	var usage *engine.UsageError
	switch {
	case errors.As(err, &usage) && sel.All:
		done(flash{Key: "flash.no_connection", Bad: true})
		return
	case errors.As(err, &usage):
		done(flash{Key: "flash.not_found", ID: &id, Bad: true})
		return
	case err != nil:
		d.fail(w, r, err)
		return
	}
	changed, err := op(ids)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	n := int64(len(changed))
	switch {
	case n == 0 && sel.All:
		done(flash{Key: "flash." + verb + "_none_all", Bad: true})
	case n == 0:
		done(flash{Key: "flash." + verb + "_none", ID: &id, Bad: true})
	case n == 1:
		done(flash{Key: "flash." + verb + "_one", ID: &changed[0]})
	default:
		done(flash{Key: "flash." + verb + "_many", Count: &n})
	}
	d.opts.Log.Info("dashboard: "+verb, "deliveries", n, "remote", r.RemoteAddr)
}

// retry is 'salesengine retry ID' or 'salesengine retry --all -c NAME': the deliveries are due now with a fresh
// budget of attempts, and enqueued, so serve's delivery workers send them at once.
func (d *Dashboard) retry(w http.ResponseWriter, r *http.Request) {
	d.act(w, r, "retry", func(ids []int64) ([]int64, error) { return d.opts.Source.Retry(r.Context(), ids) }, true)
}

// discard is 'salesengine discard ID': the delivery is never sent again but stays recorded.
func (d *Dashboard) discard(w http.ResponseWriter, r *http.Request) {
	d.act(w, r, "discard", func(ids []int64) ([]int64, error) { return d.opts.Source.Discard(r.Context(), ids) }, false)
}

func init() {
	messages(map[string][2]string{
		"webhooks.lead":               {"Las entregas de webhooks que aún no llegaron: en cola, fallando (se reintentarán) y muertas (esperan a que alguien las reintente o descarte).", "Webhook deliveries not delivered yet: queued, failing (they will be retried) and dead (waiting for someone to retry or discard them)."},
		"webhooks.unknown_connection": {"No existe la conexión «%s»; se muestran todas.", "There is no connection “%s”; showing all of them."},
		"webhooks.unknown_state":      {"«%s» no es un estado: use %s. Se muestran todas.", "“%s” is not a state: use %s. Showing all of them."},
		"webhooks.queues":             {"Colas por conexión", "Queues by connection"},
		"webhooks.no_queues":          {"Ninguna conexión tiene webhook ni entregas pendientes.", "No connection has a webhook or pending deliveries."},
		"webhooks.endpoint":           {"Destino", "Endpoint"},
		"webhooks.circuit":            {"Circuito", "Circuit"},
		"webhooks.pending":            {"Pendientes", "Pending"},
		"webhooks.failing":            {"Fallando", "Failing"},
		"webhooks.dead":               {"Muertas", "Dead"},
		"webhooks.oldest":             {"Más antigua pendiente", "Oldest pending"},
		"webhooks.retry_all":          {"Reintentar todas", "Retry all"},
		"webhooks.retry_all_confirm":  {"¿Reintentar ahora todas las entregas pendientes y muertas de %s?", "Retry every pending and dead delivery of %s now?"},
		"webhooks.deliveries":         {"Entregas", "Deliveries"},
		"webhooks.connection":         {"Conexión", "Connection"},
		"webhooks.all_connections":    {"todas", "all"},
		"webhooks.state":              {"Estado", "State"},
		"webhooks.filter":             {"Filtrar", "Filter"},
		"webhooks.none":               {"Ninguna entrega coincide.", "No delivery matches."},
		"webhooks.event":              {"Evento", "Event"},
		"webhooks.order":              {"Pedido", "Order"},
		"webhooks.type":               {"Tipo", "Type"},
		"webhooks.attempts":           {"Intentos", "Attempts"},
		"webhooks.last_status":        {"Último HTTP", "Last HTTP"},
		"webhooks.last_error":         {"Último error", "Last error"},
		"webhooks.next":               {"Próximo intento", "Next attempt"},
		"webhooks.created":            {"Creada", "Created"},
		"webhooks.actions":            {"Acciones", "Actions"},
		"webhooks.retry":              {"Reintentar", "Retry"},
		"webhooks.discard":            {"Descartar", "Discard"},
		"webhooks.discard_confirm":    {"¿Descartar la entrega %d? No se enviará nunca más (queda registrada).", "Discard delivery %d? It will never be sent again (it stays recorded)."},
		"webhooks.first":              {"← Primera página", "← First page"},
		"webhooks.more":               {"Siguientes →", "Next →"},
		"webhooks.recent":             {"Últimos intentos", "Recent attempts"},
		"webhooks.no_attempts":        {"Todavía no hay intentos.", "No attempts yet."},
		"webhooks.time":               {"Hora", "Time"},
		"webhooks.attempt":            {"Intento", "Attempt"},
		"webhooks.status":             {"HTTP", "HTTP"},
		"webhooks.took":               {"Duración", "Duration"},
		"webhooks.error":              {"Error", "Error"},
		"webhooks.due":                {"ya", "now"},
		"filter.all":                  {"no entregadas", "not delivered"},
		"filter.pending":              {"pendientes", "pending"},
		"filter.failing":              {"fallando", "failing"},
		"filter.dead":                 {"muertas", "dead"},
		"delivery.queued":             {"en cola", "queued"},
		"delivery.failing":            {"fallando", "failing"},
		"delivery.dead":               {"muerta", "dead"},
		"delivery.delivered":          {"entregada", "delivered"},
		"delivery.discarded":          {"descartada", "discarded"},
		"flash.retry_one":             {"Reintentando la entrega %s.", "Delivery %s queued for retry."},
		"flash.retry_many":            {"Reintentando %d entregas.", "%d deliveries queued for retry."},
		"flash.retry_none":            {"La entrega %s no está pendiente ni muerta: nada que reintentar.", "Delivery %s is neither pending nor dead: nothing to retry."},
		"flash.retry_none_all":        {"Esa conexión no tiene entregas pendientes ni muertas: nada que reintentar.", "That connection has no pending or dead deliveries: nothing to retry."},
		"flash.discard_one":           {"Descartada la entrega %s.", "Delivery %s discarded."},
		"flash.discard_many":          {"Descartadas %d entregas.", "%d deliveries discarded."},
		"flash.discard_none":          {"La entrega %s no está pendiente ni muerta: nada que descartar.", "Delivery %s is neither pending nor dead: nothing to discard."},
		"flash.discard_none_all":      {"Nada que descartar.", "Nothing to discard."},
		"flash.not_found":             {"No existe la entrega %s.", "There is no delivery %s."},
		"flash.no_connection":         {"No existe esa conexión.", "There is no such connection."},
		"flash.no_id":                 {"El botón no dijo qué entrega.", "The button named no delivery."},
	})
}
