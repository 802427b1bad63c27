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

// Overrides on the SKU page: the statistical forecast and the override in force of every month an override may
// be set for, a form to set or clear one (what 'salesengine forecast override' does, recorded as made by
// "dashboard": with a UI token there is one user), and the SKU's history of changes. Saving plans this month of
// the connection again, so the plan on the page already uses it.

// overrideBy is who the dashboard records as having made a change when the form names nobody: the dashboard has
// one token, no user names. A name given in the form is recorded instead, and kept in the overrideByCookie
// cookie to fill the form next time (a convenience, not an identity: anyone with the token can type any name).
const (
	overrideBy       = "dashboard"
	overrideByCookie = "se_override_by"
)

type overrideData struct {
	Connection string
	Action     string // the form's target
	By         string // the name the form is filled with (the last one given in this browser)
	Months     []overrideMonth
	History    []overrideChange
	Active     bool // some month has an override in force
}

type overrideMonth struct {
	Month       string
	Statistical string // "" when there is no forecast row
	Override    string // "" when none is in force
	Note, By    string
	At          string
	Current     bool // this month
}

type overrideChange struct {
	Month, Action, Quantity, Note, By, Source, At string
}

// readSKUOverrides reads a SKU's overrides for its page; nil (the section and the chart's marks not shown) when
// they cannot be read, which is logged.
func (d *Dashboard) readSKUOverrides(r *http.Request, sku, connection string) *engine.SKUOverrides {
	v, err := d.opts.Source.SKUOverrides(r.Context(), sku, connection)
	if err != nil {
		d.opts.Log.Error("dashboard: read overrides", "sku", sku, "connection", connection, "err", err)
		return nil
	}
	return v
}

// skuOverrides is what the SKU page shows of a SKU's overrides v.
func skuOverrides(r *http.Request, l *locale, sku string, v *engine.SKUOverrides) *overrideData {
	data := &overrideData{Connection: v.Connection, Action: "/sku/" + url.PathEscape(sku) + "/override"}
	if c, err := r.Cookie(overrideByCookie); err == nil {
		data.By, _ = url.QueryUnescape(c.Value)
	}
	for i, m := range v.Months {
		om := overrideMonth{Month: m.Month.String(), Current: i == 0}
		if m.Statistical != nil {
			om.Statistical = l.Num(*m.Statistical, 1)
		}
		if o := m.Override; o != nil {
			om.Override, om.Note, om.By, om.At = l.Num(*o.Quantity, 1), o.Note, o.CreatedBy, l.Time(o.CreatedAt)
			data.Active = true
		}
		data.Months = append(data.Months, om)
	}
	for _, o := range v.History {
		c := overrideChange{Month: o.Date.Format("2006-01"), Action: l.T("override.action." + o.Action), Note: o.Note, By: o.CreatedBy,
			Source: o.Source, At: l.Time(o.CreatedAt)}
		if o.Quantity != nil {
			c.Quantity = l.Num(*o.Quantity, 1)
		}
		data.History = append(data.History, c)
	}
	return data
}

