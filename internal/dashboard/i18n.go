package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The dashboard speaks Spanish (the planners') and English. The browser's Accept-Language chooses, a cookie set
// by the language links overrides, and Spanish is the default.
var (
	languages = []language.Tag{language.Spanish, language.English}
	matcher   = language.NewMatcher(languages)
)

const langCookie = "se_lang"

// catalog holds every label: key -> {Spanish, English}. Each page's file adds its own with messages().
var catalog = map[string][2]string{}

func messages(m map[string][2]string) {
	for k, v := range m {
		if _, dup := catalog[k]; dup {
			panic("dashboard: label " + k + " defined twice")
		}
		catalog[k] = v
	}
}

// locale formats for one language: labels, numbers (1.234,5 in Spanish; 1,234.5 in English), times.
type locale struct {
	Lang    string // "es" or "en"
	printer *message.Printer
	loc     *time.Location
	now     time.Time
}

func (d *Dashboard) locale(r *http.Request) *locale {
	lang := "es"
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "es" || c.Value == "en") {
		lang = c.Value
	} else if al := r.Header.Get("Accept-Language"); al != "" {
		tags, _, _ := language.ParseAcceptLanguage(al)
		if _, i, conf := matcher.Match(tags...); conf != language.No && i == 1 {
			lang = "en"
		}
	}
	tag := language.Spanish
	if lang == "en" {
		tag = language.English
	}
	return &locale{Lang: lang, printer: message.NewPrinter(tag), loc: d.opts.Location, now: d.now()}
}

// T is a label in the page's language; args fill its %s/%d verbs. An unknown key shows as itself (a test
// checks that every key the templates use is in the catalog).
func (l *locale) T(key string, args ...any) string {
	m, ok := catalog[key]
	if !ok {
		return key
	}
	s := m[0]
	if l.Lang == "en" {
		s = m[1]
	}
	if len(args) > 0 {
		return l.printer.Sprintf(s, args...)
	}
	return s
}

// Num formats a number with the given decimals in the page's language; NaN and infinities show as "–".
func (l *locale) Num(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return l.printer.Sprintf("%.*f", decimals, v)
}

// NumPtr is Num of an optional number ("–" when absent).
func (l *locale) NumPtr(v *float64, decimals int) string {
	if v == nil {
		return "–"
	}
	return l.Num(*v, decimals)
}

// Int formats a count with the language's digit grouping.
func (l *locale) Int(v int64) string { return l.printer.Sprintf("%d", v) }

// Time shows an instant in the dashboard's time zone, "–" when absent.
func (l *locale) Time(t any) string {
	var at time.Time
	switch v := t.(type) {
	case time.Time:
		at = v
	case *time.Time:
		if v == nil {
			return "–"
		}
		at = *v
	default:
		return fmt.Sprint(t)
	}
	if at.IsZero() {
		return "–"
	}
	return at.In(l.loc).Format("2006-01-02 15:04")
}

// Ago says how long before the page an instant was ("hace 5 min" / "5 min ago"), "–" when absent.
func (l *locale) Ago(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "–"
	}
	return l.T("ago", l.Dur(l.now.Sub(*t)))
}

// Dur is a duration rounded for reading: 45 s, 12 min, 3 h 5 min, 2 d 4 h.
func (l *locale) Dur(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return l.printer.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return l.printer.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 {
			return l.printer.Sprintf("%d h %d min", h, m)
		}
		return l.printer.Sprintf("%d h", h)
	}
	days := int(d.Hours()) / 24
	return l.printer.Sprintf("%d d %d h", days, int(d.Hours())%24)
}

// setLanguage remembers the chosen language and goes back to the page it was chosen on.
func (d *Dashboard) setLanguage(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if code != "es" && code != "en" {
		http.Error(w, "404 unknown language "+template.HTMLEscapeString(code)+": es or en", http.StatusNotFound)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode,
		Secure: secure(r)})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}

var templateFuncs = template.FuncMap{
	"lower": strings.ToLower,
	// below tells whether optional number a is less than b (false when either is absent).
	"below": func(a, b *float64) bool { return a != nil && b != nil && *a < *b },
	// months lists months as "2025-09, 2025-10".
	"months": func(ms []time.Time) string {
		parts := make([]string, len(ms))
		for i, m := range ms {
			parts[i] = m.Format("2006-01")
		}
		return strings.Join(parts, ", ")
	},
	// dict builds a map for a sub-template's dot: {{template "x" dict "A" 1 "B" 2}}.
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

func init() {
	messages(map[string][2]string{
		"app":              {"Sales Engine", "Sales Engine"},
		"nav.overview":     {"Resumen", "Overview"},
		"nav.plan":         {"Plan", "Plan"},
		"nav.connections":  {"Conexiones", "Connections"},
		"nav.webhooks":     {"Webhooks", "Webhooks"},
		"nav.logout":       {"Salir", "Log out"},
		"nav.language":     {"Idioma", "Language"},
		"ago":              {"hace %s", "%s ago"},
		"never":            {"nunca", "never"},
		"error.csrf":       {"El formulario caducó; recarga la página e inténtalo de nuevo.", "The form expired; reload the page and try again."},
		"login.title":      {"Entrar", "Log in"},
		"login.token":      {"Token de acceso (SALESENGINE_UI_TOKEN)", "Access token (SALESENGINE_UI_TOKEN)"},
		"login.submit":     {"Entrar", "Log in"},
		"login.wrong":      {"Token incorrecto.", "Wrong token."},
		"login.help":       {"Este panel pide el token que el operador configuró en SALESENGINE_UI_TOKEN.", "This dashboard asks for the token the operator set in SALESENGINE_UI_TOKEN."},
		"footer.generated": {"Generado %s", "Generated %s"},
	})
}
