// Package odootest is a fake Odoo server for tests and for `salesengine demo`.
//
// It is a real HTTP server on loopback that speaks Odoo's three external transports with Odoo's exact
// envelopes, error shapes and status codes for a chosen version ("16", "17", "18", "19" or a SaaS flavour
// such as "saas~17"):
//
//   - JSON-RPC: POST /jsonrpc (services common and object);
//   - XML-RPC: POST /xmlrpc/2/common and /xmlrpc/2/object (encoder and decoder written here, independent of
//     the client's);
//   - JSON-2: POST /json/2/<model>/<method> with "Authorization: bearer <key>" (19 and saas~18.4+ only;
//     older versions answer a 404 HTML page there, as a real server does).
//
// It also serves GET /web/version.
//
// The data lives in memory: sale.order, sale.order.line, product.product, stock.quant, stock.location,
// stock.warehouse, res.partner, res.company, res.currency and res.users. Domains are evaluated like the ORM
// does (prefix operators, implicit AND, every comparison operator, dotted many2one paths, the `active` filter
// and multi-company record rules driven by allowed_company_ids). write_date is stored with microseconds and
// returned truncated to seconds, and domain values are compared with the stored value, as PostgreSQL does:
// for a returned value C, ('write_date','=',C) matches (almost) nothing and ('write_date','>',C) matches the
// rows shown as C.
//
// The fake's clock only moves when told (Server.Advance). Every mutation (ConfirmOrder, EditLine, Batch...)
// stamps write_date with the clock, microseconds included, like one Odoo transaction. CommitLate stamps rows
// with an older time, like a long transaction that commits late.
//
// Faults (HTTP 500/502/503/429, slow or hanging responses, truncated or non-JSON bodies, expired sessions,
// AccessDenied, connection resets) are injected with Server.InjectFault, for the next N calls or at a seeded
// rate.
//
// Behaviour worth knowing when reading tests:
//   - Changing an order's state also stamps its lines (the stored related field line.state is recomputed in
//     the same transaction). EditLine with bumpOrder=false changes only the line (write_date, quantity and
//     amounts): the order keeps its write_date and its totals, as happens in Odoo for edits that do not go
//     through the order.
//   - Ordering by a many2one field compares the related record's id (Odoo uses the comodel's _order).
//   - Dotted paths (order_id.state) are evaluated on the related record without active or company filtering.
//   - child_of and parent_of behave like in/= except on stock.location, where child_of follows location_id.
//   - Up to 17, product.product.type is consu/service/product ("product" = storable); from 18 it is
//     consu/service/combo with the boolean is_storable. Product.Type in the Go struct always uses the 18+
//     vocabulary plus IsStorable; the server maps it per version.
package odootest
