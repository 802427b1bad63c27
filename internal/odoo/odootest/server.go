package odootest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a fake server.
type Options struct {
	Version  string           // "16", "17", "18", "19", "saas~17", "saas~18.4"...; default "17"
	Database string           // default "odoo"
	Login    string           // default "admin"
	Password string           // default "admin" (authenticate and execute_kw)
	APIKey   string           // default "test-api-key-0123456789" (as password, and JSON-2 bearer)
	Seed     int64            // data generator and fault rates
	Now      time.Time        // clock start (default 2026-01-15 10:00:00 UTC); moves only when told
	Data     *GenerateOptions // nil: empty database (companies, currencies, locations, warehouses, the user)
	MaxLimit int              // server-side cap on search_read/search limit; 0 = none
	MultiDB  bool             // the host serves several databases: JSON-2 needs X-Odoo-Database (404 HTML without it)
	// DatabaseUUID is the system parameter database.uuid; default: derived from Database and Seed, so two
	// fakes differ unless they share both.
	DatabaseUUID string
	// NoSettings leaves the API user out of Administration / Settings: reading system parameters (the
	// database uuid) then fails with AccessError, as it does for such a user in Odoo.
	NoSettings bool
	// Modules are the apps installed (ModuleSale, ModuleStock, ModuleMRP, ModulePurchase); nil: DefaultModules.
	// A model of an app not installed does not exist; mrp needs stock.
	Modules []string
	// NoModuleAccess makes ir.module.module unreadable (AccessError), as modules such as access_apps do.
	NoModuleAccess bool
	// NoAccess names models the API user may not read (AccessError on every call), as for a user without the
	// Manufacturing or Purchase rights.
	NoAccess []string
	// RecordCalls keeps a CallLog: each RPC call's caller (User-Agent) and its start and end, in real time.
	RecordCalls bool
	Addr        string       // listen address; default "127.0.0.1:0"
	Logger      *slog.Logger // optional request log (debug level)
}

// DefaultNow is the clock start when Options.Now is zero.
var DefaultNow = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

// AdminUID is the uid of the API user (uid 1 is OdooBot/__system__ in Odoo, the admin is 2).
const AdminUID = 2

// Server is a running fake Odoo.
type Server struct {
	opts Options
	ver  version

	mu          sync.RWMutex
	now         time.Time
	lastStamp   time.Time
	stampRNG    *rand.Rand
	activityRNG *rand.Rand

	companies, currencies, partners, users, locations, warehouses, products, orders, lines, quants, params *table
	models                                                                                                 map[string]*model
	sup                                                                                                    *supplyTables // manufacturing, purchasing, replenishment
	stock                                                                                                  *stockState   // stock moves (stockmoves.go)

	calls atomic.Int64
	stats statsState

	faultMu    sync.Mutex
	faults     []*faultState
	faultHits  map[FaultKind]int // calls hit, by kind (FaultCounts)
	faultRNG   *rand.Rand
	freshLogin bool // the last call was a successful login (see pickFault)

	loginMu    sync.Mutex
	loginFails map[string]*loginFailure

	ln      net.Listener
	httpSrv *http.Server
	closing chan struct{}
	closeMu sync.Once
}

type loginFailure struct {
	count int
	last  time.Time
}

// NewServer builds the data and starts listening on loopback.
func NewServer(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("odootest: listen: %w", err)
	}
	s.ln = ln
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s, nil
}

// newServer builds a server without listening (benchmarks and handler tests).
func newServer(opts Options) (*Server, error) {
	ver, err := parseVersion(opts.Version)
	if err != nil {
		return nil, err
	}
	if opts.Database == "" {
		opts.Database = "odoo"
	}
	if opts.Login == "" {
		opts.Login = "admin"
	}
	if opts.Password == "" {
		opts.Password = "admin"
	}
	if opts.APIKey == "" {
		opts.APIKey = "test-api-key-0123456789"
	}
	if opts.Now.IsZero() {
		opts.Now = DefaultNow
	}
	if opts.DatabaseUUID == "" {
		opts.DatabaseUUID = derivedUUID(opts.Database, opts.Seed)
	}
	s := &Server{
		opts: opts, ver: ver, now: opts.Now.UTC(),
		stampRNG:   rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed)),
		faultRNG:   rand.New(rand.NewPCG(uint64(opts.Seed), 0xfa17)),
		loginFails: map[string]*loginFailure{},
		closing:    make(chan struct{}),
	}
	for _, t := range []**table{&s.companies, &s.currencies, &s.partners, &s.users, &s.locations, &s.warehouses, &s.products, &s.orders, &s.lines, &s.quants, &s.params} {
		*t = &table{}
	}
	if err := checkModules(opts.Modules); err != nil {
		return nil, err
	}
	s.sup = newSupplyTables()
	s.stock = &stockState{moves: &table{}}
	s.models = s.buildModels()
	s.buildStockMoves(s.models)
	s.seedBase()
	s.seedSupply()
	if opts.Data != nil {
		if err := s.generate(*opts.Data); err != nil {
			return nil, err
		}
		s.generateSupply(*opts.Data)
		s.generateStockMoves(*opts.Data)
	}
	return s, nil
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Database is the database name the server answers for.
func (s *Server) Database() string { return s.opts.Database }

