package odootest

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is a kind of injected failure.
type FaultKind int

const (
	HTTP500   FaultKind = iota + 1 // 500 Internal Server Error, werkzeug's HTML page (not an Odoo error: a crashed worker)
	HTTP502                        // 502 Bad Gateway from the proxy
	HTTP503                        // 503 Service Unavailable (+ Retry-After when set)
	HTTP429                        // 429 Too Many Requests (+ Retry-After when set), as Odoo Online's proxy
	Slow                           // answer normally after Delay
	Timeout                        // never answer: hang until the client gives up or the server closes
	Truncated                      // announce the full Content-Length, send half the body, drop the connection
	NonJSON                        // 200 with an HTML page instead of JSON or XML (a login page or proxy splash)
	// SessionExpired: JSON-RPC error code 100 "Odoo Session Expired" (data.name odoo.http.SessionExpiredException);
	// JSON-2 401 "Invalid apikey" as for a key that expired or was revoked; XML-RPC fault 1 whose traceback names
	// SessionExpiredException. (/jsonrpc and /xmlrpc are stateless, so a real server says this mostly on its session
	// API; the fake offers it on every transport to exercise the client's re-login.)
	SessionExpired
	AccessDenied // the transport's AccessDenied error (as for a revoked or expired key)
	ConnReset    // close the TCP connection with a reset, no response
	HTTP504      // 504 Gateway Time-out from the proxy (a long call on odoo.sh)
	// SerializationFailure is PostgreSQL's "could not serialize access due to concurrent update" that Odoo answers
	// once its own retries are spent, as Odoo renders it: JSON-2 HTTP 500 with the JSON error object (name
	// psycopg2.errors.SerializationFailure); JSON-RPC HTTP 200 with an error (code 200, 0 from 19) whose data.name
	// is that class; XML-RPC fault 1 whose faultString is the traceback ending with that class and message.
	SerializationFailure
)

func (k FaultKind) String() string {
	names := map[FaultKind]string{HTTP500: "HTTP500", HTTP502: "HTTP502", HTTP503: "HTTP503", HTTP429: "HTTP429", Slow: "Slow",
		Timeout: "Timeout", Truncated: "Truncated", NonJSON: "NonJSON", SessionExpired: "SessionExpired",
		AccessDenied: "AccessDenied", ConnReset: "ConnReset", HTTP504: "HTTP504", SerializationFailure: "SerializationFailure"}
	if n, ok := names[k]; ok {
		return n
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault describes an injected failure. With Count > 0 it hits the next Count matching calls; with Rate > 0
// each matching call fails with that probability (seeded: deterministic for a given call sequence); with
// neither, every matching call fails until ClearFaults.
type Fault struct {
	Kind       FaultKind
	Count      int
	Rate       float64
	RetryAfter time.Duration // 429/503: sent as Retry-After seconds when > 0
	Delay      time.Duration // Slow
	Match      string        // only calls whose model or method equals this ("" = every call)
}

type faultState struct {
	Fault
	remaining int
}

// InjectFault adds a fault; the earliest added matching fault wins.
func (s *Server) InjectFault(f Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, remaining: f.Count})
}

// FaultCounts returns how many calls each kind of fault hit since the server started.
func (s *Server) FaultCounts() map[FaultKind]int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	out := make(map[FaultKind]int, len(s.faultHits))
	for k, n := range s.faultHits {
		out[k] = n
	}
	return out
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = nil
}

// pickFault returns the fault that hits this call, if any.
//
// A SessionExpired fault given by Rate (background noise) hits only calls that use a session (object calls other
// than the JSON-2 login, res.users.context_get), and never the first call after a successful login: a real
// session does not expire the instant it is created. Count and permanent faults hit whatever they match.
func (s *Server) pickFault(c *call) *Fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	model, method := c.matchName()
	fresh := s.freshLogin
	s.freshLogin = false
	for i, f := range s.faults {
		if f.Match != "" && f.Match != model && f.Match != method {
			continue
		}
		if f.Kind == SessionExpired && f.Count == 0 && f.Rate > 0 && (fresh || !c.usesSession()) {
			continue
		}
		switch {
		case f.Count > 0:
			if f.remaining <= 0 {
				continue
			}
			f.remaining--
			if f.remaining == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		case f.Rate > 0:
			if s.faultRNG.Float64() >= f.Rate {
				continue
			}
		}
		ff := f.Fault
		if s.faultHits == nil {
			s.faultHits = map[FaultKind]int{}
		}
		s.faultHits[f.Kind]++
		return &ff
	}
	return nil
}

const (
	page500   = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n"
	page502   = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	page503   = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	page504   = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	page429   = "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	pageLogin = "<!DOCTYPE html>\n<html><head><title>Odoo</title></head><body><form class=\"oe_login_form\" action=\"/web/login\" method=\"post\"><input name=\"login\"/></form></body></html>\n"
)

// loggedIn records a successful login (see pickFault).
func (s *Server) loggedIn() {
	s.faultMu.Lock()
	s.freshLogin = true
	s.faultMu.Unlock()
}

// usesSession reports a call made on behalf of a logged-in session: an ORM call, but not the JSON-2 login.
func (c *call) usesSession() bool {
	return c.service == "object" && !(c.method == "json2" && c.model == "res.users" && c.objMeth == "context_get")
}

// preFault handles the faults that replace the response entirely. It reports whether the response is done.
func (s *Server) preFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f == nil {
		return false
	}
	html := func(status int, page string) {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, page)
	}
	switch f.Kind {
	case HTTP500:
		html(http.StatusInternalServerError, page500)
	case HTTP502:
		html(http.StatusBadGateway, page502)
	case HTTP503:
		html(http.StatusServiceUnavailable, page503)
	case HTTP429:
		html(http.StatusTooManyRequests, page429)
	case HTTP504:
		html(http.StatusGatewayTimeout, page504)
	case NonJSON:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, pageLogin)
	case Slow:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		case <-s.closing:
			return true
		}
		return false
	case Timeout:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	case ConnReset:
		resetConn(w)
	default:
		return false
	}
	return true
}

// resetConn drops the connection with a TCP RST.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// writeBody sends a response, truncating it when the fault says so.
func (s *Server) writeBody(w http.ResponseWriter, r *http.Request, f *Fault, status int, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if f != nil && f.Kind == Truncated {
		_, _ = w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	_, _ = w.Write(body)
}
