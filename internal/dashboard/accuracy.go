package dashboard

import (
	"net/http"
	"strconv"

	"github.com/salesengine/salesengine/internal/accuracy"
	"github.com/salesengine/salesengine/internal/engine"
)

// The accuracy page: every connection's past forecasts of completed months against the demand, at one lag,
// by demand class, method or connection (what 'salesengine accuracy --by' prints).

type accuracyRow struct {
	Key   string
	Label string // the key in the page's language (classes are translated)
	Href  string // the SKU's page, when grouped by SKU
	accuracy.Figures
}

type accuracyData struct {
	Lag, Lags []int
	By        string
	Bys       []string
	Empty     string // why there are no figures
	Completed string // the last completed month
	Range     string // the months measured
	Runs      int
	All       accuracy.Figures
	Rows      []accuracyRow
	NoSales   int
	Measured  string // when the report was measured
}

func (d *Dashboard) accuracyPage(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(w, r, "accuracy")
	p.Title = p.T("nav.accuracy")
	q := r.URL.Query()
	data := &accuracyData{Lags: engine.DefaultLags, Bys: []string{"class", "method", "connection", "sku"}}
	p.Data = data
	lag, by := 1, accuracy.ByClass
	status := http.StatusOK
	if s := q.Get("lag"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 120 {
			p.Error = p.T("accuracy.bad_lag", s)
			status = http.StatusBadRequest
		} else {
			lag = n
		}
	}
	if s := q.Get("by"); s != "" {
		b, ok := accuracy.ParseBy(s)
		if !ok {
			p.Error = p.T("accuracy.bad_by", s)
			status = http.StatusBadRequest
		} else {
			by = b
		}
	}
	data.Lag, data.By = []int{lag}, string(by)
	rep, err := d.opts.Source.AccuracyAll(r.Context(), lag)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	data.Runs, data.Completed, data.NoSales = rep.Runs, rep.Current.Add(-1).String(), rep.NoSales
	if !rep.MeasuredAt.IsZero() {
		data.Measured = p.Time(rep.MeasuredAt)
	}
	switch {
	case rep.Runs == 0:
		data.Empty = p.T("accuracy.no_runs")
	case len(rep.Points) == 0 && rep.OldestMonth().Add(lag) < rep.Current:
		data.Empty = p.T("accuracy.none_measured", lag, rep.Runs, rep.Oldest.In(rep.Location).Format("2006-01-02"))
	case len(rep.Points) == 0:
		data.Empty = p.T("accuracy.no_months", lag, rep.Oldest.In(rep.Location).Format("2006-01-02"), rep.OldestMonth().Add(lag).String())
	default:
		first, last := accuracy.Months(rep.Points)
		data.Range = first.String() + " – " + last.String()
		data.All = accuracy.Measure(rep.Points)
		for _, g := range accuracy.GroupBy(rep.Points, by) {
			row := accuracyRow{Key: g.Key, Label: g.Key, Figures: g.Figures}
			switch by {
			case accuracy.ByClass:
				row.Label = p.T("class." + g.Key)
			case accuracy.BySKU:
				row.Href = skuHrefOfKey(rep.Points, g.Key)
			}
			data.Rows = append(data.Rows, row)
		}
	}
	d.render(w, r, status, "accuracy", p)
}

// skuHrefOfKey is the page of the SKU a by-SKU group names ("connection/SKU" when several connections).
func skuHrefOfKey(points []accuracy.Point, key string) string {
	for _, pt := range points {
		if pt.SKU == key || pt.Connection+"/"+pt.SKU == key {
			return skuHref(pt.SKU, pt.Connection)
		}
	}
	return ""
}

// Pct is a share (0..1) as a percentage, "–" when it cannot be computed.
func (l *locale) Pct(share float64) string { return withPercent(l.Num(100*share, 1)) }

// SignedPct is a percentage with its sign, "–" when it cannot be computed.
func (l *locale) SignedPct(v float64) string { return withPercent(l.Signed(v, 1)) }

func withPercent(s string) string {
	if s == "–" {
		return s
	}
	return s + " %"
}

// Signed is a number with its sign (+ for over-forecasting).
func (l *locale) Signed(v float64, decimals int) string {
	s := l.Num(v, decimals)
	if v > 0 {
		return "+" + s
	}
	return s
}

