package dashboard

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/salesengine/salesengine/internal/plan"
	"github.com/salesengine/salesengine/internal/store"
)

// get fetches a path as a browser would (Accept: text/html) and returns the answer and its body.
func get(t *testing.T, c *http.Client, base, path string, header ...string) (*http.Response, string) {
	t.Helper()
	return do(t, c, http.MethodGet, base+path, nil, append([]string{"Accept", "text/html"}, header...)...)
}

// post sends a form, as a page on this site would (same-origin).
func post(t *testing.T, c *http.Client, base, path string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	return do(t, c, http.MethodPost, base+path, strings.NewReader(form.Encode()),
		append([]string{"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin"}, header...)...)
}

func do(t *testing.T, c *http.Client, method, url string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field in the page:\n%s", body)
	}
	return m[1]
}

// wrongCSRF is token with its first character changed: a token that starts
// with 'x' already must not stay valid (a flake once every 64 runs).
func wrongCSRF(token string) string {
	if token[0] == 'x' {
		return "y" + token[1:]
	}
	return "x" + token[1:]
}

func TestOverview(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{Tenants: 2})
	c := f.client(t)
	resp, body := get(t, c, f.srv.URL, "/", "Accept-Language", "es-MX,es;q=0.9,en;q=0.5")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{`<html lang="es">`, "Resumen", `data-connection="acme"`, `data-connection="globex"`, "al día",
		"Última sincronización correcta", "2026-01-15", "ALTA", "MEDIA", "BAJA", "sin webhook"} {
		if want == "sin webhook" {
			if strings.Contains(body, want) {
				t.Errorf("both connections have a webhook, the page says %q", want)
			}
			continue
		}
		if !strings.Contains(body, want) {
			t.Errorf("overview (es) lacks %q", want)
		}
	}
	_, en := get(t, c, f.srv.URL, "/", "Accept-Language", "en-US,en;q=0.9")
	if !strings.Contains(en, `<html lang="en">`) || !strings.Contains(en, "Last successful sync") || !strings.Contains(en, "up to date") {
		t.Errorf("English overview wrong:\n%s", en)
	}
	// The counts are the stored plan's: ALTA+MEDIA+BAJA of January equals the SKUs planned for January.
	rows, err := f.store.ProductionList(t.Context(), &store.ProductionListParams{ConnectionID: f.conns[0].ID, Year: 2026, Month: 1})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Priority]++
	}
	section := body[strings.Index(body, `data-connection="acme"`):]
	section = section[:strings.Index(section, "</section>")]
	for _, p := range []string{"ALTA", "MEDIA", "BAJA"} {
		want := p + " " + strconv.Itoa(counts[p])
		if !strings.Contains(section, want) {
			t.Errorf("acme's card should say %q (stored January plan), got:\n%s", want, section)
		}
	}
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{NoSync: true})
	c := f.client(t)
	resp, _ := get(t, c, f.srv.URL, "/lang/en?next=/%3Fx%3D1")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?x=1" {
		t.Fatalf("GET /lang/en = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The cookie wins over the browser's Accept-Language.
	_, body := get(t, c, f.srv.URL, "/", "Accept-Language", "es")
	if !strings.Contains(body, `<html lang="en">`) {
		t.Error("after choosing English, the page is not English")
	}
	if resp, _ := get(t, c, f.srv.URL, "/lang/en?next=//evil.example/"); resp.Header.Get("Location") != "/" {
		t.Errorf("an off-site next must not be followed, redirected to %q", resp.Header.Get("Location"))
	}
	if resp, _ := get(t, c, f.srv.URL, "/lang/fr"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /lang/fr = %d, want 404", resp.StatusCode)
	}
	get(t, c, f.srv.URL, "/lang/es?next=/")
	if _, body = get(t, c, f.srv.URL, "/", "Accept-Language", "en"); !strings.Contains(body, `<html lang="es">`) {
		t.Error("switching back to Spanish failed")
	}
}