// override sets or clears an override from the SKU page's form, then returns to the page with a flash.
func (d *Dashboard) override(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if !d.auth.csrfValid(r) {
		http.Error(w, "403 forbidden: the form's CSRF token is missing or stale; reload the page", http.StatusForbidden)
		return
	}
	sku, connection := r.PathValue("sku"), r.PostFormValue("connection")
	done := func(f flash) {
		d.setFlash(w, r, f)
		http.Redirect(w, r, skuHref(sku, connection)+"#overrides", http.StatusSeeOther)
	}
	by := strings.TrimSpace(r.PostFormValue("by"))
	if by == "" {
		by = overrideBy
	}
	ch := engine.OverrideChange{SKU: sku, Month: r.PostFormValue("month"), Note: r.PostFormValue("note"), By: by,
		Source: store.OverrideSourceDashboard}
	clear := r.PostFormValue("action") == "clear"
	if !clear {
		q, ok := formQuantity(r.PostFormValue("quantity"))
		if !ok {
			done(flash{Key: "override.err." + engine.OverrideErrQuantity, Bad: true})
			return
		}
		ch.Quantity = &q
	}
	out, err := d.opts.Source.ForecastOverrideChangeIn(r.Context(), connection, ch)
	var oe *engine.OverrideError
	switch {
	case errors.As(err, &oe):
		done(flash{Key: "override.err." + oe.Code, Bad: true})
		return
	case errors.Is(err, store.ErrNotFound):
		connection = "" // back to the SKU's page in the connection that holds it
		done(flash{Key: "flash.no_connection", Bad: true})
		return
	case err != nil:
		d.fail(w, r, err)
		return
	}
	if by != overrideBy {
		http.SetCookie(w, &http.Cookie{Name: overrideByCookie, Value: url.QueryEscape(by), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
	}
	d.opts.Log.Info("dashboard: forecast override", "connection", connection, "sku", sku, "month", ch.Month,
		"action", out.Override.Action, "remote", r.RemoteAddr)
	switch {
	case out.PlanErr != nil:
		d.opts.Log.Error("dashboard: plan after an override", "connection", connection, "err", out.PlanErr)
		done(flash{Key: "override.plan_failed", Bad: true})
	case clear:
		done(flash{Key: "override.cleared"})
	default:
		done(flash{Key: "override.saved"})
	}
}

// formQuantity reads the form's quantity: a number with a decimal dot, or a decimal comma as Spanish writes it.
func formQuantity(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	q, err := strconv.ParseFloat(s, 64)
	return q, err == nil
}

func init() {
	messages(map[string][2]string{
		"override.title":                {"Correcciones del pronóstico", "Forecast overrides"},
		"override.lead":                 {"Una corrección reemplaza el pronóstico estadístico de un mes en el plan (por ejemplo, un pedido grande anunciado o un producto que se deja de vender). El pronóstico estadístico se conserva; cada cambio queda registrado con quién, cuándo y por qué.", "An override replaces a month's statistical forecast in the plan (an announced big order, a product being discontinued). The statistical forecast is kept; every change is recorded with who, when and why."},
		"override.col.month":            {"Mes", "Month"},
		"override.col.statistical":      {"Estadístico", "Statistical"},
		"override.col.override":         {"Corrección", "Override"},
		"override.col.note":             {"Motivo", "Reason"},
		"override.col.by":               {"Por", "By"},
		"override.col.at":               {"Cuándo", "When"},
		"override.col.action":           {"Cambio", "Change"},
		"override.col.source":           {"Desde", "From"},
		"override.none":                 {"–", "–"},
		"override.clear":                {"Quitar", "Clear"},
		"override.clear_confirm":        {"¿Quitar la corrección de %s? El plan volverá a usar el pronóstico estadístico.", "Clear the override of %s? The plan will use the statistical forecast again."},
		"override.form":                 {"Fijar una corrección", "Set an override"},
		"override.month":                {"Mes", "Month"},
		"override.quantity":             {"Demanda del mes", "Month's demand"},
		"override.note":                 {"Motivo (obligatorio)", "Reason (required)"},
		"override.by":                   {"Quién (opcional)", "Who (optional)"},
		"override.by_placeholder":       {"dashboard", "dashboard"},
		"override.save":                 {"Guardar y replanificar", "Save and plan again"},
		"override.history":              {"Historial de cambios", "History of changes"},
		"override.no_history":           {"Nunca se corrigió el pronóstico de este SKU.", "This SKU's forecast was never overridden."},
		"override.action.set":           {"fijada", "set"},
		"override.action.clear":         {"quitada", "cleared"},
		"override.saved":                {"Corrección guardada; el plan de este mes ya la usa.", "Override saved; this month's plan already uses it."},
		"override.cleared":              {"Corrección quitada; el plan de este mes vuelve al pronóstico estadístico.", "Override cleared; this month's plan is back on the statistical forecast."},
		"override.plan_failed":          {"La corrección se guardó, pero no se pudo replanificar (ver el registro de serve); el próximo plan la usará.", "The override is saved, but planning again failed (see serve's log); the next plan uses it."},
		"override.err.month_format":     {"El mes no es válido: escríbalo AAAA-MM.", "The month is not valid: write it YYYY-MM."},
		"override.err.month_past":       {"Ese mes ya pasó: una corrección es para este mes o uno posterior.", "That month is past: an override is for this month or a later one."},
		"override.err.month_horizon":    {"Ese mes está fuera del horizonte del pronóstico.", "That month is beyond the forecast horizon."},
		"override.err.quantity":         {"La demanda debe ser un número de 0 a 1e12.", "The demand must be a number from 0 to 1e12."},
		"override.err.note_required":    {"Escriba el motivo de la corrección.", "Write the reason for the override."},
		"override.err.note_too_long":    {"El motivo es demasiado largo (máximo 500 caracteres).", "The reason is too long (500 characters at most)."},
		"override.err.by":               {"El nombre de quién hace el cambio debe ser una línea de 100 caracteres como máximo.", "Who makes the change must be one line of at most 100 characters."},
		"override.err.unknown_sku":      {"Esa conexión no tiene este SKU.", "That connection has no such SKU."},
		"override.err.nothing_to_clear": {"Ese mes no tiene corrección que quitar.", "That month has no override to clear."},
	})
}
