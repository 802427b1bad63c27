package odoo

// setField methods: the fast decoder's field dispatch, one case per json tag of the row structs in model.go.
// Keep them in sync when a field is added (TestFastDecoderMatchesEncodingJSON fails otherwise).

func (r *orderRow) setField(key string, raw []byte) error {
	switch key {
	case "id":
		return r.ID.UnmarshalJSON(raw)
	case "name":
		return r.Name.UnmarshalJSON(raw)
	case "state":
		return r.State.UnmarshalJSON(raw)
	case "locked":
		return r.Locked.UnmarshalJSON(raw)
	case "date_order":
		return r.DateOrder.UnmarshalJSON(raw)
	case "write_date":
		return r.WriteDate.UnmarshalJSON(raw)
	case "create_date":
		return r.CreateDate.UnmarshalJSON(raw)
	case "partner_id":
		return r.Partner.UnmarshalJSON(raw)
	case "company_id":
		return r.Company.UnmarshalJSON(raw)
	case "currency_id":
		return r.Currency.UnmarshalJSON(raw)
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
		return r.Warehouse.UnmarshalJSON(raw)
	case "user_id":
		return r.User.UnmarshalJSON(raw)
	}
	return nil
}

func (r *lineRow) setField(key string, raw []byte) error {
	switch key {
	case "id":
		return r.ID.UnmarshalJSON(raw)
	case "order_id":
		return r.Order.UnmarshalJSON(raw)
	case "state":
		return r.State.UnmarshalJSON(raw)
	case "display_type":
		return r.DisplayType.UnmarshalJSON(raw)
	case "product_id":
		return r.Product.UnmarshalJSON(raw)
	case "name":
		return r.Name.UnmarshalJSON(raw)
	case "product_uom_qty":
		return r.Qty.UnmarshalJSON(raw)
	case "product_uom_id":
		return r.UoMID.UnmarshalJSON(raw)
	case "product_uom":
		return r.UoM.UnmarshalJSON(raw)
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
		return r.Currency.UnmarshalJSON(raw)
	case "company_id":
		return r.Company.UnmarshalJSON(raw)
	case "write_date":
		return r.WriteDate.UnmarshalJSON(raw)
	}
	return nil
}

func (r *productRow) setField(key string, raw []byte) error {
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
		return r.Type.UnmarshalJSON(raw)
	case "detailed_type":
		return r.DetailedType.UnmarshalJSON(raw)
	case "is_storable":
		return r.IsStorable.UnmarshalJSON(raw)
	case "active":
		r.Active = new(jsonBool)
		return r.Active.UnmarshalJSON(raw)
	case "uom_id":
		return r.UoM.UnmarshalJSON(raw)
	case "list_price":
		return r.ListPrice.UnmarshalJSON(raw)
	case "standard_price":
		return r.StandardPrice.UnmarshalJSON(raw)
	case "qty_available":
		return r.QtyAvailable.UnmarshalJSON(raw)
	case "virtual_available":
		return r.Virtual.UnmarshalJSON(raw)
	case "company_id":
		return r.Company.UnmarshalJSON(raw)
	case "write_date":
		return r.WriteDate.UnmarshalJSON(raw)
	}
	return nil
}
