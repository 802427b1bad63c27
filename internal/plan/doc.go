// Package plan turns demand forecasts and Odoo inventory into a production plan: for each SKU and target month,
// how much to produce and how urgently (ALTA, MEDIA, BAJA). It is pure computation: the caller reads forecasts,
// on-hand quantities and open order lines from the store and passes them in as SKUInput values.
//
// # Columns
//
// For a SKU and a target month M (the columns of Row):
//
//   - Forecast: the point forecast of M's demand (0, flagged, when the SKU has no forecast for M).
//   - Inventory: the quantity on hand in Odoo now (qty_available), 0 when Odoo has no record (flagged
//     no_inventory_record). It may be negative when more was delivered than recorded in stock.
//   - ProductionNeeded = Forecast - Inventory, exactly as the previous system computed it, and for every month of
//     a range against today's inventory (each month independently). It ignores the backlog and the safety stock,
//     so it does not say whether anything is to be produced: Recommended does.
//   - SafetyStock = z × sigma: sigma is the standard deviation of M's demand, read from the forecast's 95%
//     prediction interval under a normal approximation, sigma = (Upper95 - Forecast) / 1.96 (the upper side, as
//     intervals of slow movers are often cut at zero below); z is the standard normal quantile of the service
//     level (1.645 for 95%): with that much extra stock, a month's demand exceeds forecast plus safety stock with
//     probability 1 - service level. A service level of 0.5 means no safety stock.
//   - Backlog: confirmed, undelivered quantity now (ordered minus delivered over open order lines). Odoo's
//     on-hand quantity still includes goods promised to these customers, so the backlog is subtracted from it.
//   - ProjectedOpening: the stock available for M's demand at the start of M: Inventory - Backlog - the forecasts
//     of the months before M (from the first forecast month) + the Recommended quantities of the earlier target
//     months of the same run (the plan assumes they are produced).
//   - Recommended = max(0, Target - ProjectedOpening), with Target = Forecast + SafetyStock (or MediaCoverage ×
//     Forecast when that is more, see Config): what to produce so M's demand and the safety stock are covered.
//     For the first target month, when it is the first forecast month (the usual case: the current month), this
//     is max(0, Forecast + SafetyStock + Backlog - Inventory). For the next months of a range it is incremental:
//     the safety stock built for the previous month carries over, so over a range the Recommended quantities add
//     up to the total that must be produced, with nothing counted twice.
//   - CoverageMonths = Inventory / the average monthly forecast from M on (over CoverageHorizon months, default
//     the whole forecast). How many months today's stock would last: 0 with negative inventory (flagged
//     negative_inventory), never negative; nil (no value) when the average forecast is zero: with no expected
//     demand, the stock lasts indefinitely.
//   - StockoutMonth: if nothing more is produced, the first month, from M on, whose closing stock goes below zero,
//     starting from Inventory - Backlog and consuming each month's forecast in turn. When the stock is already
//     short (Inventory - Backlog < 0), or ran out before M, it is M itself. Nil when the stock lasts through the
//     whole forecast horizon. Exactly zero stock is not a stock-out. A row whose ProjectedOpening is below its
//     Forecast always has its stock-out in M (when nothing has been produced for earlier months).
//   - Priority and Reason: see below. Flags: see the Flag constants.
//
// # Priority
//
// The rule in one sentence: a row is ALTA or MEDIA exactly when it has something to produce (Recommended > 0),
// and BAJA when it has nothing to produce. Among the rows with something to produce, with A = ProjectedOpening
// (the month's available stock) and F = Forecast, thresholds from Config:
//
//   - ALTA when A < AltaCoverage × F (default 0.5): less than half of the month's demand is available. This
//     includes every row where the stock is already short (A < 0), whatever the forecast.
//   - MEDIA otherwise: the month's demand is not fully covered (A < MediaCoverage × F, default 1.0), or it is but
//     the safety stock is not.
//
// The comparisons are strict: stock covering exactly half of the forecast is MEDIA, not ALTA; stock covering
// exactly the forecast with no safety stock is BAJA. A month with zero forecast is ALTA only when its stock is
// already short, MEDIA when there is backlog or safety stock to cover, BAJA otherwise. A row flagged surplus
// (available stock beyond the target) is always BAJA; a negative ProductionNeeded is not a surplus when the
// backlog eats the stock, and such a row may well be ALTA.
//
// Worked example (service level 95%, so z = 1.645): SKU MESA-01, target 2026-01, forecast 100 units with a 95%
// upper bound of 139.2, 60 on hand and 10 backlog. Then ProductionNeeded = 100 - 60 = 40; sigma = 39.2 / 1.96 = 20;
// SafetyStock = 1.645 × 20 = 32.9; ProjectedOpening = 60 - 10 = 50; Recommended = 100 + 32.9 - 50 = 82.9.
// A = 50 is exactly half of F = 100: not below it, so MEDIA (with 49 available it would be ALTA; with 100 on hand
// and no backlog it would still be MEDIA because of the safety stock; with 133 available, BAJA).
//
// # Inclusion
//
// Services and combos are never planned (nothing is produced). Archived products are planned only when they have
// sales (flagged archived). SKUs with inventory but no forecast are listed, as surplus; SKUs with sales but no
// inventory record are listed with inventory 0 and flagged no_inventory_record.
//
// # Target months
//
// A plan is for the current month or a later one within the forecast horizon (CheckTarget): a past month's plan
// would compare today's stock with a forecast that does not cover that month, and overwrite what was planned then.
//
// # Rows order
//
// ALTA first, then MEDIA, then BAJA; within a priority, the largest ProductionNeeded first; then by SKU and month.
//
// # Net requirements (ComputeNet)
//
// ComputeNet plans like an MRP (frePPLe, Odoo's MPS, OCA's mrp_multi_level): it nets the supply already on its
// way, explodes bills of materials, offsets lead times and rounds to lot sizes. The engine feeds it from the
// stored Odoo data (internal/engine/netplan.go). It plans every product over every month m of the horizon from Today's month (m = 0), parents before their
// components (by low-level code: 0 for a product no BoM uses, else one more than its deepest parent's; a BoM
// cycle is an error naming its products). For a product and month m (the columns of NetRow):
//
//   - OpenOrders[m]: the backlog due in m (NetInput.OpenOrders). Orders due in a month of the plan consume its
//     forecast; the rest of the backlog (overdue: due before this month; due after the horizon; undated) is
//     promised stock, taken from today's: Reserved = Backlog - the sum of OpenOrders[m] over the plan's months.
//     Without OpenOrders, Reserved is the whole backlog and the forecast is not consumed, as in Compute.
//   - Demand[m] = max(Forecast[m] - Shipped, OpenOrders[m]), Shipped being what of the orders placed this month
//     was delivered (month 0 only): the forecast is the month's total, so what it still expects is what has not
//     shipped, unless the month's orders are more. Over the plan, Reserved + the sum of Demand = Backlog + the
//     sum of max(0, Forecast - Shipped - OpenOrders): every order once, and the forecast the orders did not
//     consume.
//   - ComponentDemand[m]: for each parent whose BoM uses the product, its PlannedQuantity of a month d times the
//     BoM quantity per unit, counted in the month of the parent's release date (d's first day minus the parent's
//     lead time), the current month when that is earlier.
//   - IncomingProduction[m], IncomingPurchase[m]: the remaining quantity of open manufacturing orders finishing,
//     and of open purchase order lines arriving, in m. Those planned before Today count in month 0 (flagged
//     late_supply); those after the horizon are left out. Supply[m] is their sum.
//   - ProjectedOpening[0] = Inventory - Reserved; ProjectedOpening[m+1] = the closing stock of m,
//     ProjectedOpening[m] + Supply[m] + PlannedQuantity[m] - Demand[m] - ComponentDemand[m].
//   - Recommended, the net requirement: with D = Demand + ComponentDemand and Target = max(D + SafetyStock,
//     MediaCoverage × D), max(0, Target - ProjectedOpening - Supply).
//   - PlannedQuantity: the net requirement; with an orderpoint, when the closing stock without it would be below
//     max(Target - D, Min), the quantity bringing it up to max(Target - D, Min, Max) (Odoo orders up to
//     max(min, max)); then at least the supplier's minimum (bought products), rounded up to the orderpoint's
//     multiple. So with an orderpoint no month closes below its minimum.
//   - Action: produce with a manufacture route or a BoM, else buy; LeadTimeDays: the manufacturing lead time, or
//     the supplier's delay. ReleaseDate (when something is planned) = m's first day minus the lead time, flagged
//     late_release when before Today.
//   - Priority: the rule of Compute with A = ProjectedOpening + Supply and F = D: ALTA or MEDIA exactly when
//     PlannedQuantity > 0 (MEDIA with ReasonOrderpoint when only the orderpoint asks for it).
//   - Forecast, Inventory, ProductionNeeded (Forecast - Inventory), SafetyStock, Backlog, CoverageMonths and the
//     flags as in Compute; StockoutMonth counts the supply and the component demand.
//
// Compute is ComputeNet's special case: with no open orders by month, nothing shipped, no supply, BoM,
// orderpoint or supplier, a forecast from the current month on and a range of months from it, both give the same
// rows (TestNetMatchesCompute); only late_release is new, and with it the order: within a priority, the late
// releases come first, the earliest release first (netOrder).
package plan
