package odootest

import (
	"slices"
)

// env is one call's environment: user, allowed companies, context.
type env struct {
	s          *Server
	uid        int64
	user       *User
	companies  []int64 // env.companies: allowed_company_ids or the user's current company
	activeTest bool
	ctx        map[string]any

	onHandCache   map[int64]float64
	outgoingCache map[int64]float64
}

func (e *env) allowed(cid int64) bool { return slices.Contains(e.companies, cid) }

func (e *env) userHasCompany(cid int64) bool {
	return e.user != nil && slices.Contains(e.user.CompanyIDs, cid)
}

// newEnv builds the environment from the call's context, validating allowed_company_ids like Odoo does.
func (s *Server) newEnv(uid int64, ctx map[string]any) (*env, error) {
	e := &env{s: s, uid: uid, activeTest: true, ctx: ctx}
	if r := s.users.get(uid); r != nil {
		e.user = r.(*User)
	}
	if e.user == nil {
		return nil, errAccessDenied()
	}
	e.companies = []int64{e.user.CompanyID}
	if ctx != nil {
		if v, ok := ctx["active_test"]; ok {
			if b, ok := v.(bool); ok {
				e.activeTest = b
			}
		}
		if v, ok := ctx["allowed_company_ids"]; ok && v != nil {
			list, ok := v.([]any)
			if !ok {
				return nil, errValue("allowed_company_ids must be a list")
			}
			var ids []int64
			for _, x := range list {
				id, ok := asInt(x)
				if !ok || !e.userHasCompany(id) {
					return nil, errAccess("Access to unauthorized or invalid companies.")
				}
				ids = append(ids, id)
			}
			if len(ids) > 0 {
				e.companies = ids
			}
		}
	}
	return e, nil
}

// displayName of a many2one target, without record rules (Odoo reads it sudo'ed).
func (e *env) displayName(model string, id int64) string {
	if names, ok := staticNames[model]; ok {
		return names[id]
	}
	if model == "product.template" {
		model = "product.product"
	}
	m := e.s.models[model]
	if m == nil {
		return ""
	}
	r := m.t.get(id)
	if r == nil {
		return ""
	}
	return m.display(e, r)
}

// locationFilter returns the set of internal locations counted for stock, honouring the context keys
// location and warehouse/warehouse_id; nil means every internal location.
func (e *env) locationFilter() map[int64]bool {
	var root int64
	if v, ok := e.ctx["location"]; ok {
		root, _ = asInt(v)
	}
	for _, k := range []string{"warehouse", "warehouse_id"} {
		if v, ok := e.ctx[k]; ok && root == 0 {
			if wid, ok := asInt(v); ok {
				if r := e.s.warehouses.get(wid); r != nil {
					root = r.(*Warehouse).ViewLocationID
				}
			}
		}
	}
	if root == 0 {
		return nil
	}
	return e.s.locationSubtree(root)
}

func (s *Server) locationSubtree(root int64) map[int64]bool {
	set := map[int64]bool{root: true}
	for changed := true; changed; {
		changed = false
		for _, r := range s.locations.rows {
			l := r.(*Location)
			if set[l.ParentID] && !set[l.ID] {
				set[l.ID] = true
				changed = true
			}
		}
	}
	return set
}

// onHand is qty_available: quants in internal locations of the allowed companies.
func (e *env) onHand(p *Product) float64 {
	if e.onHandCache == nil {
		e.onHandCache = map[int64]float64{}
		filter := e.locationFilter()
		for _, r := range e.s.quants.rows {
			q := r.(*Quant)
			if !e.allowed(q.CompanyID) {
				continue
			}
			lr := e.s.locations.get(q.LocationID)
			if lr == nil || lr.(*Location).Usage != "internal" {
				continue
			}
			if filter != nil && !filter[q.LocationID] {
				continue
			}
			e.onHandCache[q.ProductID] += q.Quantity
		}
	}
	if !p.IsStorable {
		return 0
	}
	return round2(e.onHandCache[p.ID])
}

// forecasted is virtual_available: on hand minus what confirmed orders still have to deliver (the fake has
// no purchase or manufacturing, so nothing comes in).
func (e *env) forecasted(p *Product) float64 {
	if !p.IsStorable {
		return 0
	}
	if e.outgoingCache == nil {
		e.outgoingCache = map[int64]float64{}
		for _, r := range e.s.lines.rows {
			l := r.(*Line)
			if l.ProductID == 0 || !e.allowed(l.CompanyID) || l.QtyDelivered >= l.ProductUomQty {
				continue
			}
			or := e.s.orders.get(l.OrderID)
			if or == nil || or.(*Order).State != "sale" {
				continue
			}
			e.outgoingCache[l.ProductID] += l.ProductUomQty - l.QtyDelivered
		}
	}
	return round2(e.onHand(p) - e.outgoingCache[p.ID])
}
