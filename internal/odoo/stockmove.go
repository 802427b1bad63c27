package odoo

import (
	"context"
	"time"
)

// StockMove is a normalized stock.move: what moved goods between two locations, in the product's unit. Which
// field holds the done quantity is asked with fields_get:
//
//	normalized           16                 17-19
//	StockMove.Quantity   quantity_done      quantity
//
// Both are in the move's unit (product_uom), which may not be the product's (bought by the dozen, sold by the
// unit): Quantity is converted with the move's own ratio product_qty / product_uom_qty (its demand in the
// product's unit over its demand in the move's unit), so no unit of measure is read.
type StockMove struct {
	ID                int64
	ProductID         int64
	Quantity          float64 // done, in the product's unit
	Date              time.Time
	LocationID        int64
	LocationDestID    int64
	LocationUsage     string // of LocationID: internal, supplier, customer, production, inventory, transit, view
	LocationDestUsage string
	State             string
	CompanyID         int64
	WriteDate         time.Time
}

var stockMoveFields = []fieldSpec{
	req("id"), req("product_id"), req("product_uom_qty"), opt("product_qty"), req("quantity", "quantity_done"), req("date"),
	req("location_id"), req("location_dest_id"), req("state"), opt("company_id"), req("write_date"),
}

type stockMoveRow struct {
	ID          jsonInt    `json:"id"`
	Product     Many2One   `json:"product_id"`
	Demand      jsonFloat  `json:"product_uom_qty"`
	DemandUnits *jsonFloat `json:"product_qty"`
	Done        jsonFloat  `json:"quantity"`
	Done16      jsonFloat  `json:"quantity_done"`
	Date        jsonTime   `json:"date"`
	Location    Many2One   `json:"location_id"`
	Dest        Many2One   `json:"location_dest_id"`
	State       jsonString `json:"state"`
	Company     Many2One   `json:"company_id"`
	WriteDate   jsonTime   `json:"write_date"`
}

func (r *stockMoveRow) key() (time.Time, int64) { return time.Time(r.WriteDate), int64(r.ID) }

func (r *stockMoveRow) normalize(usage map[int64]string) StockMove {
	qty := float64(r.Done) + float64(r.Done16) // one of them is asked
	if r.DemandUnits != nil && r.Demand != 0 {
		qty *= float64(*r.DemandUnits) / float64(r.Demand)
	}
	return StockMove{ID: int64(r.ID), ProductID: r.Product.ID, Quantity: qty, Date: time.Time(r.Date), LocationID: r.Location.ID,
		LocationDestID: r.Dest.ID, LocationUsage: usage[r.Location.ID], LocationDestUsage: usage[r.Dest.ID], State: string(r.State),
		CompanyID: r.Company.ID, WriteDate: time.Time(r.WriteDate)}
}

// StockMoveFilter selects the moves the stock history is made of: done, of storable products (product_id.type =
// 'product' up to 17, product_id.is_storable from 18).
func (c *Client) StockMoveFilter(ctx context.Context) (Domain, error) {
	field, value, err := c.storableLeaf(ctx)
	if err != nil {
		return Domain{}, err
	}
	return And(Eq("state", "done"), Eq("product_id."+field, value)), nil
}

// StockMovesWhere streams the stock moves matching d, with the usage of their locations (read from
// stock.location once per location).
func (c *Client) StockMovesWhere(ctx context.Context, d Domain, pageSize int, fn func([]StockMove) error) error {
	fields, err := c.modelFields(ctx, "stock.move", stockMoveFields)
	if err != nil {
		return err
	}
	usage := map[int64]string{}
	q := Query{Domain: d, Fields: fields, PageSize: pageSize, IncludeArchived: true}
	return searchReadPages(ctx, c, "stock.move", q, func(r *stockMoveRow) int64 { return int64(r.ID) }, func(rows []stockMoveRow) error {
		var unknown []int64
		for _, r := range rows {
			for _, id := range []int64{r.Location.ID, r.Dest.ID} {
				if _, ok := usage[id]; !ok && id != 0 {
					usage[id] = ""
					unknown = append(unknown, id)
				}
			}
		}
		if len(unknown) > 0 {
			if err := c.locationUsages(ctx, unknown, usage); err != nil {
				return err
			}
		}
		out := make([]StockMove, len(rows))
		for i := range rows {
			out[i] = rows[i].normalize(usage)
		}
		stockMoveRows.put(rows)
		return fn(out)
	})
}

// locationUsages reads the usage of the given stock.location ids (archived ones included) into usage.
func (c *Client) locationUsages(ctx context.Context, ids []int64, usage map[int64]string) error {
	q := Query{Domain: In("id", ids...), Fields: []string{"usage"}, IncludeArchived: true}
	return searchReadPages(ctx, c, "stock.location", q, func(r *Record) int64 { return r.ID() }, func(rows []Record) error {
		for _, r := range rows {
			u, err := r.String("usage")
			if err != nil {
				return err
			}
			usage[r.ID()] = u
		}
		return nil
	})
}
