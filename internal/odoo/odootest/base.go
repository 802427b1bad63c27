package odootest

import (
	"time"
)

// seedBase creates what every database has: two companies with their currencies, the stock locations and
// warehouses of both, and the API user (member of both companies, current company 1).
func (s *Server) seedBase() {
	t0 := s.now.AddDate(-5, 0, 0).Add(1234567 * time.Microsecond)
	s.currencies.add(&Currency{ID: 1, Name: "EUR", Symbol: "€", Rate: 1, DecimalPlaces: 2, Active: true, CreateDate: t0, WriteDate: t0})
	s.currencies.add(&Currency{ID: 2, Name: "USD", Symbol: "$", Rate: 1.0842, DecimalPlaces: 2, Active: true, CreateDate: t0, WriteDate: t0})
	s.currencies.add(&Currency{ID: 3, Name: "GBP", Symbol: "£", Rate: 0.8612, DecimalPlaces: 2, Active: false, CreateDate: t0, WriteDate: t0})

	s.companies.add(&Company{ID: 1, Name: "Taller Ibérico S.L.", CurrencyID: 1, PartnerID: 1, Sequence: 0, Active: true, CreateDate: t0, WriteDate: t0})
	s.companies.add(&Company{ID: 2, Name: "Ibérico Trading Inc.", CurrencyID: 2, PartnerID: 2, Sequence: 10, Active: true, CreateDate: t0, WriteDate: t0})

	s.partners.add(&Partner{ID: 1, Name: "Taller Ibérico S.L.", CompanyID: 1, IsCompany: true, City: "Zaragoza", VAT: "ESB50123456", Active: true, CreateDate: t0, WriteDate: t0})
	s.partners.add(&Partner{ID: 2, Name: "Ibérico Trading Inc.", CompanyID: 2, IsCompany: true, City: "Miami", Active: true, CreateDate: t0, WriteDate: t0})
	s.partners.add(&Partner{ID: 3, Name: "Administrador", Email: "admin@taller-iberico.es", Active: true, CreateDate: t0, WriteDate: t0})

	s.users.add(&User{ID: 1, Login: "__system__", Name: "OdooBot", CompanyID: 1, CompanyIDs: []int64{1, 2}, PartnerID: 3, Active: false, CreateDate: t0, WriteDate: t0})
	s.users.add(&User{ID: AdminUID, Login: s.opts.Login, Name: "Administrador", CompanyID: 1, CompanyIDs: []int64{1, 2}, PartnerID: 3, Active: true,
		Settings: !s.opts.NoSettings, CreateDate: t0, WriteDate: t0})

	// What Odoo's ir.config_parameter init() writes when it creates a database.
	s.params.add(&ConfigParam{ID: 1, Key: "database.create_date", Value: t0.Format("2006-01-02 15:04:05"), CreateDate: t0, WriteDate: t0})
	s.params.add(&ConfigParam{ID: 2, Key: "database.uuid", Value: s.opts.DatabaseUUID, CreateDate: t0, WriteDate: t0})
	s.params.add(&ConfigParam{ID: 3, Key: "web.base.url", Value: "http://localhost:8069", CreateDate: t0, WriteDate: t0})

	loc := func(id int64, name, complete, usage string, parent, company, wh int64, active bool) {
		s.locations.add(&Location{ID: id, Name: name, CompleteName: complete, Usage: usage, ParentID: parent, CompanyID: company,
			WarehouseID: wh, Active: active, CreateDate: t0, WriteDate: t0})
	}
	loc(1, "Physical Locations", "Physical Locations", "view", 0, 0, 0, true)
	loc(2, "Partners", "Partners", "view", 0, 0, 0, true)
	loc(3, "Virtual Locations", "Virtual Locations", "view", 0, 0, 0, true)
	loc(4, "Vendors", "Partners/Vendors", "supplier", 2, 0, 0, true)
	loc(5, "Customers", "Partners/Customers", "customer", 2, 0, 0, true)
	loc(6, "Inventory adjustment", "Virtual Locations/Inventory adjustment", "inventory", 3, 1, 0, true)
	loc(7, "WH", "WH", "view", 1, 1, 1, true)
	loc(8, "Stock", "WH/Stock", "internal", 7, 1, 1, true)
	loc(9, "Shelf 1", "WH/Stock/Shelf 1", "internal", 8, 1, 1, true)
	loc(10, "USW", "USW", "view", 1, 2, 2, true)
	loc(11, "Stock", "USW/Stock", "internal", 10, 2, 2, true)
	loc(12, "Inventory adjustment", "Virtual Locations/Inventory adjustment", "inventory", 3, 2, 0, true)
	loc(13, "Old Stock", "WH/Old Stock", "internal", 7, 1, 1, false)

	s.warehouses.add(&Warehouse{ID: 1, Name: "Almacén Central", Code: "WH", CompanyID: 1, LotStockID: 8, ViewLocationID: 7, Active: true, CreateDate: t0, WriteDate: t0})
	s.warehouses.add(&Warehouse{ID: 2, Name: "US Warehouse", Code: "USW", CompanyID: 2, LotStockID: 11, ViewLocationID: 10, Active: true, CreateDate: t0, WriteDate: t0})
	s.lastStamp = t0
}