func init() {
	messages(map[string][2]string{
		"nav.accuracy":           {"Precisión", "Accuracy"},
		"accuracy.lead":          {"Pronósticos pasados de los meses cerrados hasta %s frente a la demanda real. El pronóstico con desfase k de un mes es el que hizo la última corrida de k meses antes.", "Past forecasts of the completed months up to %s against actual demand. The lag-k forecast of a month is the one the last run of k months before made."},
		"accuracy.lag":           {"Desfase", "Lag"},
		"accuracy.lag_n":         {"%d meses", "%d months"},
		"accuracy.lag_1":         {"1 mes", "1 month"},
		"accuracy.by":            {"Agrupar por", "Group by"},
		"accuracy.by.class":      {"clase de demanda", "demand class"},
		"accuracy.by.method":     {"método", "method"},
		"accuracy.by.connection": {"conexión", "connection"},
		"accuracy.by.sku":        {"SKU", "SKU"},
		"accuracy.show":          {"Mostrar", "Show"},
		"accuracy.all":           {"Todos", "All"},
		"accuracy.months":        {"Meses medidos: %s · %d corridas guardadas.", "Months measured: %s · %d kept runs."},
		"accuracy.measured":      {"Medido el %s; se mide de nuevo tras cada pronóstico, o pasados 5 minutos.", "Measured %s; measured again after each forecast run, or after 5 minutes."},
		"accuracy.col.forecasts": {"Pronósticos", "Forecasts"},
		"accuracy.col.skus":      {"SKUs", "SKUs"},
		"accuracy.col.mae":       {"MAE", "MAE"},
		"accuracy.col.bias":      {"Sesgo", "Bias"},
		"accuracy.col.bias_pct":  {"Sesgo %", "Bias %"},
		"accuracy.col.mase":      {"MASE", "MASE"},
		"accuracy.col.cov80":     {"En 80 %", "In 80%"},
		"accuracy.col.cov95":     {"En 95 %", "In 95%"},
		"accuracy.col.fva":       {"Valor añadido", "FVA"},
		"accuracy.notes":         {"Error = pronóstico − real: un sesgo positivo es pronosticar de más. MASE divide cada error por el MAE del naive estacional dentro de la historia hasta el pronóstico (del naive con un año o menos de historia). Valor añadido (FVA): cuánto menor es el MAE que el del naive estacional hecho en el mismo origen.", "Error = forecast − actual: a positive bias is over-forecasting. MASE divides each error by the in-sample MAE of the seasonal naive over the history up to the forecast (of the naive with a year of history or less). FVA: how much lower the MAE is than that of the seasonal naive made at the same origin."},
		"accuracy.no_runs":       {"Aún no hay pronósticos pasados: cada corrida de pronóstico se guarda desde esta versión. Ejecuta «salesengine forecast» (o deja que lo haga el calendario de serve); las cifras llegan cuando termine un mes pronosticado.", "No past forecasts yet: every forecast run is kept from this version on. Run “salesengine forecast” (or let serve's schedule run it); figures come once a forecast month has ended."},
		"accuracy.no_months":     {"Ningún mes cerrado tiene aún un pronóstico con desfase %d: la corrida guardada más antigua es del %s; las primeras cifras llegan cuando termine %s.", "No completed month has a lag-%d forecast yet: the oldest kept run is from %s; the first figures come once %s has ended."},
		"accuracy.none_measured": {"Ningún mes cerrado tiene pronóstico con desfase %d: las %d corridas guardadas (la más antigua del %s) no pronosticaron ninguno (hace falta una corrida en el mes k meses antes, con un horizonte mayor que k, y ventas guardadas del SKU).", "No completed month has a lag-%d forecast: the %d kept runs (the oldest from %s) forecast none (that needs a run in the month k months before, with a horizon beyond k, and the SKU's sales stored)."},
		"accuracy.no_sales":      {"%d pronósticos pasados quedan fuera: su SKU ya no tiene ventas guardadas (renombrado en Odoo o líneas eliminadas).", "%d past forecasts are left out: no sales are stored under their SKU any more (renamed in Odoo, or lines removed)."},
		"accuracy.bad_lag":       {"Desfase «%s» no válido: elige entre 1 y 120 meses.", "Invalid lag “%s”: choose 1 to 120 months."},
		"accuracy.bad_by":        {"Agrupación «%s» desconocida: clase, método, conexión o SKU.", "Unknown grouping “%s”: class, method, connection or SKU."},
		"sku.accuracy":           {"Pronósticos pasados", "Past forecasts"},
		"sku.accuracy.none":      {"Aún no hay pronósticos pasados de este SKU para meses cerrados.", "No past forecasts of this SKU for completed months yet."},
		"sku.accuracy.lag":       {"Desfase %d", "Lag %d"},
		"sku.accuracy.table":     {"El pronóstico pasado de cada mes (desfase 1) y lo vendido", "Each month's past forecast (lag 1) and what was sold"},
		"sku.accuracy.month":     {"Mes", "Month"},
		"sku.accuracy.forecast":  {"Pronóstico", "Forecast"},
		"sku.accuracy.actual":    {"Real", "Actual"},
		"sku.accuracy.error":     {"Error", "Error"},
		"sku.accuracy.method":    {"Método", "Method"},
		"sku.legend.past":        {"Pronóstico pasado (1 mes antes)", "Past forecast (a month ahead)"},
		"sku.chart.past_point":   {"%s · pronóstico pasado %s, real %s", "%s · past forecast %s, actual %s"},
	})
}
