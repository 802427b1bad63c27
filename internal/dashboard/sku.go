package dashboard

import (
	"errors"
	"net/http"
	"time"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/store"
)

// The SKU page: one SKU of one connection, its demand history, forecast and plan on a chart drawn on the
// server, how it was forecast, its plan rows and its newest order lines.

type connLink struct {
	Name, Href string
}

type skuData struct {
	SKU      string
	View     *engine.SKUView
	Chart    *chart
	NotFound string     // why there is nothing to show (404)
	Choose   []connLink // the SKU is in several connections and none was named
	Others   []connLink // the other connections that hold the SKU
	Class    string     // the demand class in the page's language
	PlanRows []planRow
	// Overrides: the forecast overrides section (override.go); nil when it could not be read.
	Overrides *overrideData
	Net       bool // the SKU's plan is a net plan: its columns are shown
	Labels    *cellLabels
	// The SKU's bill of materials: its components and the products that use it, each linking to its page;
	// both empty when no stored BoM links the SKU.
	Components, Parents []bomLink
}

// bomLink is a product of a SKU's bill of materials as the page shows it.
type bomLink struct {
	engine.BoMLink
	Href string
}

func (d *Dashboard) skuPage(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(w, r, "plan")
	sku, connection := r.PathValue("sku"), r.URL.Query().Get("connection")
	p.Title = sku
	data := &skuData{SKU: sku}
	p.Data = data
	v, err := d.opts.Source.SKUView(r.Context(), sku, connection)
	if errors.Is(err, store.ErrNotFound) {
		data.NotFound = p.T("sku.not_found", sku)
		if connection != "" {
			data.NotFound = p.T("sku.not_in_connection", sku, connection)
			if v != nil {
				for _, name := range v.Connections {
					data.Others = append(data.Others, connLink{name, skuHref(sku, name)})
				}
			}
		}
		d.render(w, r, http.StatusNotFound, "sku", p)
		return
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data.View = v
	if v.Connection == "" {
		for _, name := range v.Connections {
			data.Choose = append(data.Choose, connLink{name, skuHref(sku, name)})
		}
		d.render(w, r, http.StatusOK, "sku", p)
		return
	}
	if v.ProductName != "" {
		p.Title = sku + " · " + v.ProductName
	}
	for _, name := range v.Connections {
		if name != v.Connection {
			data.Others = append(data.Others, connLink{name, skuHref(sku, name)})
		}
	}
	ov := d.readSKUOverrides(r, sku, v.Connection)
	data.Chart = newChart(p.locale, v, ov)
	if v.Stats != nil {
		data.Class = p.T("class." + v.Stats.Class)
	}
	data.PlanRows, data.Labels = skuPlanRows(p.locale, v), p.cellLabels()
	data.Net = len(data.PlanRows) > 0 && data.PlanRows[0].Net
	if v.BoM != nil {
		links := func(ls []engine.BoMLink) []bomLink {
			out := make([]bomLink, len(ls))
			for i, b := range ls {
				out[i] = bomLink{BoMLink: b, Href: skuHref(b.SKU, v.Connection)}
			}
			return out
		}
		data.Components, data.Parents = links(v.BoM.Components), links(v.BoM.Parents)
	}
	if ov != nil {
		data.Overrides = skuOverrides(r, p.locale, sku, ov)
	}
	d.takeFlash(w, r, p)
	d.render(w, r, http.StatusOK, "sku", p)
}

func skuPlanRows(l *locale, v *engine.SKUView) []planRow {
	rows := make([]planRow, len(v.Plan))
	net := false
	for i, r := range v.Plan {
		rows[i] = newPlanRow(l, &engine.PlanLine{Connection: v.Connection, ProductionRow: r})
		net = net || r.Action != ""
	}
	for i := range rows {
		rows[i].Net = net
	}
	return rows
}

func timeMonth(m int) time.Month { return time.Month(m) }

// NumInt is Int of an int.
func (l *locale) NumInt(n int) string { return l.Int(int64(n)) }

// OrderState is an Odoo order state in the page's language (as stored when this version does not know it).
func (l *locale) OrderState(s string) string {
	if _, ok := catalog["state."+s]; ok {
		return l.T("state." + s)
	}
	return s
}

func init() {
	messages(map[string][2]string{
		"sku.not_found":             {"No hay ningún SKU «%s» en ninguna conexión.", "There is no SKU “%s” in any connection."},
		"sku.not_in_connection":     {"La conexión «%[2]s» no tiene el SKU «%[1]s».", "Connection “%[2]s” has no SKU “%[1]s”."},
		"sku.in_others":             {"Está en:", "It is in:"},
		"sku.choose":                {"El SKU «%s» está en varias conexiones. ¿Cuál?", "SKU “%s” is in several connections. Which one?"},
		"sku.back":                  {"Volver al plan", "Back to the plan"},
		"sku.lead":                  {"Conexión %s.", "Connection %s."},
		"sku.also":                  {"También en:", "Also in:"},
		"sku.chart":                 {"Demanda, pronóstico y plan", "Demand, forecast and plan"},
		"sku.chart.label":           {"Gráfico de demanda mensual, pronóstico y plan de %s", "Chart of the monthly demand, forecast and plan of %s"},
		"sku.chart.empty":           {"No hay historia, pronóstico ni plan que dibujar.", "No history, forecast or plan to draw."},
		"sku.chart.history_point":   {"%s · demanda %s", "%s · demand %s"},
		"sku.chart.forecast_point":  {"%s · pronóstico %s (%s %%: %s–%s; 95 %%: %s–%s)", "%s · forecast %s (%s%%: %s–%s; 95%%: %s–%s)"},
		"sku.chart.inventory":       {"Existencias hoy: %s", "On hand today: %s"},
		"sku.chart.inventory_short": {"existencias %s", "on hand %s"},
		"sku.chart.backlog":         {"Pendiente de entrega: %s", "Backlog: %s"},
		"sku.chart.backlog_short":   {"pendiente %s", "backlog %s"},
		"sku.chart.recommended":     {"%s · producir %s (%s)", "%s · produce %s (%s)"},
		"sku.chart.supply":          {"%s · en camino %s (fabricación %s, compra %s)", "%s · incoming %s (production %s, purchase %s)"},
		"sku.chart.planned":         {"%s · planificado %s (%s)", "%s · planned %s (%s)"},
		"sku.chart.planned_action":  {"%s · planificado %s, %s (%s)", "%s · planned %s, %s (%s)"},
		"sku.chart.release":         {"lanzar el %s", "release on %s"},
		"sku.legend.supply":         {"En camino (fabricación + compra)", "Incoming (production + purchase)"},
		"sku.legend.planned":        {"Planificado (fabricar o comprar)", "Planned (produce or buy)"},
		"sku.bom":                   {"Lista de materiales", "Bill of materials"},
		"sku.bom.components":        {"Componentes", "Components"},
		"sku.bom.components_lead":   {"Lo que lleva cada unidad de %s (los kits, desglosados).", "What each unit of %s takes (kits broken down)."},
		"sku.bom.parents":           {"Se usa en", "Used in"},
		"sku.bom.parents_lead":      {"Productos cuya lista de materiales usa %s, y cuánto por unidad.", "Products whose bill of materials uses %s, and how much per unit."},
		"sku.bom.col.sku":           {"SKU", "SKU"},
		"sku.bom.col.product":       {"Producto", "Product"},
		"sku.bom.col.per_unit":      {"Por unidad", "Per unit"},
		"sku.chart.cleaned_point":   {"%s · mes atípico: demanda %s; el pronóstico usó %s", "%s · outlier month: demand %s; the forecast used %s"},
		"sku.legend.cleaned":        {"Mes atípico: valor que usó el pronóstico", "Outlier month: value the forecast used"},
		"sku.chart.override_point":  {"%s · corrección manual: %s (pronóstico estadístico %s), por %s", "%s · override: %s (statistical forecast %s), by %s"},
		"sku.legend.override":       {"Corrección manual: lo que usa el plan", "Override: what the plan uses"},
		"sku.legend.history":        {"Demanda mensual", "Monthly demand"},
		"sku.legend.forecast":       {"Pronóstico", "Forecast"},
		"sku.legend.band":           {"Intervalo %s %%", "%s%% interval"},
		"sku.legend.band95":         {"Intervalo 95 %", "95% interval"},
		"sku.legend.inventory":      {"Existencias hoy", "On hand today"},
		"sku.legend.backlog":        {"Pendiente de entrega", "Backlog"},
		"sku.legend.recommended":    {"A producir (plan)", "To produce (plan)"},
		"sku.forecast":              {"Pronóstico", "Forecast"},
		"sku.class":                 {"Clase de demanda", "Demand class"},
		"sku.method":                {"Método elegido", "Method chosen"},
		"sku.runner_up":             {"Segundo mejor", "Runner-up"},
		"sku.kept_default":          {"Se mantiene el método por defecto de su clase: otro candidato lo reemplaza solo si el error del método por defecto supera 1,3 veces el suyo (docs/forecasting.md).", "The class's default method is kept: another candidate replaces it only when the default's error is over 1.3 times its own (docs/forecasting.md)."},
		"sku.rmsse":                 {"error de backtest (RMSSE) %s", "backtest error (RMSSE) %s"},
		"sku.no_backtest":           {"sin backtest (historia corta)", "no backtest (short history)"},
		"sku.no_runner_up":          {"ninguno (sin backtest o sin otro candidato)", "none (no backtest or no other candidate)"},
		"sku.stockouts":             {"Meses sin existencias", "Stock-out months"},
		"sku.censored":              {"demanda tratada como desconocida e imputada: %s (vendió menos de lo habitual)", "demand treated as unknown and imputed: %s (sold below its typical level)"},
		"sku.no_stockouts":          {"ninguno (o sin historia de stock)", "none (or no stock history)"},
		"sku.origins":               {"Orígenes de backtest", "Backtest origins"},
		"sku.history_months":        {"Meses de historia", "Months of history"},
		"sku.mean":                  {"Demanda media mensual", "Mean monthly demand"},
		"sku.bias":                  {"Sesgo (real − pronóstico)", "Bias (actual − forecast)"},
		"sku.generated":             {"Pronóstico hecho", "Forecast made"},
		"sku.no_forecast":           {"Este SKU no tiene pronóstico guardado.", "This SKU has no stored forecast."},
		"sku.on_hand":               {"Existencias", "On hand"},
		"sku.no_inventory":          {"sin registro de stock", "no stock record"},
		"sku.synced":                {"leídas %s", "read %s"},
		"sku.backlog":               {"Pendiente de entrega", "Backlog"},
		"sku.plan":                  {"Plan", "Plan"},
		"sku.no_plan":               {"No hay filas de plan guardadas para este SKU.", "No stored plan rows for this SKU."},
		"sku.lines":                 {"Últimos pedidos", "Latest orders"},
		"sku.lines_lead":            {"Las %d líneas de pedido más recientes de este SKU.", "The %d newest order lines of this SKU."},
		"sku.no_lines":              {"No hay líneas de pedido de este SKU.", "No order lines of this SKU."},
		"sku.col.order":             {"Pedido", "Order"},
		"sku.col.date":              {"Fecha", "Date"},
		"sku.col.state":             {"Estado", "State"},
		"sku.col.quantity":          {"Cantidad", "Quantity"},
		"sku.col.delivered":         {"Entregado", "Delivered"},
		"sku.col.uom":               {"Unidad", "Unit"},
		"class.smooth":              {"regular", "smooth"},
		"class.erratic":             {"errática", "erratic"},
		"class.intermittent":        {"intermitente", "intermittent"},
		"class.lumpy":               {"irregular", "lumpy"},
		"class.short":               {"historia corta", "short history"},
		"class.dead":                {"sin demanda", "dead"},
		"state.sale":                {"confirmado", "confirmed"},
		"state.done":                {"bloqueado", "locked"},
		"state.cancel":              {"cancelado", "cancelled"},
		"state.draft":               {"presupuesto", "quotation"},
		"state.sent":                {"presupuesto enviado", "quotation sent"},
	})
}
