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
// Options.Modules chooses the apps installed (sale and stock by default; mrp and purchase on request): a model
// of an app that is not installed does not exist ("Object X doesn't exist", fault 2, JSON-2 404), and
// ir.module.module lists what is installed (unreadable with Options.NoModuleAccess, as modules such as
// access_apps make it). With mrp, purchase and stock the fake has mrp.production, mrp.bom, mrp.bom.line,
// purchase.order, purchase.order.line, stock.warehouse.orderpoint, stock.route, stock.rule,
// product.supplierinfo and product.template (route_ids, produce_delay), with their differences between
// versions: planned dates date_planned_start/date_planned_finished in 16 and date_start/date_finished from 17;
// produce_delay on product.template in 16 and on mrp.bom from 17; purchase state done up to 18 (locked in 19)
// and purchase.order.line.state stored up to 18 only; qty_multiple up to 18 and replenishment_uom_id (a
// uom.uom "Pack of N") in 19; mrp.bom.uom_id and purchase.order.line.product_uom_id in 19. Generated data
// makes a share of the products manufactured from others (two-level BoMs, kits, archived recipes) and the rest
// bought from vendors with lead times and least quantities, with orderpoints and manufacturing and purchase
// orders open, late, partly received, done and cancelled; mutations (AddProduction, ConfirmProduction,
// FinishProduction, AddPurchase, ConfirmPurchase, ReceivePurchaseLine, CancelPurchase, DeletePurchaseLine...)
// stamp what Odoo's transaction would, and Tx.AddProduct and Tx.AddSupplierInfo build a catalogue by hand (the
// net plan's worked example). Server.DenyAccess takes a model's read rights away at run time.
//
// With stock, stock.move holds the stock history (stockmoves.go): quantity_done in 16, quantity and picked from
// 17. Generated moves add up to the quants (an initial inventory, receipts, a delivery per delivered line, a
// transfer to the shelf, a final count); GenerateOptions.StockOuts gives some steady sellers a stock-out whose lost
// sales are taken out of the orders (Server.StockOuts); Tx.MoveStock and Tx.DeleteStockMove change it.
//
// The data lives in memory: sale.order, sale.order.line, product.product, stock.quant, stock.location,
// stock.warehouse, res.partner, res.company, res.currency, res.users and ir.config_parameter (database.uuid,
// Options.DatabaseUUID; readable only by a user in Administration / Settings, as in Odoo: with
// Options.NoSettings every call on it is an AccessError). Domains are evaluated like the ORM
// does (prefix operators, implicit AND, every comparison operator, dotted many2one paths, the `active` filter
// and multi-company record rules driven by allowed_company_ids). write_date is stored with microseconds and
// returned truncated to seconds, and domain values are compared with the stored value, as PostgreSQL does:
// for a returned value C, ('write_date','=',C) matches (almost) nothing and ('write_date','>',C) matches the
// rows shown as C.
//
// The fake's clock only moves when told (Server.Advance, or Server.SetNow, which may step it backwards like
// NTP correcting a clock that ran ahead). Every response's HTTP Date header is the fake's clock, as a real
// server's comes from its own clock. Every mutation (ConfirmOrder, EditLine, Batch...) stamps write_date with
// the clock, microseconds included, like one Odoo transaction. CommitLate stamps rows with an older time, like
// a long transaction that commits late; StartTx/LateTx.Commit does the same with the clock read when the
// transaction started, so the test decides what happens in between.
//
// Faults (HTTP 500/502/503/429, slow or hanging responses, truncated or non-JSON bodies, expired sessions,
// AccessDenied, connection resets) are injected with Server.InjectFault, for the next N calls or at a seeded
// rate, optionally only for one model or method.
//
// Usage:
//
//	srv := odootest.Start(t, odootest.Options{Version: "18", Seed: 1, Data: &odootest.GenerateOptions{}})
//	// login admin / password admin, or the API key Options.APIKey (the only secret JSON-2 accepts);
//	// database "odoo"; the API user is odootest.AdminUID (2), member of companies 1 and 2, current company 1.
//	srv.Advance(time.Minute)
//	srv.ConfirmOrder(id)                                      // one transaction
//	srv.Batch(func(tx *odootest.Tx) error { ... })          // several changes, one shared write_date
//	srv.CommitLate(5*time.Minute, func(tx *odootest.Tx) error { ... })
//	lt := srv.StartTx()                                       // write_date fixed now...
//	lt.Commit(func(tx *odootest.Tx) error { ... })           // ...rows visible only from here
//	srv.SetNow(srv.Now().Add(-time.Minute))                   // NTP steps the clock back
//	srv.SimulateActivity(100, time.Minute)                   // seeded live business for the demo
//	done := srv.RunActivity(ctx, 10*time.Millisecond, time.Minute) // the same, one event per tick, in the background
//	srv.InjectFault(odootest.Fault{Kind: odootest.HTTP429, Count: 2, RetryAfter: time.Second})
//	truth := srv.Lines()                                      // ground truth, full-precision write_date
//	srv.ResetStats(); ...; st := srv.Stats()                  // calls, server time and rows per model.method
//
// Batch, CommitLate and LateTx.Commit callbacks run under the server's write lock: they must use only the Tx.
//
// Generated data (GenerateOptions; deterministic for Options.Seed): two companies (EUR and USD), ~3 years
// of orders over a few hundred SKUs with 1-8 product lines each, section and note lines, quotations and
// cancelled orders, locked orders (state done up to 16), products without default_code, services, products
// of one company only, quants in internal and non-internal locations (inventory loss, vendors, a shelf
// sub-location). Each product records its demand pattern in Product.Pattern (and the custom field
// x_demand_pattern): smooth, intermittent, lumpy, new, discontinued (archived) or service. The first
// ImportedMonths (default 2) were "imported at go-live" in one transaction: thousands of lines share one
// exact write_date. LargeHistory() is the ~200k-line benchmark size.
//
// Behaviour worth knowing when reading tests:
//   - Changing an order's state also stamps its lines (the stored related field line.state is recomputed in
//     the same transaction). EditLine with bumpOrder=false changes only the line (write_date, quantity and
//     amounts): the order keeps its write_date and its totals, as happens in Odoo for edits that do not go
//     through the order.
//   - Ordering by a many2one field compares the related record's id (Odoo uses the comodel's _order).
//   - qty_available is the sum of quants in internal locations of env.companies (all allowed companies),
//     restricted by the context keys location or warehouse/warehouse_id; virtual_available subtracts what
//     confirmed orders still have to deliver (the fake has no purchases or manufacturing).
//   - The stamp of a transaction is the clock plus a deterministic sub-second part when the clock sits on a
//     whole second (a real now() almost never ends in .000000). Stamps never go backwards while the clock
//     does not: after SetNow to an earlier time, new rows carry times older than rows written before.
//   - Methods: search_read, search, search_count, read, fields_get, read_group (every version) and
//     formatted_read_group (19, saas~18.2+) over stored fields (dates grouped in UTC, en_US labels, no
//     having), check_access_rights, context_get (res.users), get_param (ir.config_parameter),
//     check_access_rule / check_access (return None). Writes are refused with AccessError; other methods do not exist (AttributeError).
//   - Dotted paths (order_id.state) are evaluated on the related record without active or company filtering.
//   - child_of and parent_of behave like in/= except on stock.location, where child_of follows location_id.
//   - Up to 17, product.product.type is consu/service/product ("product" = storable); from 18 it is
//     consu/service/combo with the boolean is_storable. Product.Type in the Go struct always uses the 18+
//     vocabulary plus IsStorable; the server maps it per version.
package odootest
