package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A flash says once, on the page a POST redirects to, what the POST did. It travels in a short-lived cookie
// as a message key and numbers, signed with a key of this process: the page shows only labels of the catalog
// filled with figures this process wrote, never text someone else supplied.
const (
	flashCookie = "se_flash"
	flashAge    = time.Minute
)

var flashKey = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}()

// flash is one message: the catalog key of its label, the figures for its verbs (a count for %d, shown with the
// language's digit grouping; an ID for %s, shown as is), and whether it reports a failure.
type flash struct {
	Key   string
	Count *int64
	ID    *int64
	Bad   bool
}

func flashMAC(payload string) string {
	m := hmac.New(sha256.New, flashKey)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (d *Dashboard) setFlash(w http.ResponseWriter, r *http.Request, f flash) {
	parts := []string{f.Key, strconv.FormatBool(f.Bad)}
	if f.Count != nil {
		parts = append(parts, "n"+strconv.FormatInt(*f.Count, 10))
	}
	if f.ID != nil {
		parts = append(parts, "i"+strconv.FormatInt(*f.ID, 10))
	}
	payload := strings.Join(parts, "~")
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: payload + "." + flashMAC(payload), Path: "/",
		MaxAge: int(flashAge / time.Second), HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
}

// takeFlash puts the request's flash, if any, on the page and deletes the cookie, so a reload shows it no more.
func (d *Dashboard) takeFlash(w http.ResponseWriter, r *http.Request, p *page) {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteStrictMode})
	i := strings.LastIndexByte(c.Value, '.') // the MAC is base64url, without dots; message keys have some
	if i < 0 {
		return
	}
	payload, mac := c.Value[:i], c.Value[i+1:]
	if !hmac.Equal([]byte(mac), []byte(flashMAC(payload))) {
		return
	}
	parts := strings.Split(payload, "~")
	if len(parts) < 2 {
		return
	}
	if _, known := catalog[parts[0]]; !known {
		return
	}
	args := make([]any, 0, len(parts)-2)
	for _, s := range parts[2:] {
		if len(s) < 2 {
			return
		}
		n, err := strconv.ParseInt(s[1:], 10, 64)
		switch {
		case err != nil:
			return
		case s[0] == 'n':
			args = append(args, n)
		case s[0] == 'i':
			args = append(args, strconv.FormatInt(n, 10))
		default:
			return
		}
	}
	if parts[1] == "true" {
		p.Error = p.T(parts[0], args...)
	} else {
		p.Done = p.T(parts[0], args...)
	}
}
