package odootest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// GenerateOptions shape the generated history. Zero values take the defaults.
type GenerateOptions struct {
	Years          int     // history length; default 3
	SKUs           int     // products; default 300
	LinesPerMonth  int     // product lines per month across all SKUs (on average); default 5*SKUs
	Customers      int     // customers; default 120
	ImportedMonths int     // the first N months were imported in ONE transaction at go-live: all their orders and lines share one write_date (microseconds included); default 2, -1 = none
	Company2Share  float64 // share of orders in the second company (USD); default 0.12, -1 = none
	// StockOuts gives this many steady sellers a stock-out (stockmoves.go): their stock falls to zero for two
	// months (40 days for every third) and the sales they would have made meanwhile are lost. Default 0.
	StockOuts int
}

// LargeHistory is the benchmark size: about 200,000 sale.order.line over 3 years and 1,000 SKUs
// (generated in well under a second).
func LargeHistory() *GenerateOptions {
	return &GenerateOptions{Years: 3, SKUs: 1000, LinesPerMonth: 7000}
}

func (g *GenerateOptions) defaults() {
	if g.Years <= 0 {
		g.Years = 3
	}
	if g.SKUs <= 0 {
		g.SKUs = 300
	}
	if g.LinesPerMonth <= 0 {
		g.LinesPerMonth = 5 * g.SKUs
	}
	if g.Customers <= 0 {
		g.Customers = 120
	}
	if g.ImportedMonths == 0 {
		g.ImportedMonths = 2
	}
	if g.Company2Share == 0 {
		g.Company2Share = 0.12
	}
	if g.Company2Share < 0 {
		g.Company2Share = 0
	}
}