// DatabaseUUID is the database's uuid (system parameter database.uuid).
func (s *Server) DatabaseUUID() string { return s.opts.DatabaseUUID }

// derivedUUID makes the default database.uuid, formatted like Odoo's uuid1.
func derivedUUID(db string, seed int64) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("odootest/%s/%d", db, seed)))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x10 // version 1, as Odoo's uuid.uuid1()
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Close stops the server; hanging (Timeout) responses are released.
func (s *Server) Close() {
	s.closeMu.Do(func() {
		close(s.closing)
		if s.httpSrv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := s.httpSrv.Shutdown(ctx); err != nil {
				_ = s.httpSrv.Close()
			}
		}
	})
}

// CloseIdleConnections closes the kept-alive connections no request is using (a test that counts a client's
// goroutines, say, leaves no pooled connection in the count); the next requests open new ones.
func (s *Server) CloseIdleConnections() {
	s.httpSrv.SetKeepAlivesEnabled(false) // which closes the idle ones
	s.httpSrv.SetKeepAlivesEnabled(true)
}

// Calls is the number of RPC calls received (every transport, faulted ones included).
func (s *Server) Calls() int64 { return s.calls.Load() }

// ServeHTTP routes the transports. Every response's Date header is the fake's clock (set before anything,
// faults included, writes): a real server's Date comes from its own clock, not the client's.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ci := &callInfo{}
	defer func() { // deferred: faults that abort the response (Truncated, ConnReset) are timed too
		if ci.counted {
			s.recordCall(ci, time.Since(start))
			if s.opts.RecordCalls {
				s.logCall(CallRecord{UserAgent: r.Header.Get("User-Agent"), Key: ci.key, Start: start, End: time.Now()})
			}
		}
	}()
	w.Header().Set("Date", s.Now().UTC().Format(http.TimeFormat))
	if s.opts.Logger != nil {
		s.opts.Logger.Debug("odootest request", "method", r.Method, "path", r.URL.Path)
	}
	switch {
	case r.URL.Path == "/jsonrpc":
		s.serveJSONRPC(w, r, ci)
	case r.URL.Path == "/xmlrpc/2/common" || r.URL.Path == "/xmlrpc/2/object" || r.URL.Path == "/xmlrpc/2/db":
		s.serveXMLRPC(w, r, strings.TrimPrefix(r.URL.Path, "/xmlrpc/2/"), ci)
	case strings.HasPrefix(r.URL.Path, "/json/2/"):
		s.serveJSON2(w, r, ci)
	case r.URL.Path == "/web/version":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		var j jw
		j.any(s.ver.versionInfo())
		_, _ = w.Write(j.b)
	default:
		s.notFound(w, r)
	}
}

// notFound answers a path no route serves as Odoo's http.py does. On a host that resolves the database without
// a session, a request with a JSON body reaches the JSON-RPC dispatcher's error handler: HTTP 200 with a JSON-RPC
// error, code 404 and werkzeug's NotFound (what an Odoo before 19 answers to POST /json/2/..., and any Odoo to
// POST /web/jsonrpc when the URL was given as https://host/web). Anything else gets the HTML 404 page.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	if s.opts.MultiDB || (ct != "application/json" && ct != "application/json-rpc") {
		notFoundHTML(w)
		return
	}
	var j jw
	j.raw(`{"jsonrpc": "2.0", "id": null, "error": `)
	j.any(s.rpcError(errRouteNotFound()))
	j.raw("}")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(j.b)
}

const notFoundPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"/><title>404 | Page not found</title></head>
<body><h1>404: Page not found</h1><p>The page you were looking for could not be found; it is possible you have typed the address incorrectly, but it has most probably been removed due to the recent website reorganisation.</p></body>
</html>
`

func notFoundHTML(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, notFoundPage)
}

// decodeJSON parses a request body keeping integers apart from floats.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data")
	}
	return normalize(v), nil
}

func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := x.Int64(); err == nil {
				return n
			}
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = normalize(x[k])
		}
		return x
	}
	return v
}

const maxBody = 16 << 20

// call is one decoded RPC call, whatever the transport.
type call struct {
	service string // common, object
	method  string // version, authenticate, execute_kw...
	args    []any
	model   string
	objMeth string // model method for execute_kw
	remote  string
}

func (c *call) matchName() (string, string) {
	if c.service == "object" {
		return c.model, c.objMeth
	}
	return "", c.method
}

// dispatch runs a common/object call (JSON-RPC and XML-RPC).
func (s *Server) dispatch(c *call) (any, error) {
	switch c.service {
	case "common":
		switch c.method {
		case "version":
			return s.ver.versionInfo(), nil
		case "about":
			return "See http://openerp.com", nil
		case "authenticate", "login":
			want := 4
			if c.method == "login" {
				want = 3
			}
			if len(c.args) < want {
				return nil, errType("exp_%s() missing %d required positional arguments", c.method, want-len(c.args))
			}
			db, _ := c.args[0].(string)
			login, _ := c.args[1].(string)
			pw, _ := c.args[2].(string)
			if db != s.opts.Database {
				return nil, errUnknownDB(db)
			}
			if uid, ok := s.authenticate(c.remote, login, pw); ok {
				s.loggedIn()
				return uid, nil
			}
			return false, nil
		}
	case "object":
		switch c.method {
		case "execute_kw", "execute":
			return s.executeKW(c)
		}
	case "db":
		switch c.method {
		case "list":
			if s.opts.MultiDB {
				return []any{s.opts.Database, s.opts.Database + "_test"}, nil
			}
			return []any{s.opts.Database}, nil
		case "server_version":
			return s.ver.serie(), nil
		}
		return nil, errAccessDenied()
	}
	return nil, errAttribute("module 'odoo.service.%s' has no attribute '%s'", c.service, c.method)
}

func (s *Server) authenticate(remote, login, pw string) (int64, bool) {
	s.loginMu.Lock()
	defer s.loginMu.Unlock()
	now := s.now // the caller holds the read lock
	if f := s.loginFails[remote]; f != nil && f.count >= 5 && now.Sub(f.last) < time.Minute {
		// Odoo raises AccessDenied("Too many login failures..."); common.authenticate turns it into false.
		return 0, false
	}
	if login == s.opts.Login && (pw == s.opts.Password || pw == s.opts.APIKey) {
		delete(s.loginFails, remote)
		return AdminUID, true
	}
	f := s.loginFails[remote]
	if f == nil {
		f = &loginFailure{}
		s.loginFails[remote] = f
	}
	if now.Sub(f.last) >= time.Minute && f.count >= 5 {
		f.count = 0
	}
	f.count++
	f.last = now
	return 0, false
}

func (s *Server) executeKW(c *call) (any, error) {
	if len(c.args) < 5 {
		return nil, errType("execute_kw() missing required positional arguments")
	}
	db, _ := c.args[0].(string)
	if db != s.opts.Database {
		return nil, errUnknownDB(db)
	}
	uid, _ := asInt(c.args[1])
	pw, _ := c.args[2].(string)
	if uid != AdminUID || (pw != s.opts.Password && pw != s.opts.APIKey) {
		return nil, errAccessDenied()
	}
	var args []any
	var kwargs map[string]any
	if c.method == "execute" {
		args = c.args[5:]
	} else {
		if len(c.args) > 5 {
			a, ok := c.args[5].([]any)
			if !ok && c.args[5] != nil {
				return nil, errType("execute_kw() args must be a list")
			}
			args = a
		}
		if len(c.args) > 6 {
			switch k := c.args[6].(type) {
			case map[string]any:
				kwargs = k
			case nil:
			default:
				return nil, errType("execute_kw() kwargs must be a dict")
			}
		}
	}
	return s.callModel(uid, c.model, c.objMeth, args, kwargs)
}

// callModel builds the env from the context and runs the method. The caller holds s.mu (read) until the
// result is encoded: results are encoded straight from the records.
func (s *Server) callModel(uid int64, model, method string, args []any, kwargs map[string]any) (any, error) {
	var ctx map[string]any
	if kwargs != nil {
		if c, ok := kwargs["context"]; ok {
			ctx, _ = c.(map[string]any)
			rest := make(map[string]any, len(kwargs))
			for k, v := range kwargs {
				if k != "context" {
					rest[k] = v
				}
			}
			kwargs = rest
		}
	}
	e, err := s.newEnv(uid, ctx)
	if err != nil {
		return nil, err
	}
	return s.execute(e, model, method, args, kwargs)
}

// parseCall extracts model and method from common/object arguments.
func (c *call) fill() {
	if c.service == "object" && len(c.args) >= 5 {
		c.model, _ = c.args[3].(string)
		c.objMeth, _ = c.args[4].(string)
	}
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ---- JSON-RPC ----

func (s *Server) serveJSONRPC(w http.ResponseWriter, r *http.Request, ci *callInfo) {
	s.countCall(ci)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return
	}
	v, err := decodeJSON(body)
	req, ok := v.(map[string]any)
	if err != nil || !ok {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "Invalid JSON data")
		return
	}
	id := req["id"]
	params, _ := req["params"].(map[string]any)
	c := &call{remote: remoteHost(r)}
	c.service, _ = params["service"].(string)
	c.method, _ = params["method"].(string)
	c.args, _ = params["args"].([]any)
	c.fill()
	ci.key = c.statsKey()

	f := s.pickFault(c)
	if s.preFault(w, r, f) {
		return
	}
	var result any
	var oerr *odooError
	locked := false
	if f != nil && f.Kind == SessionExpired {
		oerr = errSessionExpired()
	} else if f != nil && f.Kind == AccessDenied {
		oerr = errAccessDenied()
	} else if f != nil && f.Kind == SerializationFailure {
		oerr = errSerialization()
	} else {
		s.mu.RLock() // held until the result is encoded: rows are encoded straight from the records
		locked = true
		res, err := s.dispatch(c)
		if err != nil {
			if !errors.As(err, &oerr) {
				oerr = &odooError{name: "builtins.Exception", message: err.Error(), status: 500, fault: 1}
			}
		}
		result = res
		if oerr == nil {
			ci.records = resultRecords(res)
		}
	}
	j := jw{b: getBuf(sizeHint(result))}
	defer func() { putBuf(j.b) }()
	j.raw(`{"jsonrpc": "2.0", "id": `)
	j.any(idValue(id))
	if oerr != nil {
		j.raw(`, "error": `)
		j.any(s.rpcError(oerr))
	} else if result != nil {
		j.raw(`, "result": `)
		j.any(result)
	}
	j.raw("}")
	if locked {
		s.mu.RUnlock()
	}
	s.writeBody(w, r, f, http.StatusOK, "application/json; charset=utf-8", j.b)
}

func idValue(id any) any {
	switch id.(type) {
	case nil, string, int64, float64, bool:
		return id
	}
	return nil
}

func (s *Server) rpcError(e *odooError) obj {
	code := s.ver.rpcErrorCode()
	msg := "Odoo Server Error"
	switch e.code {
	case 100:
		code, msg = 100, "Odoo Session Expired"
	case 404:
		code, msg = 404, "404: Not Found"
	}
	return obj{
		{"code", code},
		{"message", msg},
		{"data", obj{
			{"name", e.name},
			{"debug", e.traceback()},
			{"message", e.message},
			{"arguments", []any{e.message}},
			{"context", obj{}},
		}},
	}
}

// ---- JSON-2 ----

func (s *Server) serveJSON2(w http.ResponseWriter, r *http.Request, ci *callInfo) {
	if !s.ver.hasJSON2() {
		s.notFound(w, r) // no /json/2 route before 19
		return
	}
	if db := r.Header.Get("X-Odoo-Database"); (db != "" || s.opts.MultiDB) && db != s.opts.Database {
		notFoundHTML(w)
		return
	}
	s.countCall(ci)
	rest := strings.TrimPrefix(r.URL.Path, "/json/2/")
	model, method, _ := strings.Cut(rest, "/")
	ci.key = model + "." + method
	c := &call{service: "object", method: "json2", model: model, objMeth: method, remote: remoteHost(r)}
	f := s.pickFault(c)
	if s.preFault(w, r, f) {
		return
	}
	writeErr := func(e *odooError, status int) {
		var j jw
		j.any(obj{
			{"name", e.name},
			{"message", e.message},
			{"arguments", []any{e.message}},
			{"context", obj{}},
			{"debug", e.traceback()},
		})
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", "bearer")
		}
		s.writeBody(w, r, f, status, "application/json; charset=utf-8", j.b)
	}
	if model == "" || method == "" || strings.Contains(method, "/") {
		writeErr(&odooError{name: "werkzeug.exceptions.NotFound", message: "Did you mean POST /json/2/<model>/<method>?"}, http.StatusNotFound)
		return
	}
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(key) != s.opts.APIKey {
		writeErr(&odooError{name: "werkzeug.exceptions.Unauthorized", message: "Invalid apikey"}, http.StatusUnauthorized)
		return
	}
	if f != nil && f.Kind == SessionExpired {
		writeErr(&odooError{name: "werkzeug.exceptions.Unauthorized", message: "Invalid apikey"}, http.StatusUnauthorized)
		return
	}
	if f != nil && f.Kind == AccessDenied {
		writeErr(errAccessDenied(), http.StatusForbidden)
		return
	}
	if f != nil && f.Kind == SerializationFailure {
		writeErr(errSerialization(), http.StatusInternalServerError)
		return
	}
	if r.Method != http.MethodPost {
		writeErr(&odooError{name: "werkzeug.exceptions.MethodNotAllowed", message: "The method is not allowed for the requested URL."}, http.StatusMethodNotAllowed)
		return
	}
	if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); !strings.EqualFold(strings.TrimSpace(ct), "application/json") {
		writeErr(&odooError{name: "werkzeug.exceptions.UnsupportedMediaType", message: "The server does not support the media type transmitted in the request."}, http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return
	}
	var kwargs map[string]any
	if len(bytes.TrimSpace(body)) > 0 {
		v, err := decodeJSON(body)
		if err != nil {
			writeErr(&odooError{name: "werkzeug.exceptions.BadRequest", message: "could not parse the body as json: " + err.Error()}, http.StatusBadRequest)
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			writeErr(&odooError{name: "werkzeug.exceptions.BadRequest", message: "could not parse the body, expecting a json object"}, http.StatusBadRequest)
			return
		}
		kwargs = m
	} else {
		kwargs = map[string]any{}
	}
	if s.models[model] == nil {
		writeErr(&odooError{name: "werkzeug.exceptions.NotFound", message: fmt.Sprintf("the model '%s' does not exist", model)}, http.StatusNotFound)
		return
	}
	ids, hasIDs := kwargs["ids"]
	delete(kwargs, "ids")
	var args []any
	if recordMethods[method] {
		if !hasIDs {
			ids = []any{}
		}
		args = []any{ids}
	} else if l, ok := ids.([]any); hasIDs && (!ok || len(l) > 0) {
		writeErr(&odooError{name: "werkzeug.exceptions.UnprocessableEntity", message: fmt.Sprintf("cannot call %s.%s with ids", model, method)}, http.StatusUnprocessableEntity)
		return
	}
	s.mu.RLock() // held until the result is encoded
	res, err := s.callModel(AdminUID, model, method, args, kwargs)
	if err != nil {
		s.mu.RUnlock()
		var oerr *odooError
		if !errors.As(err, &oerr) {
			oerr = &odooError{name: "builtins.Exception", message: err.Error(), status: 500}
		}
		status := oerr.status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		switch {
		case oerr.name == "builtins.AttributeError":
			oerr = &odooError{name: "werkzeug.exceptions.NotFound", message: oerr.message}
			status = http.StatusNotFound
		case oerr.binding:
			// signature.bind failed: werkzeug's UnprocessableEntity
			oerr = &odooError{name: "werkzeug.exceptions.UnprocessableEntity", message: oerr.message}
			status = http.StatusUnprocessableEntity
		}
		writeErr(oerr, status)
		return
	}
	ci.records = resultRecords(res)
	if !c.usesSession() {
		s.loggedIn()
	}
	j := jw{b: getBuf(sizeHint(res))}
	defer func() { putBuf(j.b) }()
	j.any(res)
	s.mu.RUnlock()
	s.writeBody(w, r, f, http.StatusOK, "application/json; charset=utf-8", j.b)
}
