package odoo

// setField methods: the fast decoder's field dispatch, one case per json tag of the row structs in model.go and
// stamps.go. Keep them in sync when a field is added (TestFastDecoderMatchesEncodingJSON fails otherwise).
// Values that repeat across the records of a page (states, units, currencies, companies, the order and product
// of a line, an order's partner) go through the page's interner; values unique to a record do not.

func (r *orderRow) setField(key string, raw []byte, in interner) error {
	switch key {
	case "id":
		return r.ID.UnmarshalJSON(raw)
	case "name":
		return r.Name.UnmarshalJSON(raw)
	case "state":
		return r.State.decode(raw, in)
	case "locked":
		return r.Locked.UnmarshalJSON(raw)
	case "date_order":
		return r.DateOrder.UnmarshalJSON(raw)
	case "write_date":
		return r.WriteDate.UnmarshalJSON(raw)
	case "create_date":
		return r.CreateDate.UnmarshalJSON(raw)
	case "partner_id":
		return r.Partner.decode(raw, in)
	case "company_id":
		return r.Company.decode(raw, in)
	case "currency_id":
		return r.Currency.decode(raw, in)
	case "amount_untaxed":
		return r.AmountUntaxed.UnmarshalJSON(raw)
	case "amount_tax":
		return r.AmountTax.UnmarshalJSON(raw)
	case "amount_total":
		return r.AmountTotal.UnmarshalJSON(raw)
	case "client_order_ref":
		return r.ClientOrderRef.UnmarshalJSON(raw)
	case "commitment_date":
		return r.CommitmentDate.UnmarshalJSON(raw)
	case "warehouse_id":
		return r.Warehouse.decode(raw, in)
	case "user_id":
		return r.User.decode(raw, in)
	}
	return nil
}

func (r *lineRow) setField(key string, raw []byte, in interner) error {
	switch key {
	case "id":
		return r.ID.UnmarshalJSON(raw)
	case "order_id":
		return r.Order.decode(raw, in)
	case "state":
		return r.State.decode(raw, in)
	case "display_type":
		return r.DisplayType.decode(raw, in)
	case "product_id":
		return r.Product.decode(raw, in)
	case "name":
		return r.Name.UnmarshalJSON(raw)
	case "product_uom_qty":
		return r.Qty.UnmarshalJSON(raw)
	case "product_uom_id":
		return r.UoMID.decode(raw, in)
	case "product_uom":
		return r.UoM.decode(raw, in)
	case "qty_delivered":
		return r.QtyDelivered.UnmarshalJSON(raw)
	case "qty_invoiced":
		return r.QtyInvoiced.UnmarshalJSON(raw)
	case "price_unit":
		return r.PriceUnit.UnmarshalJSON(raw)
	case "discount":
		return r.Discount.UnmarshalJSON(raw)
	case "price_subtotal":
		return r.Subtotal.UnmarshalJSON(raw)
	case "price_total":
		return r.Total.UnmarshalJSON(raw)
	case "currency_id":
		return r.Currency.decode(raw, in)
	case "company_id":
		return r.Company.decode(raw, in)
	case "write_date":
		return r.WriteDate.UnmarshalJSON(raw)
	}
	return nil
}

func (r *productRow) setField(key string, raw []byte, in interner) error {
	switch key {
	case "id":
		return r.ID.UnmarshalJSON(raw)
	case "product_tmpl_id":
		return r.Template.UnmarshalJSON(raw)
	case "default_code":
		return r.DefaultCode.UnmarshalJSON(raw)
	case "barcode":
		return r.Barcode.UnmarshalJSON(raw)
	case "name":
		return r.Name.UnmarshalJSON(raw)
	case "display_name":
		return r.DisplayName.UnmarshalJSON(raw)
	case "type":
		return r.Type.decode(raw, in)
	case "detailed_type":
		return r.DetailedType.decode(raw, in)
	case "is_storable":
		return r.IsStorable.UnmarshalJSON(raw)
	case "active":
		r.Active = new(jsonBool)
		return r.Active.UnmarshalJSON(raw)
	case "uom_id":
		return r.UoM.decode(raw, in)
	case "list_price":
		return r.ListPrice.UnmarshalJSON(raw)
	case "standard_price":
		return r.StandardPrice.UnmarshalJSON(raw)
	case "qty_available":
		return r.QtyAvailable.UnmarshalJSON(raw)
	case "virtual_available":
		return r.Virtual.UnmarshalJSON(raw)
	case "company_id":
		return r.Company.decode(raw, in)
	case "write_date":
		return r.WriteDate.UnmarshalJSON(raw)
	}
	return nil
}

func (r *stampRow) setField(key string, raw []byte, in interner) error {
	switch key {
	case "id":
		return r.ID.UnmarshalJSON(raw)
	case "write_date":
		return r.WriteDate.UnmarshalJSON(raw)
	case "state":
		return r.State.decode(raw, in)
	case "order_line":
		return r.OrderLine.UnmarshalJSON(raw)
	case "order_id":
		return r.Order.decode(raw, in)
	case "display_type":
		return r.DisplayType.decode(raw, in)
	case "product_id":
		return r.Product.decode(raw, in)
	}
	return nil
}