var (
	custPrefixes = []string{"Distribuciones", "Ferretería", "Talleres", "Construcciones", "Suministros", "Comercial", "Hermanos", "Grupo", "Industrias", "Almacenes", "Reformas", "Instalaciones"}
	custNames    = []string{"García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Ruiz", "Díaz", "Moreno", "Álvarez", "Romero", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Serrano", "Molina", "Ibáñez", "Muñoz"}
	custSuffixes = []string{"S.L.", "S.A.", "S.L.U.", "e Hijos S.L.", "S.Coop."}
	cities       = []string{"Madrid", "Barcelona", "Valencia", "Sevilla", "Zaragoza", "Bilbao", "Málaga", "Murcia", "Valladolid", "Vigo", "Gijón", "A Coruña", "Logroño", "Pamplona", "Huesca"}
	usNames      = []string{"Acme Supply Inc.", "Blue Ridge Hardware LLC", "Sunshine Tools Corp.", "Gulf Coast Builders", "Orlando Fixtures Co.", "Tampa Industrial LLC", "Keystone Depot Inc.", "Palm Beach Contractors"}
	goodsNouns   = []string{"Tornillo", "Tuerca", "Arandela", "Bisagra", "Cerradura", "Taladro", "Broca", "Llave inglesa", "Cinta aislante", "Cable", "Enchufe", "Interruptor", "Bombilla LED", "Pintura", "Barniz", "Lija", "Guantes", "Casco", "Gafas de protección", "Silicona", "Pegamento", "Tubo PVC", "Codo PVC", "Válvula", "Grifo", "Manguera", "Escalera", "Carretilla", "Pala", "Rastrillo"}
	bulkNouns    = []string{"Cemento", "Yeso", "Arena", "Mortero"}
	qualifiers   = []string{"inox", "galvanizado", "de latón", "reforzado", "profesional", "compacto", "industrial", "mini", "XL", "premium", "blanco", "negro"}
	sizes        = []string{"M4", "M6", "M8", "M10", "10 mm", "20 mm", "1/2\"", "3/4\"", "5 L", "15 L", "2 m", "5 m", "25 m"}
	serviceNames = []string{"Instalación", "Mantenimiento", "Transporte", "Montaje", "Asesoría técnica", "Reparación"}
	serviceQual  = []string{"básica", "urgente", "mensual", "por hora", "en obra"}
	sectionNames = []string{"Material", "Pedido de temporada", "Obra principal", "Reposición"}
	noteNames    = []string{"Entregar por la mañana.", "Llamar antes de entregar.", "Material para obra en curso.", "Factura a nombre de la matriz."}
)

func codePrefix(noun string) string {
	r := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", " ", "")
	n := strings.ToUpper(r.Replace(strings.ToLower(noun)))
	if len(n) > 3 {
		n = n[:3]
	}
	return n
}

func productLabel(p *Product) string {
	if p.DefaultCode != "" {
		return "[" + p.DefaultCode + "] " + p.Name
	}
	return p.Name
}

type skuPlan struct {
	p            *Product
	label        string  // line description: the product's display name
	base         float64 // lines per month at the start
	trend        float64 // relative change over the history
	amp, phase   float64 // yearly seasonality
	prob         float64 // intermittent/lumpy: chance a month sells
	qtyMean      float64
	start, end   int // active months [start, end)
	fractional   bool
	companyOnly  int64
	priceJitter  bool
	discountable bool
}

func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		n := int(math.Round(lambda + math.Sqrt(lambda)*r.NormFloat64()))
		return max(n, 0)
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// micro returns a random sub-second offset in microseconds.
func micro(r *rand.Rand) time.Duration { return time.Duration(1+r.IntN(999_998)) * time.Microsecond }

// generate builds a deterministic history for the seed. Caller: newServer (no lock needed yet).
func (s *Server) generate(g GenerateOptions) error {
	g.defaults()
	r := rand.New(rand.NewPCG(uint64(s.opts.Seed), 0x0d00))
	now := s.now
	months := g.Years * 12
	startMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -months+1, 0)
	histStart := startMonth
	monthStart := func(m int) time.Time { return startMonth.AddDate(0, m, 0) }

	// customers
	var cust1, cust2 []int64
	for i := 0; i < g.Customers; i++ {
		p := &Partner{ID: s.partners.newID(), IsCompany: true, CustomerRank: 1 + r.IntN(20), Active: true}
		if g.Company2Share > 0 && r.Float64() < 0.12 {
			p.Name = usNames[r.IntN(len(usNames))]
			if i%len(usNames) != 0 {
				p.Name = fmt.Sprintf("%s #%d", p.Name, i)
			}
			p.CompanyID = 2
			p.City = "Miami"
		} else {
			p.Name = fmt.Sprintf("%s %s %s", custPrefixes[r.IntN(len(custPrefixes))], custNames[r.IntN(len(custNames))], custSuffixes[r.IntN(len(custSuffixes))])
			p.City = cities[r.IntN(len(cities))]
			p.VAT = fmt.Sprintf("ESB%08d", r.IntN(1e8))
			if r.Float64() < 0.05 {
				p.CompanyID = 1
			}
		}
		p.Email = fmt.Sprintf("compras%d@cliente%d.example", i, i)
		p.CreateDate = histStart.Add(-time.Duration(r.IntN(400*24)) * time.Hour).Add(micro(r))
		p.WriteDate = p.CreateDate.Add(time.Duration(r.IntN(100*24)) * time.Hour)
		if r.Float64() < 0.04 {
			p.Active = false
		}
		s.partners.add(p)
		if p.CompanyID != 2 {
			cust1 = append(cust1, p.ID)
		}
		if p.CompanyID != 1 {
			cust2 = append(cust2, p.ID)
		}
	}
	if len(cust2) == 0 {
		cust2 = append(cust2, 2)
	}
	if len(cust1) == 0 {
		cust1 = append(cust1, 1)
	}

	// products and their demand plans
	plans := make([]*skuPlan, g.SKUs)
	slab := make([]Product, g.SKUs)
	var weightSum float64
	for i := range plans {
		p := &slab[i]
		p.ID = s.products.newID()
		p.Active = true
		p.Type = "consu"
		p.IsStorable = true
		p.UoMID = 1
		pl := &skuPlan{p: p, start: 0, end: months, qtyMean: 1 + r.ExpFloat64()*3, discountable: r.Float64() < 0.3, priceJitter: r.Float64() < 0.2}
		pl.base = math.Exp(r.NormFloat64() * 0.8)
		x := r.Float64()
		switch {
		case x < 0.45:
			p.Pattern = PatternSmooth
		case x < 0.63:
			p.Pattern = PatternIntermittent
		case x < 0.73:
			p.Pattern = PatternLumpy
		case x < 0.83:
			p.Pattern = PatternNew
		case x < 0.94:
			p.Pattern = PatternDiscontinued
		default:
			p.Pattern = PatternService
		}
		noun := goodsNouns[r.IntN(len(goodsNouns))]
		p.Name = fmt.Sprintf("%s %s %s", noun, qualifiers[r.IntN(len(qualifiers))], sizes[r.IntN(len(sizes))])
		p.ListPrice = math.Round((2+r.ExpFloat64()*40)*100) / 100
		switch p.Pattern {
		case PatternService:
			noun = serviceNames[r.IntN(len(serviceNames))]
			p.Name = noun + " " + serviceQual[r.IntN(len(serviceQual))]
			p.Type, p.IsStorable, p.UoMID = "service", false, 4
			p.ListPrice = float64(25 + r.IntN(60))
			p.DefaultCode = fmt.Sprintf("SRV-%03d", i)
		default:
			if r.Float64() < 0.05 {
				noun = bulkNouns[r.IntN(len(bulkNouns))]
				p.Name = noun + " " + qualifiers[r.IntN(len(qualifiers))]
				p.UoMID = 3
				pl.fractional = true
				pl.qtyMean = 5 + r.ExpFloat64()*20
			}
			if r.Float64() < 0.08 && !s.ver.storableFlag() {
				p.IsStorable = false // a plain consumable
			}
			p.DefaultCode = fmt.Sprintf("%s-%05d", codePrefix(noun), 100+i)
		}
		if r.Float64() < 0.08 {
			p.DefaultCode = "" // products without an internal reference exist
		}
		p.StandardPrice = round2(p.ListPrice * (0.45 + 0.3*r.Float64()))
		switch y := r.Float64(); {
		case y < 0.05:
			p.CompanyID = 1
		case y < 0.10 && g.Company2Share > 0:
			p.CompanyID = 2
		}
		pl.trend = -0.3 + 0.9*r.Float64()
		pl.amp = 0.1 + 0.4*r.Float64()
		pl.phase = r.Float64() * 12
		switch p.Pattern {
		case PatternIntermittent:
			pl.prob = 0.15 + 0.25*r.Float64()
			pl.qtyMean = 0.5 + r.Float64()
		case PatternLumpy:
			pl.prob = 0.1 + 0.2*r.Float64()
			pl.qtyMean = 10 + r.ExpFloat64()*40
		case PatternNew:
			pl.start = months - 3 - r.IntN(7)
		case PatternDiscontinued:
			pl.end = months - 6 - r.IntN(13)
			p.Active = false
		}
		p.CreateDate = monthStart(pl.start).Add(-time.Duration(r.IntN(20*24)) * time.Hour).Add(micro(r))
		if pl.start == 0 {
			p.CreateDate = histStart.Add(-time.Duration(30+r.IntN(300)) * 24 * time.Hour).Add(micro(r))
		}
		p.WriteDate = p.CreateDate.Add(time.Duration(r.IntN(30*24)) * time.Hour)
		if !p.Active {
			p.WriteDate = monthStart(pl.end).Add(time.Duration(r.IntN(20*24)) * time.Hour).Add(micro(r))
		}
		if p.WriteDate.After(now) {
			p.WriteDate = now.Add(-time.Hour).Add(micro(r))
		}
		pl.label = productLabel(p)
		if p.Pattern == PatternSmooth || p.Pattern == PatternNew || p.Pattern == PatternDiscontinued || p.Pattern == PatternService {
			pl.base = max(pl.base, 0.5) // regular sellers sell most months; sporadic ones have their own patterns
			weightSum += pl.base
		}
		plans[i] = pl
		s.products.add(p)
	}
	if weightSum == 0 {
		weightSum = 1
	}
	scale := float64(g.LinesPerMonth) / weightSum * 0.85 // leave ~15% for the sporadic SKUs

	// line slots per month and company, then orders
	type slot struct{ pl *skuPlan }
	importEnd := -1
	var importStamp time.Time
	if g.ImportedMonths > 0 {
		importEnd = min(g.ImportedMonths, months)
		importStamp = monthStart(importEnd).Add(3*24*time.Hour + 9*time.Hour + 12*time.Minute + 33*time.Second + 123456*time.Microsecond)
	}
	orderSlab := make([]Order, 0, g.LinesPerMonth*months/3+16)
	lineSlab := make([]Line, 0, g.LinesPerMonth*months*11/10+16)
	var slots1, slots2 []slot
	sizes := []int{1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8}
	for m := 0; m < months; m++ {
		slots1, slots2 = slots1[:0], slots2[:0]
		moy := float64(int(monthStart(m).Month()) - 1)
		for _, pl := range plans {
			if m < pl.start || m >= pl.end {
				continue
			}
			var n int
			switch pl.p.Pattern {
			case PatternIntermittent:
				if r.Float64() < pl.prob {
					n = 1 + poisson(r, 0.3)
				}
			case PatternLumpy:
				if r.Float64() < pl.prob {
					n = 1 + poisson(r, 1)
				}
			default:
				lambda := scale * pl.base * (1 + pl.trend*float64(m)/float64(months)) * (1 + pl.amp*math.Sin(2*math.Pi*(moy-pl.phase)/12))
				if pl.p.Pattern == PatternNew {
					lambda *= math.Min(1, float64(m-pl.start+1)/3)
				}
				n = poisson(r, lambda)
			}
			for k := 0; k < n; k++ {
				c2 := pl.p.CompanyID == 2 || (pl.p.CompanyID == 0 && r.Float64() < g.Company2Share)
				if c2 {
					slots2 = append(slots2, slot{pl})
				} else {
					slots1 = append(slots1, slot{pl})
				}
			}
		}
		for company, slots := range [][]slot{slots1, slots2} {
			companyID := int64(company + 1)
			r.Shuffle(len(slots), func(i, j int) { slots[i], slots[j] = slots[j], slots[i] })
			for len(slots) > 0 {
				k := min(sizes[r.IntN(len(sizes))], len(slots))
				chunk := slots[:k]
				slots = slots[k:]
				// the order
				ms := monthStart(m)
				span := monthStart(m + 1).Sub(ms)
				date := ms.Add(time.Duration(r.Int64N(int64(span/time.Second))) * time.Second)
				date = time.Date(date.Year(), date.Month(), date.Day(), 7+r.IntN(11), r.IntN(60), r.IntN(60), 0, time.UTC)
				if !date.Before(now.Add(-time.Hour)) {
					date = now.Add(-time.Hour - time.Duration(r.IntN(30*24*3600))*time.Second).Truncate(time.Second)
					if date.Before(ms) {
						date = ms.Add(time.Duration(r.IntN(3600)) * time.Second)
					}
				}
				age := now.Sub(date)
				state := "sale"
				x := r.Float64()
				if age > 60*24*time.Hour {
					switch {
					case x < 0.07:
						state = "cancel"
					case x < 0.10:
						state = "draft"
					}
				} else {
					switch {
					case x < 0.05:
						state = "cancel"
					case x < 0.20:
						state = "draft"
					case x < 0.30:
						state = "sent"
					}
				}
				locked := false
				if state == "sale" && age > 90*24*time.Hour && r.Float64() < 0.4 {
					if s.ver.hasDoneState() {
						state = "done"
					} else {
						locked = true
					}
				}
				o := Order{ID: s.orders.newID(), State: state, Locked: locked, DateOrder: date, CompanyID: companyID,
					CurrencyID: companyID, UserID: AdminUID, WarehouseID: companyID}
				o.Name = orderName(o.ID)
				if !s.installed(ModuleStock) {
					o.WarehouseID = 0 // warehouse_id comes with sale_stock
				}
				if companyID == 1 {
					o.PartnerID = cust1[r.IntN(len(cust1))]
				} else {
					o.PartnerID = cust2[r.IntN(len(cust2))]
				}
				if r.Float64() < 0.3 {
					o.ClientOrderRef = fmt.Sprintf("PO-%d-%04d", date.Year(), r.IntN(10000))
				}
				if r.Float64() < 0.2 {
					o.CommitmentDate = date.Add(time.Duration(2+r.IntN(20)) * 24 * time.Hour)
				}
				o.CreateDate = date.Add(micro(r))
				wd := date.Add(time.Duration(r.Int64N(int64(72*time.Hour/time.Second)))*time.Second + micro(r))
				if !wd.Before(now) {
					wd = now.Add(-time.Duration(1+r.IntN(3000)) * time.Second).Add(micro(r))
				}
				imported := m < importEnd
				if imported {
					o.CreateDate, wd = importStamp, importStamp
				}
				o.WriteDate = wd
				// lines
				seq := 10
				addLine := func(l Line) {
					l.ID = s.lines.newID()
					l.OrderID, l.Sequence, l.CompanyID, l.CurrencyID = o.ID, seq, companyID, companyID
					l.CreateDate, l.WriteDate = o.CreateDate, o.WriteDate
					seq += 10
					computeLine(&l)
					lineSlab = append(lineSlab, l)
					o.AmountUntaxed += l.PriceSubtotal
					o.AmountTax += l.PriceTax
				}
				if r.Float64() < 0.10 {
					addLine(Line{DisplayType: "line_section", Name: sectionNames[r.IntN(len(sectionNames))]})
				}
				for _, sl := range chunk {
					p := sl.pl.p
					var qty float64
					switch {
					case sl.pl.fractional:
						qty = math.Max(0.5, math.Round(sl.pl.qtyMean*r.ExpFloat64()*2)/2)
					case p.Pattern == PatternLumpy:
						qty = float64(1 + poisson(r, sl.pl.qtyMean))
					default:
						qty = float64(1 + poisson(r, sl.pl.qtyMean))
					}
					l := Line{ProductID: p.ID, Name: sl.pl.label, ProductUomQty: qty, PriceUnit: p.ListPrice, UoMID: p.UoMID, TaxID: 1}
					if companyID == 2 {
						l.TaxID = 3
					} else if r.Float64() < 0.15 {
						l.TaxID = 2
					}
					if sl.pl.priceJitter {
						l.PriceUnit = round2(p.ListPrice * (0.95 + 0.1*r.Float64()))
					}
					if sl.pl.discountable && r.Float64() < 0.5 {
						l.Discount = float64(5 * (1 + r.IntN(3)))
					}
					if state == "sale" || state == "done" {
						if age > 14*24*time.Hour || p.Type == "service" || r.Float64() < 0.4 {
							l.QtyDelivered = qty
						}
						if age > 30*24*time.Hour {
							l.QtyInvoiced = l.QtyDelivered
						}
					}
					addLine(l)
					// a later delivery stamps the line alone (the order keeps its write_date)
					if !imported && l.QtyDelivered > 0 && r.Float64() < 0.5 {
						last := &lineSlab[len(lineSlab)-1]
						ld := last.WriteDate.Add(time.Duration(1+r.IntN(10*24*3600))*time.Second + micro(r) - time.Duration(last.WriteDate.Nanosecond()))
						if ld.Before(now) {
							last.WriteDate = ld
						}
					}
				}
				if r.Float64() < 0.05 {
					addLine(Line{DisplayType: "line_note", Name: noteNames[r.IntN(len(noteNames))]})
				}
				o.AmountUntaxed, o.AmountTax = round2(o.AmountUntaxed), round2(o.AmountTax)
				o.AmountTotal = round2(o.AmountUntaxed + o.AmountTax)
				orderSlab = append(orderSlab, o)
			}
		}
	}
	// Orders were built month by month and company by company, so ids are not in date order within a
	// month; that is realistic (ids follow creation, not date_order). Attach lines and store.
	// lines were appended order by order: each order's ids are one run of a single slab
	idSlab := make([]int64, len(lineSlab))
	s.orders.rows = make([]rec, 0, len(orderSlab))
	li := 0
	for i := range orderSlab {
		o := &orderSlab[i]
		start := li
		for li < len(lineSlab) && lineSlab[li].OrderID == o.ID {
			idSlab[li] = lineSlab[li].ID
			li++
		}
		o.LineIDs = idSlab[start:li:li]
		s.orders.rows = append(s.orders.rows, o)
	}
	s.lines.rows = make([]rec, 0, len(lineSlab))
	for i := range lineSlab {
		s.lines.rows = append(s.lines.rows, &lineSlab[i])
	}

	// stock
	for _, pl := range plans {
		p := pl.p
		if !p.IsStorable || !p.Active && r.Float64() < 0.7 {
			continue
		}
		monthly := scale*pl.base*pl.qtyMean + 1
		addQuant := func(loc, company int64, qty float64) {
			q := &Quant{ID: s.quants.newID(), ProductID: p.ID, LocationID: loc, CompanyID: company, Quantity: qty}
			q.InDate = now.Add(-time.Duration(1+r.IntN(200*24)) * time.Hour).Add(micro(r))
			q.CreateDate = q.InDate
			q.WriteDate = q.InDate.Add(time.Duration(r.IntN(24*3600)) * time.Second)
			if !q.WriteDate.Before(now) { // no record is stamped after the server's clock
				q.WriteDate = now.Add(-time.Duration(1+r.IntN(3000)) * time.Second).Add(micro(r))
			}
			if qty > 0 && r.Float64() < 0.3 {
				q.ReservedQuantity = math.Floor(qty * r.Float64() / 2)
			}
			s.quants.add(q)
		}
		round := func(f float64) float64 {
			if pl.fractional {
				return math.Round(f*2) / 2
			}
			return math.Round(f)
		}
		if p.CompanyID != 2 {
			qty := round(monthly * 2 * r.Float64())
			if r.Float64() < 0.03 {
				qty = -float64(1 + r.IntN(5)) // oversold
			}
			addQuant(8, 1, qty)
			if r.Float64() < 0.3 {
				addQuant(9, 1, round(monthly*r.Float64()+1))
			}
			if r.Float64() < 0.2 {
				addQuant(6, 1, -float64(1+r.IntN(10))) // inventory losses: not stock on hand
			}
			if r.Float64() < 0.1 {
				addQuant(4, 1, -float64(1+r.IntN(50))) // vendor location: not stock on hand
			}
		}
		if p.CompanyID != 1 && g.Company2Share > 0 && (p.CompanyID == 2 || r.Float64() < 0.2) {
			addQuant(11, 2, round(monthly*r.Float64()+1))
		}
	}
	for _, t := range []*table{s.partners, s.products, s.orders, s.lines, s.quants} {
		for _, rr := range t.rows {
			if rr.recWD().After(s.lastStamp) {
				s.lastStamp = rr.recWD()
			}
		}
	}
	return nil
}

// orderName is Odoo's default sale.order sequence: S00001.
func orderName(id int64) string {
	b := make([]byte, 0, 8)
	b = append(b, 'S')
	d := strconv.FormatInt(id, 10)
	for i := len(d); i < 5; i++ {
		b = append(b, '0')
	}
	return string(append(b, d...))
}
