package odootest

// Introspection: the fake's ground truth, copied (full-precision write_date).

func copyRows[T any](s *Server, t *table) []T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]T, len(t.rows))
	for i, r := range t.rows {
		out[i] = *any(r).(*T)
	}
	return out
}

// Orders returns every sale.order as stored, by id.
func (s *Server) Orders() []Order {
	out := copyRows[Order](s, s.orders)
	for i := range out {
		out[i].LineIDs = append([]int64(nil), out[i].LineIDs...)
	}
	return out
}

// Lines returns every sale.order.line as stored, by id.
func (s *Server) Lines() []Line { return copyRows[Line](s, s.lines) }

// Products returns every product.product (archived included), by id.
func (s *Server) Products() []Product { return copyRows[Product](s, s.products) }

// Quants returns every stock.quant, by id.
func (s *Server) Quants() []Quant { return copyRows[Quant](s, s.quants) }

// Companies returns every res.company, by id.
func (s *Server) Companies() []Company { return copyRows[Company](s, s.companies) }

// Partners returns every res.partner, by id.
func (s *Server) Partners() []Partner { return copyRows[Partner](s, s.partners) }

// Locations returns every stock.location, by id.
func (s *Server) Locations() []Location { return copyRows[Location](s, s.locations) }

// Users returns every res.users, by id.
func (s *Server) Users() []User {
	out := copyRows[User](s, s.users)
	for i := range out {
		out[i].CompanyIDs = append([]int64(nil), out[i].CompanyIDs...)
	}
	return out
}

// Count returns how many records a model holds (archived and every company included), 0 for unknown models.
func (s *Server) Count(model string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if m := s.models[model]; m != nil {
		return len(m.t.rows)
	}
	return 0
}
