package odoo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// transport is one wire protocol. Every transport returns results as JSON so decoding is shared.
type transport interface {
	protocol() Protocol
	version(ctx context.Context) (ServerVersion, error)
	authenticate(ctx context.Context) (uid int64, err error)
	// execute runs cl as uid. again, when not nil, logs in again after an expired session and returns the new
	// uid; the transport then retries (see httpCore.call).
	execute(ctx context.Context, uid int64, cl *call, again reauthFunc) (json.RawMessage, error)
}

// reauthFunc logs in again after an expired session and returns the uid to use from then on.
type reauthFunc func(context.Context) (int64, error)

// args adapts f for the transports that carry the uid in the arguments: it returns the arguments rebuilt with
// the new uid (nil when f is nil).
func (f reauthFunc) args(build func(uid int64) []any) func(context.Context) ([]any, error) {
	if f == nil {
		return nil
	}
	return func(ctx context.Context) ([]any, error) {
		uid, err := f(ctx)
		if err != nil {
			return nil, err
		}
		return build(uid), nil
	}
}

var (
	_ transport = (*jsonrpcTransport)(nil)
	_ transport = (*json2Transport)(nil)
	_ transport = (*xmlrpcTransport)(nil)
)

// call is one ORM method call. ids is set for record methods (read), nil for model methods (search_read).
type call struct {
	model, method string
	ids           []int64
	kwargs        map[string]any
	context       map[string]any
	// page: the caller decodes the result strictly and reads the envelope again if that fails (callDecode), so a
	// JSON-RPC result may be found by resultAtTail.
	page bool
}

func (cl *call) positional() []any {
	if cl.ids != nil {
		return []any{cl.ids}
	}
	return []any{}
}

func (cl *call) kwargsWithContext() map[string]any {
	m := make(map[string]any, len(cl.kwargs)+1)
	maps.Copy(m, cl.kwargs)
	if len(cl.context) > 0 {
		m["context"] = cl.context
	}
	return m
}

// Company is a company the user belongs to.
type Company struct {
	ID       int64
	Name     string
	Currency string // ISO code of the company currency
}

// Session is what Login learned about the server and the user.
type Session struct {
	UID       int64
	Version   ServerVersion
	Protocol  Protocol  // the protocol in use (never auto)
	CompanyID int64     // the user's current company
	Companies []Company // every company the user may access; all are passed as allowed_company_ids
}

// Client talks to one Odoo database. It is safe for concurrent use. Calls log in on first use if Login was not
// called.
type Client struct {
	cfg  Config
	h    *httpCore
	conn conn

	loginMu sync.Mutex // serializes logins

	mu     sync.Mutex
	sess   *Session
	t      transport
	fields map[string]map[string]FieldInfo // fields_get cache per model
	uuid   *string                         // DatabaseUUID's answer since the last Login
	mods   *Modules                        // Modules' answer, since modsAt (and the last Login)
	modsAt time.Time

	// pageCap is what the server does with a page size larger than it allows: 0 not known yet, -1 it returns
	// what was asked, n > 0 it returns at most n rows (see pageEnd).
	pageCap atomic.Int64
	// bodies are response buffers for callDecode.
	bodies bodyShelf
}

// New validates cfg and returns a client. It does not touch the network.
func New(cfg Config) (*Client, error) {
	cfg, u, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	base := u.String()
	c := &Client{cfg: cfg, h: &httpCore{cfg: cfg, baseURL: base},
		conn:   conn{url: base, database: cfg.Database, login: cfg.Username, secret: cfg.Secret},
		fields: map[string]map[string]FieldInfo{}}
	return c, nil
}

func (c *Client) newTransport(p Protocol) transport {
	cn := c.conn
	cn.protocol = p
	switch p {
	case ProtocolJSON2:
		return &json2Transport{h: c.h, c: cn}
	case ProtocolXMLRPC:
		return &xmlrpcTransport{h: c.h, c: cn}
	}
	return &jsonrpcTransport{h: c.h, c: cn}
}

