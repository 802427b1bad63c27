package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/salesengine/salesengine/internal/store"
)

// bomIndex picks the BoM Odoo would use for each product and explodes kits through, the same way for the net
// plan's inputs and for the SKU page's bill of materials.
type bomIndex struct {
	tmplOf  map[int64]int64            // product -> template (from product_routes)
	variant map[int64]*store.BoM       // the first active BoM made for the product itself
	tmpl    map[int64]*store.BoM       // the first active BoM for every variant of the template
	lines   map[int64][]*store.BoMLine // by BoM
}

func newBoMIndex(sup *store.Supply) *bomIndex {
	x := &bomIndex{tmplOf: map[int64]int64{}, variant: map[int64]*store.BoM{}, tmpl: map[int64]*store.BoM{}, lines: map[int64][]*store.BoMLine{}}
	for _, r := range sup.ProductRoutes {
		x.tmplOf[r.ProductID] = r.ProductTmplID
	}
	for _, l := range sup.BoMLines {
		x.lines[l.BoMID] = append(x.lines[l.BoMID], l)
	}
	boms := slices.Clone(sup.BoMs)
	slices.SortFunc(boms, func(a, b *store.BoM) int {
		return cmp.Or(cmp.Compare(a.Sequence, b.Sequence), cmp.Compare(a.BoMID, b.BoMID))
	})
	for _, b := range boms {
		switch {
		case !b.Active:
		case b.ProductID != 0:
			if x.variant[b.ProductID] == nil {
				x.variant[b.ProductID] = b
			}
		case x.tmpl[b.ProductTmplID] == nil:
			x.tmpl[b.ProductTmplID] = b
		}
	}
	return x
}

// template is the product's template; without the routes (no stock app) the variant stands for its template.
func (x *bomIndex) template(productID int64) int64 {
	if t, ok := x.tmplOf[productID]; ok {
		return t
	}
	return productID
}

// of returns the product's BoM: one for the variant before one for the template, then by sequence and id; nil
// when it has none.
func (x *bomIndex) of(productID int64) *store.BoM {
	if b := x.variant[productID]; b != nil {
		return b
	}
	return x.tmpl[x.template(productID)]
}

// explode calls add for every component of the BoM, with its quantity per unit of the product times factor; a
// component that is a kit (its BoM is a phantom one) is replaced by the kit's own components, recursively.
func (x *bomIndex) explode(b *store.BoM, factor float64, depth int, add func(productID int64, perUnit float64)) error {
	if depth > maxKitDepth {
		return fmt.Errorf("plan: kits within kits deeper than %d levels from BoM %d: a cycle of kits? fix the BoMs in Odoo", maxKitDepth, b.BoMID)
	}
	qty := b.ProductQty
	if !(qty > 0) {
		qty = 1
	}
	for _, l := range x.lines[b.BoMID] {
		per := factor * l.ProductQty / qty
		if kit := x.of(l.ProductID); kit != nil && kit.Type == "phantom" {
			if err := x.explode(kit, per, depth+1, add); err != nil {
				return err
			}
			continue
		}
		add(l.ProductID, per)
	}
	return nil
}

// BoMLink is a product a SKU's bill of materials links to, and the quantity per unit.
type BoMLink struct {
	SKU     string
	Name    string
	PerUnit float64 // components: of the component per unit of the SKU; parents: of the SKU per unit of the parent
}

// SKUBoM is what a SKU is made of and what is made of it, as the net plan reads the BoMs (kits exploded
// through, one BoM per product as Odoo picks it, a SKU shared by several products taking the first's), by SKU.
type SKUBoM struct {
	Components []BoMLink
	Parents    []BoMLink
}

// skuBoM reads a SKU's bill of materials; nil when the connection stores no BoM (a sales Odoo) or none links
// the SKU.
func skuBoM(ctx context.Context, s store.Executor, connectionID int64, sku string) (*SKUBoM, error) {
	sup, err := s.SupplyBoMList(ctx, connectionID)
	if err != nil || len(sup.BoMs) == 0 {
		return nil, err
	}
	products, err := s.ProductList(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	x := newBoMIndex(sup)
	skuOf := make(map[int64]string, len(products))
	var firsts []*store.Product // the first product of each SKU: the one planned
	seen := map[string]bool{}
	for _, p := range products {
		skuOf[p.ProductID] = p.SKU
		if p.SKU != "" && !seen[p.SKU] {
			seen[p.SKU] = true
			firsts = append(firsts, p)
		}
	}
	name := map[string]string{}
	for _, p := range firsts {
		name[p.SKU] = p.Name
	}
	components, parents := map[string]float64{}, map[string]float64{}
	for _, p := range firsts {
		b := x.of(p.ProductID)
		if b == nil {
			continue
		}
		err := x.explode(b, 1, 0, func(productID int64, perUnit float64) {
			c := skuOf[productID]
			switch {
			case c == "":
			case p.SKU == sku:
				components[c] += perUnit
			case c == sku:
				parents[p.SKU] += perUnit
			}
		})
		if err != nil {
			return nil, err
		}
	}
	if len(components)+len(parents) == 0 {
		return nil, nil
	}
	links := func(m map[string]float64) []BoMLink {
		out := make([]BoMLink, 0, len(m))
		for s, q := range m {
			out = append(out, BoMLink{SKU: s, Name: name[s], PerUnit: q})
		}
		slices.SortFunc(out, func(a, b BoMLink) int { return cmp.Compare(a.SKU, b.SKU) })
		return out
	}
	return &SKUBoM{Components: links(components), Parents: links(parents)}, nil
}
