package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"time"
)

const (
	sessionCookie = "se_session"
	csrfCookie    = "se_csrf"
	// sessionAge is how long a login lasts: a planner logs in on a phone once a month, not every morning.
	sessionAge = 30 * 24 * time.Hour
)

// auth checks the UI token. Nothing about a session is stored: the cookie is an issue time signed with a key
// derived from the token, so changing the token (and restarting) logs everybody out, and the cookie never
// holds the token itself.
type auth struct {
	tokenHash [32]byte // sha256 of the token, compared in constant time whatever the lengths
	key       []byte   // HMAC key of the session cookies; nil when no token is required
}

func newAuth(token string) *auth {
	a := &auth{}
	if token != "" {
		a.tokenHash = sha256.Sum256([]byte(token))
		m := hmac.New(sha256.New, []byte(token))
		m.Write([]byte("salesengine dashboard session v1"))
		a.key = m.Sum(nil)
	}
	return a
}

func (a *auth) required() bool { return a.key != nil }

// tokenMatches compares a presented token with the configured one in constant time.
func (a *auth) tokenMatches(presented string) bool {
	h := sha256.Sum256([]byte(presented))
	return a.required() && subtle.ConstantTimeCompare(h[:], a.tokenHash[:]) == 1
}

// bearer is the token of an "Authorization: Bearer" header, if any.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

func (a *auth) allowed(r *http.Request, now time.Time) bool {
	if !a.required() {
		return true
	}
	if tok, ok := bearer(r); ok {
		return a.tokenMatches(tok)
	}
	c, err := r.Cookie(sessionCookie)
	return err == nil && a.sessionValid(c.Value, now)
}

func (a *auth) sign(payload []byte) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write(payload)
	return m.Sum(nil)
}

// session is a signed issue time: base64(issued unix seconds, 8 bytes) "." base64(HMAC).
func (a *auth) session(now time.Time) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(now.Unix()))
	enc := base64.RawURLEncoding
	return enc.EncodeToString(b[:]) + "." + enc.EncodeToString(a.sign(b[:]))
}

func (a *auth) sessionValid(v string, now time.Time) bool {
	issued, mac, ok := strings.Cut(v, ".")
	if !ok {
		return false
	}
	enc := base64.RawURLEncoding
	b, err1 := enc.DecodeString(issued)
	m, err2 := enc.DecodeString(mac)
	if err1 != nil || err2 != nil || len(b) != 8 || !hmac.Equal(m, a.sign(b)) {
		return false
	}
	at := time.Unix(int64(binary.BigEndian.Uint64(b)), 0)
	return !at.After(now.Add(time.Minute)) && now.Sub(at) < sessionAge
}

func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// csrfToken is the value forms carry back (double submit: it must equal the se_csrf cookie, which another
// site can neither read nor set). It sets the cookie on the first page a browser gets.
func (a *auth) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteStrictMode})
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v}) // later calls in this request see the same value
	return v
}

// csrfValid checks a form's token against the cookie. Requests authenticated by a bearer header carry no
// ambient credential, so they need none.
func (a *auth) csrfValid(r *http.Request) bool {
	if _, ok := bearer(r); ok && a.required() {
		return true
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) == 1
}

func (d *Dashboard) loginForm(w http.ResponseWriter, r *http.Request) {
	p := d.newPage(w, r, "login")
	p.Title = p.T("login.title")
	p.Data = localPath(r.URL.Query().Get("next"))
	if !d.auth.required() {
		http.Redirect(w, r, p.Data.(string), http.StatusSeeOther)
		return
	}
	d.render(w, r, http.StatusOK, "login", p)
}

func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	next := localPath(r.PostFormValue("next"))
	if !d.auth.required() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p := d.newPage(w, r, "login")
	p.Title = p.T("login.title")
	p.Data = next
	if !d.auth.csrfValid(r) {
		p.Error = p.T("error.csrf")
		d.render(w, r, http.StatusForbidden, "login", p)
		return
	}
	if !d.auth.tokenMatches(r.PostFormValue("token")) {
		// A wrong token costs the guesser a second; the page says no more than that it was wrong.
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
			return
		}
		d.opts.Log.Warn("dashboard: a login failed", "remote", r.RemoteAddr)
		p.Error = p.T("login.wrong")
		d.render(w, r, http.StatusUnauthorized, "login", p)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: d.auth.session(d.opts.Now()), Path: "/", HttpOnly: true,
		Secure: secure(r), SameSite: http.SameSiteStrictMode, MaxAge: int(sessionAge / time.Second)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request) {
	if !d.auth.csrfValid(r) {
		http.Error(w, "403 forbidden: the form's CSRF token is missing or stale; reload the page", http.StatusForbidden)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
