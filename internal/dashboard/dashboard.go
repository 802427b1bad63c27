// Package dashboard is the browser interface of `serve`: the planner's plan and SKU pages and the operator's
// connections and webhook queue, rendered on the server with html/template from the store through the engine.
// Every asset is embedded, so it works with no internet access. The handler is mounted at "/" of serve's
// listener (internal/server keeps the routing of health and metrics).
package dashboard

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/engine"
	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Source is what the pages read and change; *engine.Engine is one.
type Source interface {
	Overview(ctx context.Context, month plan.Month, now time.Time) (*engine.Overview, error)
	// The operator's pages: connections and their sync logs, the webhook queue and what the CLI's retry and
	// discard do.
	SyncLogRecent(ctx context.Context, perConnection int) (map[int64][]*store.SyncLog, error)
	SyncLogPage(ctx context.Context, connection string, before int64, limit int) (*engine.SyncLogPage, error)
	DeliveryQueue(ctx context.Context, q engine.DeliveryQuery) (*engine.DeliveryQueue, error)
	SelectDeliveries(ctx context.Context, sel engine.DeliverySelection) ([]int64, error)
	Retry(ctx context.Context, ids []int64) ([]int64, error)
	Discard(ctx context.Context, ids []int64) ([]int64, error)
	PlanView(ctx context.Context, connection string, from, to plan.Month) (*engine.PlanView, error)
	SKUView(ctx context.Context, sku, connection string) (*engine.SKUView, error)
	AccuracyAll(ctx context.Context, lag int) (*engine.AccuracyReport, error)
	// Forecast overrides on the SKU page: what 'salesengine forecast override' does.
	SKUOverrides(ctx context.Context, sku, connection string) (*engine.SKUOverrides, error)
	ForecastOverrideChangeIn(ctx context.Context, connection string, ch engine.OverrideChange) (*engine.OverrideOutcome, error)
}

var _ Source = (*engine.Engine)(nil)

// Options configure the dashboard.
type Options struct {
	Source Source
	// Token, when set, is required of every page (a login form sets a session cookie; scripts send
	// "Authorization: Bearer TOKEN"). Empty: no login, for a listener bound to loopback only.
	Token string
	// Location is the time zone times are shown in (nil: UTC).
	Location *time.Location
	Log      *slog.Logger
	Now      func() time.Time // nil: time.Now
}

// Dashboard serves the pages.
type Dashboard struct {
	opts  Options
	auth  *auth
	pages map[string]*template.Template
}

// New parses the templates and builds the dashboard.
func New(o Options) (*Dashboard, error) {
	if o.Source == nil {
		return nil, fmt.Errorf("dashboard: no source")
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := &Dashboard{opts: o, auth: newAuth(o.Token), pages: map[string]*template.Template{}}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", p)
		if err != nil {
			return nil, fmt.Errorf("dashboard: template %s: %w", name, err)
		}
		d.pages[name] = t
	}
	return d, nil
}

// Handler serves every page, the login and the embedded assets. Mount it at "/".
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheForever(http.FileServerFS(static))))
	mux.HandleFunc("GET /login", d.loginForm)
	mux.HandleFunc("POST /login", d.login)
	mux.HandleFunc("POST /logout", d.logout)
	mux.HandleFunc("GET /lang/{code}", d.setLanguage)

	pages := http.NewServeMux()
	pages.HandleFunc("GET /{$}", d.overview)
	pages.HandleFunc("GET /connections", d.connections)
	pages.HandleFunc("GET /connections/{name}", d.connection)
	pages.HandleFunc("GET /webhooks", d.webhooks)
	pages.HandleFunc("POST /webhooks/retry", d.retry)
	pages.HandleFunc("POST /webhooks/discard", d.discard)
	pages.HandleFunc("GET /plan", d.planPage)
	pages.HandleFunc("GET /plan.csv", d.planCSV)
	pages.HandleFunc("GET /sku/{sku}", d.skuPage)
	pages.HandleFunc("GET /accuracy", d.accuracyPage)
	pages.HandleFunc("POST /sku/{sku}/override", d.override)
	mux.Handle("/", d.Protect(pages))

	// Browsers say where a request comes from (Sec-Fetch-Site, Origin): a cross-site POST is refused before any
	// handler sees it. The forms' CSRF token covers browsers too old to say.
	return http.NewCrossOriginProtection().Handler(securityHeaders(mux))
}

// Protect lets a request through when the token is not required or the request carries it (session cookie or
// bearer); otherwise a browser asking for a page is sent to the login form and anything else gets 401. Serve
// wraps /metrics with it unless the metrics are public.
func (d *Dashboard) Protect(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.auth.allowed(r, d.opts.Now()) {
			h.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, "/login?next="+localPath(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="salesengine"`)
		http.Error(w, "401 unauthorized: log in at /login, or send Authorization: Bearer with SALESENGINE_UI_TOKEN", http.StatusUnauthorized)
	})
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		// Everything is served from here: no inline script, no third-party origin, no framing.
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

func cacheForever(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Assets are part of the binary: a new version has new assets, and "?v=" in the layout busts the cache.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// page is what every template gets: the language, the request's place, and the page's own data.
type page struct {
	*locale
	Title   string
	Path    string // the request's path and query, for the language links and the login's return
	Section string // which navigation entry is current
	CSRF    string
	Auth    bool   // a token is required: show "log out"
	Done    string // what a POST did, shown once
	Error   string
	Version string
	Data    any
}

func (d *Dashboard) newPage(w http.ResponseWriter, r *http.Request, section string) *page {
	return &page{locale: d.locale(r), Path: r.URL.RequestURI(), Section: section, CSRF: d.auth.csrfToken(w, r),
		Auth: d.auth.required(), Version: assetVersion}
}

// render writes a page, or a 500 that says what failed (the page is rendered to memory first, so a failing
// template never leaves half a page).
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t := d.pages[name]
	if t == nil {
		d.fail(w, r, fmt.Errorf("no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		d.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", p.Lang)
	h.Set("Vary", "Accept-Language, Cookie")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail answers 500 and logs why; the error is the store's or a template's, never a secret.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the browser went away
	}
	d.opts.Log.Error("dashboard: page failed", "path", r.URL.Path, "err", err)
	http.Error(w, "500 internal error: "+err.Error(), http.StatusInternalServerError)
}

// localPath keeps a return path on this site ("/x?y"), or "/" for anything else (an open redirect otherwise).
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

func (d *Dashboard) now() time.Time { return d.opts.Now().In(d.opts.Location) }
