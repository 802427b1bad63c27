package odoo

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Apps whose data Sales Engine reads.
const (
	AppSale     = "sale"
	AppStock    = "stock"
	AppMRP      = "mrp"
	AppPurchase = "purchase"
)

// Apps lists them in the order they are reported.
var Apps = []string{AppSale, AppStock, AppMRP, AppPurchase}

// appModels is each app's model a probe asks for when ir.module.module cannot be read.
var appModels = map[string]string{AppSale: "sale.order", AppStock: "stock.quant", AppMRP: "mrp.production", AppPurchase: "purchase.order"}

// Modules says which of the apps Sales Engine reads are installed in the database.
type Modules struct {
	Sale, Stock, MRP, Purchase bool
	// Probed: ir.module.module could not be read (the user lacks access to it), so each app's main model was
	// asked for instead (fields_get): a model that exists means its app is installed.
	Probed bool
}

// Has reports whether an app (AppSale, AppStock, AppMRP, AppPurchase) is installed.
func (m Modules) Has(app string) bool {
	switch app {
	case AppSale:
		return m.Sale
	case AppStock:
		return m.Stock
	case AppMRP:
		return m.MRP
	case AppPurchase:
		return m.Purchase
	}
	return false
}

func (m *Modules) set(app string, on bool) {
	switch app {
	case AppSale:
		m.Sale = on
	case AppStock:
		m.Stock = on
	case AppMRP:
		m.MRP = on
	case AppPurchase:
		m.Purchase = on
	}
}

// Installed lists the installed apps among Apps, in that order.
func (m Modules) Installed() []string { return m.filter(true) }

// Missing lists the apps among Apps that are not installed.
func (m Modules) Missing() []string { return m.filter(false) }

func (m Modules) filter(on bool) []string {
	var out []string
	for _, a := range Apps {
		if m.Has(a) == on {
			out = append(out, a)
		}
	}
	return out
}

// String is "sale, stock, mrp, purchase", "none" when none is installed.
func (m Modules) String() string {
	if in := m.Installed(); len(in) > 0 {
		return strings.Join(in, ", ")
	}
	return "none"
}

// installedStates are the states of a module whose models exist.
var installedStates = map[string]bool{"installed": true, "to upgrade": true, "to remove": true}

// ModulesMaxAge is how long Modules answers from its last reading: apps are installed or removed rarely, and
// asking on every pass made one call of an idle pass's six.
const ModulesMaxAge = time.Hour

// Modules finds which of Apps are installed: from ir.module.module (readable by every internal user unless a
// module such as access_apps takes that away), else by asking for each app's main model. One call when the
// modules can be read; a probe costs nothing for the models whose fields are cached already. The answer is kept
// for ModulesMaxAge, and until the client logs in again.
func (c *Client) Modules(ctx context.Context) (Modules, error) {
	c.mu.Lock()
	if c.mods != nil && time.Since(c.modsAt) < ModulesMaxAge {
		m := *c.mods
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	m, err := c.modules(ctx)
	if err == nil {
		c.mu.Lock()
		c.mods, c.modsAt = &m, time.Now()
		c.mu.Unlock()
	}
	return m, err
}

func (c *Client) modules(ctx context.Context) (Modules, error) {
	var m Modules
	rows, err := callDecode[[]struct {
		Name  jsonString `json:"name"`
		State jsonString `json:"state"`
	}](ctx, c, &call{model: "ir.module.module", method: "search_read", kwargs: map[string]any{
		"domain": In("name", Apps...), "fields": []string{"name", "state"}}}, callOpts{})
	if err == nil {
		for _, r := range rows {
			if installedStates[string(r.State)] {
				m.set(string(r.Name), true)
			}
		}
		return m, nil
	}
	var rpc *RPCError
	if !errors.As(err, &rpc) {
		return m, err
	}
	m.Probed = true
	for _, app := range Apps {
		_, err := c.FieldsGet(ctx, appModels[app])
		switch {
		case err == nil:
			m.set(app, true)
		case errors.As(err, &rpc) && rpc.IsUnknownModel():
		case errors.As(err, &rpc) && rpc.IsAccessError():
			m.set(app, true) // there, but not readable by this user: reading it will say so
		default:
			return m, err
		}
	}
	return m, nil
}

// IsUnknownModel reports an error saying the model does not exist: its app is not installed. JSON-RPC and
// XML-RPC say "Object X doesn't exist" (a UserError, fault 2); JSON-2 answers 404 "the model 'X' does not exist".
func (e *RPCError) IsUnknownModel() bool {
	msg := e.Message
	return strings.HasPrefix(msg, "Object ") && strings.HasSuffix(msg, " doesn't exist") ||
		strings.HasPrefix(msg, "the model '") && strings.HasSuffix(msg, "' does not exist")
}
