package engine

import (
	"fmt"
	"net"
	"strings"

	"github.com/salesengine/salesengine/internal/config"
)

// UISettings are the dashboard's: its token and whether /metrics is open without it.
type UISettings struct {
	Token         string // "" only on a loopback listener
	MetricsPublic bool
}

// String describes the settings without the token (a %v by mistake, a panic).
func (s UISettings) String() string {
	tok := "<unset>"
	if s.Token != "" {
		tok = "<set>"
	}
	return fmt.Sprintf("UI token %s, metrics public %v", tok, s.MetricsPublic)
}

// GoString keeps %#v from printing the token.
func (s UISettings) GoString() string { return s.String() }

// minUITokenLength keeps a guessable token off a network: 16 characters of `openssl rand -base64 24` are
// far beyond guessing at one try a second.
const minUITokenLength = 16

// LoadUISettings reads SALESENGINE_UI_TOKEN (or _FILE) and SALESENGINE_METRICS_PUBLIC for a listener at addr:
// off loopback, the token is required, so the plan and the webhook queue are never open to a network.
func LoadUISettings(cfg *config.Config, addr string) (UISettings, error) {
	var s UISettings
	var err error
	if s.MetricsPublic, err = cfg.Bool("SALESENGINE_METRICS_PUBLIC"); err != nil {
		return s, settingError(err)
	}
	s.Token = strings.TrimSpace(cfg.Get("SALESENGINE_UI_TOKEN"))
	if s.Token != "" && len(s.Token) < minUITokenLength {
		return s, usagef("make one with: openssl rand -base64 24", "SALESENGINE_UI_TOKEN is %d characters; it needs at least %d",
			len(s.Token), minUITokenLength)
	}
	if s.Token == "" && !Loopback(addr) {
		return s, usagef("set SALESENGINE_UI_TOKEN (or SALESENGINE_UI_TOKEN_FILE) to a token of at least 16 characters, e.g. from: openssl rand -base64 24; or listen on 127.0.0.1",
			"--addr %s is not a loopback address: the dashboard needs SALESENGINE_UI_TOKEN", addr)
	}
	return s, nil
}

// Loopback tells whether a listen address (host:port) accepts connections from this machine only.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