func TestTokenLogin(t *testing.T) {
	t.Parallel()
	const token = "a-token-of-some-length-42"
	f := newFixture(t, fixtureOptions{Token: token, NoSync: true})
	c := f.client(t)

	resp, _ := get(t, c, f.srv.URL, "/?a=b")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=/?a=b" {
		t.Fatalf("a page without login: %d to %q, want a redirect to the login", resp.StatusCode, resp.Header.Get("Location"))
	}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("a script without the token: %v, want 401 with WWW-Authenticate", resp.Status)
	}
	resp, body := get(t, c, f.srv.URL, "/login?next=/%3Fa%3Db")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `type="password"`) {
		t.Fatalf("login form: %d\n%s", resp.StatusCode, body)
	}
	csrf := csrfOf(t, body)

	// Without the CSRF field, and from another site, the login is refused before the token is looked at.
	if resp, _ := post(t, c, f.srv.URL, "/login", url.Values{"token": {token}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without CSRF token = %d, want 403", resp.StatusCode)
	}
	if resp, _ := post(t, c, f.srv.URL, "/login", url.Values{"token": {token}, "csrf": {csrf}}, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site login = %d, want 403", resp.StatusCode)
	}
	resp, body = post(t, c, f.srv.URL, "/login", url.Values{"token": {"wrong-token-wrong-token"}, "csrf": {csrf}, "next": {"/?a=b"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Token incorrecto") || strings.Contains(body, token) {
		t.Errorf("wrong token: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = post(t, c, f.srv.URL, "/login", url.Values{"token": {token}, "csrf": {csrf}, "next": {"/?a=b"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?a=b" {
		t.Fatalf("right token: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || strings.Contains(session.Value, token) {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, without the token", session)
	}
	if resp, body := get(t, c, f.srv.URL, "/"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Salir") {
		t.Errorf("after login: %d, logout button shown: %v", resp.StatusCode, strings.Contains(body, "Salir"))
	}
	// A forged cookie is not a session.
	forged := f.client(t)
	u, _ := url.Parse(f.srv.URL)
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: session.Value[:len(session.Value)-2] + "AA"}})
	if resp, _ := get(t, forged, f.srv.URL, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a forged session cookie got %d", resp.StatusCode)
	}
	// Scripts: the bearer header, compared in full.
	if resp, _ := get(t, f.client(t), f.srv.URL, "/", "Authorization", "Bearer "+token); resp.StatusCode != http.StatusOK {
		t.Errorf("bearer token: %d", resp.StatusCode)
	}
	if resp, _ := get(t, f.client(t), f.srv.URL, "/", "Authorization", "Bearer "+token[:len(token)-1]); resp.StatusCode == http.StatusOK {
		t.Error("a token's prefix was accepted")
	}
	// Static assets and the login page stay reachable without a session.
	if resp, _ := get(t, f.client(t), f.srv.URL, "/static/style.css"); resp.StatusCode != http.StatusOK {
		t.Errorf("stylesheet without a session: %d", resp.StatusCode)
	}
	// Logging out ends the session.
	_, body = get(t, c, f.srv.URL, "/")
	if resp, _ := post(t, c, f.srv.URL, "/logout", url.Values{"csrf": {csrfOf(t, body)}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout = %d", resp.StatusCode)
	}
	if resp, _ := get(t, c, f.srv.URL, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout a page answered %d", resp.StatusCode)
	}
}

// TestNoSecretInPages fetches every page in both languages and looks for every secret the fixture holds.
func TestNoSecretInPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	c := f.client(t)
	secrets := append([]string{fixtureAPIKey, fixtureHookToken}, f.whsecret...)
	for _, path := range pagePaths(f) {
		for _, lang := range []string{"es", "en"} {
			resp, body := get(t, c, f.srv.URL, path, "Accept-Language", lang)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s (%s) = %d", path, lang, resp.StatusCode)
			}
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("GET %s (%s) shows a secret", path, lang)
				}
			}
			for _, h := range resp.Header {
				for _, v := range h {
					for _, s := range secrets {
						if strings.Contains(v, s) {
							t.Errorf("GET %s: a header shows a secret", path)
						}
					}
				}
			}
		}
	}
}

// pagePaths is every page of the dashboard, for the tests that visit them all.
func pagePaths(f *fixture) []string {
	paths := []string{"/"}
	paths = append(paths, "/plan", "/plan?priority=ALTA&sort=sku&dir=desc", "/plan.csv", planSKUPath(f))
	paths = append(paths, "/accuracy", "/accuracy?lag=3&by=method")
	paths = append(paths, "/connections", "/connections?status=problems", connectionPath(f.conns[0].Name),
		"/webhooks", "/webhooks?state=dead&connection="+f.conns[0].Name)
	return paths
}

// TestCatalog checks that every label a template asks for exists in both languages.
func TestCatalog(t *testing.T) {
	t.Parallel()
	keyUse := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	entries, err := os.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile("templates/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyUse.FindAllStringSubmatch(string(b), -1) {
			v, ok := catalog[m[1]]
			if !ok || v[0] == "" || v[1] == "" {
				t.Errorf("%s: label %q is not in the catalog in both languages", e.Name(), m[1])
			}
		}
	}
}

// TestEveryFlagExplained: each flag a plan row may carry has a label and an explanation in both languages (a
// flag without them showed as its raw name with an empty hover).
func TestEveryFlagExplained(t *testing.T) {
	t.Parallel()
	for _, f := range plan.AllFlags {
		for _, key := range []string{"flag." + f, "flag." + f + ".help"} {
			if v, ok := catalog[key]; !ok || v[0] == "" || v[1] == "" {
				t.Errorf("flag %s: no %q in both languages", f, key)
			}
		}
	}
}
