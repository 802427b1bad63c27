package odoo

// setField methods: the fast decoder's field dispatch, one case per json tag of the row structs in model.go and
// stamps.go. Keep them in sync when a field is added (TestFastDecoderMatchesEncodingJSON fails otherwise).
// Values that repeat across the records of a page (states, units, currencies, companies, the order and product
// of a line, an order's partner) go through the page's interner; values unique to a record do not.

func (r *orderRow) setField(key string, s *scanner, in interner) error {
	switch key {
	case "id":
		return r.ID.scan(s)
	case "name":
		return r.Name.scan(s, nil)
	case "state":
		return r.State.scan(s, in)
	case "locked":
		return r.Locked.scan(s)
	case "date_order":
		return r.DateOrder.scan(s)
	case "write_date":
		return r.WriteDate.scan(s)
	case "create_date":
		return r.CreateDate.scan(s)
	case "partner_id":
		return r.Partner.scan(s, in)
	case "company_id":
		return r.Company.scan(s, in)
	case "currency_id":
		return r.Currency.scan(s, in)
	case "amount_untaxed":
		return r.AmountUntaxed.scan(s)
	case "amount_tax":
		return r.AmountTax.scan(s)
	case "amount_total":
		return r.AmountTotal.scan(s)
	case "client_order_ref":
		return r.ClientOrderRef.scan(s, nil)
	case "commitment_date":
		return r.CommitmentDate.scan(s)
	case "warehouse_id":
		return r.Warehouse.scan(s, in)
	case "user_id":
		return r.User.scan(s, in)
	}
	_, err := s.value(0)
	return err
}

func (r *lineRow) setField(key string, s *scanner, in interner) error {
	switch key {
	case "id":
		return r.ID.scan(s)
	case "order_id":
		return r.Order.scan(s, in)
	case "state":
		return r.State.scan(s, in)
	case "display_type":
		return r.DisplayType.scan(s, in)
	case "product_id":
		return r.Product.scan(s, in)
	case "product_uom_qty":
		return r.Qty.scan(s)
	case "product_uom_id":
		return r.UoMID.scan(s, in)
	case "product_uom":
		return r.UoM.scan(s, in)
	case "qty_delivered":
		return r.QtyDelivered.scan(s)
	case "qty_invoiced":
		return r.QtyInvoiced.scan(s)
	case "price_unit":
		return r.PriceUnit.scan(s)
	case "discount":
		return r.Discount.scan(s)
	case "price_subtotal":
		return r.Subtotal.scan(s)
	case "price_total":
		return r.Total.scan(s)
	case "currency_id":
		return r.Currency.scan(s, in)
	case "company_id":
		return r.Company.scan(s, in)
	case "write_date":
		return r.WriteDate.scan(s)
	}
	_, err := s.value(0)
	return err
}

func (r *productRow) setField(key string, s *scanner, in interner) error {
	switch key {
	case "id":
		return r.ID.scan(s)
	case "product_tmpl_id":
		return r.Template.scan(s, nil)
	case "default_code":
		return r.DefaultCode.scan(s, nil)
	case "barcode":
		return r.Barcode.scan(s, nil)
	case "name":
		return r.Name.scan(s, nil)
	case "display_name":
		return r.DisplayName.scan(s, nil)
	case "type":
		return r.Type.scan(s, in)
	case "detailed_type":
		return r.DetailedType.scan(s, in)
	case "is_storable":
		return r.IsStorable.scan(s)
	case "active":
		r.Active = new(jsonBool)
		return r.Active.scan(s)
	case "uom_id":
		return r.UoM.scan(s, in)
	case "list_price":
		return r.ListPrice.scan(s)
	case "standard_price":
		return r.StandardPrice.scan(s)
	case "qty_available":
		return r.QtyAvailable.scan(s)
	case "virtual_available":
		return r.Virtual.scan(s)
	case "company_id":
		return r.Company.scan(s, in)
	case "categ_id":
		return r.Categ.scan(s, in)
	case "write_date":
		return r.WriteDate.scan(s)
	}
	_, err := s.value(0)
	return err
}

func (r *stampRow) setField(key string, s *scanner, in interner) error {
	switch key {
	case "id":
		return r.ID.scan(s)
	case "write_date":
		return r.WriteDate.scan(s)
	case "state":
		return r.State.scan(s, in)
	case "order_line":
		return r.OrderLine.scan(s)
	case "order_id":
		return r.Order.scan(s, in)
	case "display_type":
		return r.DisplayType.scan(s, in)
	case "product_id":
		return r.Product.scan(s, in)
	}
	_, err := s.value(0)
	return err
}

func (r *stockMoveRow) setField(key string, s *scanner, in interner) error {
	switch key {
	case "id":
		return r.ID.scan(s)
	case "product_id":
		return r.Product.scan(s, in)
	case "product_uom_qty":
		return r.Demand.scan(s)
	case "product_qty":
		if s.peek() == 'n' { // null leaves the pointer nil, as in encoding/json
			r.DemandUnits = nil
			_, err := s.value(0)
			return err
		}
		r.DemandUnits = new(jsonFloat)
		return r.DemandUnits.scan(s)
	case "quantity":
		return r.Done.scan(s)
	case "quantity_done":
		return r.Done16.scan(s)
	case "date":
		return r.Date.scan(s)
	case "location_id":
		return r.Location.scan(s, in)
	case "location_dest_id":
		return r.Dest.scan(s, in)
	case "state":
		return r.State.scan(s, in)
	case "company_id":
		return r.Company.scan(s, in)
	case "write_date":
		return r.WriteDate.scan(s)
	}
	_, err := s.value(0)
	return err
}