// Login probes the server version, picks the protocol (auto: JSON-2 when it answers, else JSON-RPC),
// authenticates and reads the user's companies.
func (c *Client) Login(ctx context.Context) (Session, error) {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	t, v, uid, err := c.connect(ctx)
	if err != nil {
		return Session{}, err
	}
	s := &Session{UID: uid, Version: v, Protocol: t.protocol()}
	if err := c.loadCompanies(ctx, t, s); err != nil {
		return Session{}, err
	}
	c.mu.Lock()
	c.sess, c.t = s, t
	c.fields = map[string]map[string]FieldInfo{}
	c.uuid, c.mods = nil, nil
	c.mu.Unlock()
	c.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "odoo: logged in",
		slog.String("url", c.conn.url), slog.String("database", c.conn.database), slog.String("protocol", string(s.Protocol)),
		slog.String("version", v.String()), slog.Int64("uid", uid), slog.Int64("companies", int64(len(s.Companies))))
	return *s, nil
}

func (c *Client) connect(ctx context.Context) (transport, ServerVersion, int64, error) {
	switch p := c.cfg.Protocol; p {
	case ProtocolJSONRPC, ProtocolXMLRPC:
		t := c.newTransport(p)
		v, err := t.version(ctx)
		if err != nil {
			return nil, v, 0, err
		}
		uid, err := t.authenticate(ctx)
		return t, v, uid, err
	case ProtocolJSON2:
		t := c.newTransport(p)
		v, verr := t.version(ctx) // best effort: only used to explain a 404
		uid, err := t.authenticate(ctx)
		if errors.Is(err, errJSON2NotFound) {
			return nil, v, 0, c.json2NotFound(v, verr == nil)
		}
		return t, v, uid, err
	}
	// auto: the version through JSON-RPC (or /web/version where JSON-RPC is gone), then try JSON-2.
	rpc := c.newTransport(ProtocolJSONRPC)
	j2 := c.newTransport(ProtocolJSON2)
	rpcOK := true
	v, err := rpc.version(ctx)
	if err != nil {
		var ue *UnavailableError
		if !errors.As(err, &ue) {
			return nil, v, 0, err
		}
		rpcOK = false
		if v, err = j2.version(ctx); err != nil {
			if errors.As(err, &ue) { // neither answers: not an Odoo server root
				return nil, v, 0, c.conn.notServed(ProtocolAuto, "POST /jsonrpc and GET /web/version", "is the URL the Odoo server root?")
			}
			return nil, v, 0, err
		}
	}
	uid, err := j2.authenticate(ctx)
	switch {
	case err == nil:
		return j2, v, uid, nil
	case !rpcOK && errors.Is(err, errJSON2NotFound):
		return nil, v, 0, c.json2NotFound(v, true)
	case rpcOK && (errors.Is(err, errJSON2NotFound) || errors.Is(err, ErrAuth)):
		// No JSON-2 here, or the secret is a password (JSON-2 takes keys only): JSON-RPC accepts both.
		c.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "odoo: JSON-2 not usable, using JSON-RPC",
			slog.String("reason", err.Error()))
		uid, err := rpc.authenticate(ctx)
		return rpc, v, uid, err
	}
	return nil, v, 0, err
}

func (c *Client) json2NotFound(v ServerVersion, known bool) error {
	if known && v.Major >= 19 && c.conn.database != "" {
		return &DatabaseNotFoundError{URL: c.conn.url, Database: c.conn.database,
			Detail: "the JSON-2 API answered 404 for this X-Odoo-Database"}
	}
	if known && v.Major >= 19 {
		return &UnavailableError{Protocol: ProtocolJSON2, URL: c.conn.url, Detail: "POST /json/2 answered 404 although " +
			"the server runs " + v.String() + ": it hosts several databases, so set the database name (sent as " +
			"X-Odoo-Database)"}
	}
	if known {
		return &UnavailableError{Protocol: ProtocolJSON2, URL: c.conn.url,
			Detail: fmt.Sprintf("this Odoo (%s) has no JSON-2 API (Odoo 19 and later have it): use protocol auto or jsonrpc", v)}
	}
	return c.conn.notServed(ProtocolJSON2, "POST /json/2",
		"this Odoo has no JSON-2 API (Odoo 19 and later have it), or the URL is not the Odoo server root: use protocol auto or jsonrpc")
}

