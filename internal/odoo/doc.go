// Package odoo is Sales Engine's client for Odoo's external API, versions 16 to 19, Odoo Online (SaaS) and
// self-hosted.
//
// # Transports
//
// Three wire protocols sit behind one internal interface; every transport hands results to the decoders as
// JSON, so decoding is shared:
//
//   - JSON-2 (Odoo 19+): POST /json/2/<model>/<method>, "Authorization: bearer <API key>", X-Odoo-Database
//     when Config.Database is set. Named arguments only; ids and context are keys of the body.
//   - JSON-RPC: POST /jsonrpc, common.version / common.authenticate, then object.execute_kw(db, uid, secret,
//     model, method, args, kwargs). Deprecated since 19.
//   - XML-RPC: /xmlrpc/2/common and /xmlrpc/2/object, same calls; responses are converted to JSON.
//
// ProtocolAuto (the default) asks common.version over JSON-RPC (GET /web/version where /jsonrpc is gone), then
// tries JSON-2 (res.users/context_get, which also yields the uid). It uses JSON-2 when that answers, and falls
// back to JSON-RPC when JSON-2 is absent (404) or refuses the secret (a password instead of an API key). The
// detected version is kept: Client.Version, Session.Version (Major, Minor, SaaS, Raw: server_version_info[0]
// is 17 on-premise and "saas~17" on Odoo Online).
//
// # Errors
//
// Errors are typed, carry the Odoo exception name and message, and never contain the secret:
//
//   - *AuthError (errors.Is(err, ErrAuth)): authenticate returned false, HTTP 401, or AccessDenied on a call.
//     The message names the URL, database and login and says what to check (password / API key, key expiry).
//   - *DatabaseNotFoundError (ErrDatabaseNotFound): the server has no such database.
//   - *RPCError: any other exception raised by Odoo (Name such as "odoo.exceptions.AccessError" or
//     "builtins.ValueError", Message, JSON-RPC code or XML-RPC fault code, JSON-2 HTTP status). Not retried,
//     except a conflict between concurrent transactions (RPCError.IsConcurrency: PostgreSQL serialization
//     failure, deadlock, lock not available), which is retried and reported with Attempts if it persists.
//   - *HTTPError: an HTTP status that is not retried, or a transient one still failing after retries (429, 500
//     without an Odoo error, 502, 503, 504; Attempts says how many were made).
//   - *TransportError: connection refused/reset or timeouts after retries.
//   - *ResponseTooLargeError: a response beyond Config.MaxResponseBytes (refused, not retried).
//   - *ProtocolError: a body that is not what the protocol promises (an HTML page, a broken envelope); an HTML
//     or text page answered with a 2xx is retried first, and the error then says what the server sent.
//   - *UnavailableError: the chosen protocol is not served (JSON-2 before 19; JSON-RPC/XML-RPC once removed).
//   - *FieldMissingError: a field the normalized model needs does not exist on the server.
//
// Each HTTP attempt has its own timeout (Config.Timeout). One function (classify) decides, the same way for
// JSON-2, JSON-RPC and XML-RPC, what is retried up to Config.MaxRetries times with exponential backoff and
// jitter (RetryBaseDelay doubling, capped at RetryMaxDelay), honouring Retry-After: 429, 502, 503, 504; a 500
// that is not an Odoo error (an HTML page from a crashed worker or proxy); an Odoo error naming a serialization
// failure, deadlock or lock held by a concurrent transaction (JSON-2 500/409, JSON-RPC 200 + error, XML-RPC
// fault 1); a 2xx whose body is not JSON (or not XML for XML-RPC); connection failures, resets, truncated
// bodies and timeouts. Other Odoo-level errors (access rights, bad credentials, unknown model or field,
// ValueError, UserError, MissingError, validation) are returned at once. An expired session (JSON-RPC code 100,
// SessionExpiredException, a JSON-2 401 after the key had worked) makes the client authenticate again and
// retry, counted as one attempt with its backoff; a second expiry right after logging in again is an error.
//
// # Multi-company
//
// Login reads the user's company_ids (res.users) and every later call passes allowed_company_ids = all of them
// in its context, so records of every company the user belongs to are returned, not only the current
// company's. Products, Inventory and IDs also pass active_test=false so archived records are included. Product
// quantities (qty_available, virtual_available) are therefore summed over every allowed company's warehouses;
// InventoryParams narrows the scope to one company or warehouse.
//
// # Incremental sync
//
// Odoo stores write_date with microseconds but returns it, and compares domain values, at second precision.
// Cursor{WriteDate, LastID} treats the second as the unit: the boundary second C is paged by id with
// [write_date >= C, write_date < C+1s, id > LastID] order id, later seconds with [write_date >= C+1s] order
// "write_date asc, id asc". A full page of the second query may stop inside a second whose rows continue on
// the next page (rows inside a second are ordered by the hidden microseconds, not by id), so that last second
// is re-read by id instead of being delivered from the page. Every record is delivered once per change, even
// when several pages of records share one second and records change between pages. A record modified again
// inside the very second the cursor points at, or committed late with an older write_date, is only caught by
// re-reading an overlap window: poll with cur.Rewind(overlap) and upsert.
//
// A page shorter than asked is not taken as the end of the data until confirmed (a server or proxy may cap
// the limit). Pages are streamed to a callback with the cursor to store after that page; only one page is in
// memory.
// Results are decoded without reflection straight into typed rows (see fastjson.go); every field tolerates
// Odoo's false for "empty".
//
// # Normalized model and version mapping
//
// Order (sale.order), OrderLine (sale.order.line), Product (product.product) and StockLevel are the same on
// every version. Which fields exist is asked with fields_get (cached per Login) and only existing fields are
// requested:
//
//	normalized              16                      17                      18                      19
//	Order.State             draft/sent/sale/done/   draft/sent/sale/cancel  same as 17              same as 17
//	                        cancel
//	Order.Locked            true when state=done    locked                  locked                  locked
//	OrderLine.UoM/UoMID     product_uom             product_uom             product_uom             product_uom_id
//	OrderLine.DisplayType   ""/line_section/        same                    same                    + line_subsection
//	                        line_note
//	Product.Type            type: product→storable  same as 16              type consu+is_storable  same as 18
//	                        consu→consumable,                               →storable, consu→
//	                        service→service                                 consumable, service,
//	                                                                        combo→combo
//	StockMove.Quantity      quantity_done           quantity                quantity                quantity
//	                        (each times product_qty / product_uom_qty: the move's unit to the product's)
//
// Optional fields (commitment_date and warehouse_id from sale_stock, client_order_ref, locked, barcode...)
// are left zero when the server lacks them. Empty values (false) become "", 0, nil or the zero time.Time;
// many2one values become an id and a display name (Currency is the currency's display name, its ISO code).
// Order.Confirmed reports state sale or done. All times are UTC.
//
// Modules says which of the apps sale, stock, mrp and purchase are installed (ir.module.module, else a probe of
// each app's model). Production, BoM, BoMLine, PurchaseLine, Orderpoint, SupplierInfo and ProductRoute normalize
// the manufacturing, purchasing and replenishment models the same way across versions; supply.go has their
// version table (planned dates of mrp.production, produce_delay, the orderpoint's multiple).
package odoo