func (c *Client) loadCompanies(ctx context.Context, t transport, s *Session) error {
	again := func(ctx context.Context) (int64, error) { // the session expired already: log in again
		uid, err := t.authenticate(ctx)
		if err == nil {
			s.UID = uid
		}
		return uid, err
	}
	raw, err := t.execute(ctx, s.UID, &call{model: "res.users", method: "read", ids: []int64{s.UID},
		kwargs: map[string]any{"fields": []string{"company_id", "company_ids"}}}, again)
	if err != nil {
		return fmt.Errorf("odoo: reading the user's companies: %w", err)
	}
	var users []struct {
		CompanyID  Many2One `json:"company_id"`
		CompanyIDs jsonIDs  `json:"company_ids"`
	}
	if err := json.Unmarshal(raw, &users); err != nil || len(users) != 1 {
		return &ProtocolError{Protocol: t.protocol(), Model: "res.users", Method: "read", Detail: "expected one user record", Err: err}
	}
	s.CompanyID = users[0].CompanyID.ID
	ids := []int64(users[0].CompanyIDs)
	if len(ids) == 0 && s.CompanyID != 0 {
		ids = []int64{s.CompanyID}
	}
	if len(ids) == 0 {
		return nil
	}
	raw, err = t.execute(ctx, s.UID, &call{model: "res.company", method: "read", ids: ids,
		kwargs:  map[string]any{"fields": []string{"name", "currency_id"}},
		context: map[string]any{"allowed_company_ids": ids}}, again)
	if err != nil {
		return fmt.Errorf("odoo: reading the user's companies: %w", err)
	}
	var comps []struct {
		ID       jsonInt    `json:"id"`
		Name     jsonString `json:"name"`
		Currency Many2One   `json:"currency_id"`
	}
	if err := json.Unmarshal(raw, &comps); err != nil {
		return &ProtocolError{Protocol: t.protocol(), Model: "res.company", Method: "read", Detail: "decoding companies", Err: err}
	}
	for _, co := range comps {
		s.Companies = append(s.Companies, Company{ID: int64(co.ID), Name: string(co.Name), Currency: co.Currency.Name})
	}
	slices.SortFunc(s.Companies, func(a, b Company) int { return int(a.ID - b.ID) })
	return nil
}

// Version returns the server version found by Login (zero before).
func (c *Client) Version() ServerVersion {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return ServerVersion{}
	}
	return c.sess.Version
}

// CloseIdleConnections closes the client's idle connections to Odoo (a client replaced by one with new settings).
func (c *Client) CloseIdleConnections() { c.h.cfg.HTTPClient.CloseIdleConnections() }

// Session returns what Login learned, and false before a successful Login.
func (c *Client) Session() (Session, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return Session{}, false
	}
	s := *c.sess
	s.Companies = slices.Clone(s.Companies)
	return s, true
}

func (c *Client) session(ctx context.Context) (*Session, transport, error) {
	c.mu.Lock()
	s, t := c.sess, c.t
	c.mu.Unlock()
	if s != nil {
		return s, t, nil
	}
	if _, err := c.Login(ctx); err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess, c.t, nil
}

// callOpts are per-call context options.
type callOpts struct {
	includeArchived bool
	companyIDs      []int64 // nil = every company of the user
	extra           map[string]any
}

// execute runs cl with the multi-company context. Transient faults are retried by the transport; an expired
// session is answered by authenticating again, once per call, then retrying.
func (c *Client) execute(ctx context.Context, cl *call, o callOpts) (json.RawMessage, error) {
	s, t, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	cctx := make(map[string]any, 3+len(o.extra))
	maps.Copy(cctx, o.extra)
	companies := o.companyIDs
	if companies == nil {
		for _, co := range s.Companies {
			companies = append(companies, co.ID)
		}
	}
	if len(companies) > 0 {
		cctx["allowed_company_ids"] = companies
	}
	if o.includeArchived {
		cctx["active_test"] = false
	}
	cl.context = cctx
	// An expired session: authenticate again (the transport then retries the call, as one of its attempts).
	again := func(ctx context.Context) (int64, error) {
		uid, err := t.authenticate(ctx)
		if err != nil {
			return 0, err
		}
		c.mu.Lock()
		if c.sess == s {
			ns := *s
			ns.UID = uid
			c.sess = &ns
		}
		c.mu.Unlock()
		return uid, nil
	}
	return t.execute(ctx, s.UID, cl, again)
}
