package connections

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/salesengine/salesengine/internal/odoo"
	"github.com/salesengine/salesengine/internal/store"
	"github.com/salesengine/salesengine/internal/webhook"
)

// ClientOptions tune the Odoo clients a Manager builds.
type ClientOptions struct {
	Timeout time.Duration
	// Retries of a call on transient faults (unreachable, 429, 5xx); 0: the client's default, <0: none.
	Retries int
	Logger  *slog.Logger
}

// ModelCheck is whether the API user can read one model the sync needs.
type ModelCheck struct {
	Model string `json:"model"`
	Count int64  `json:"count"`
	Error string `json:"error,omitempty"`
}

// TestReport is what `connections test` found.
type TestReport struct {
	Connection    string       `json:"connection"`
	OK            bool         `json:"ok"`
	LoginError    string       `json:"login_error,omitempty"`
	ServerVersion string       `json:"server_version,omitempty"`
	Protocol      string       `json:"protocol,omitempty"`
	Companies     []string     `json:"companies,omitempty"`
	Models        []ModelCheck `json:"models,omitempty"`
	// Modules are the apps found installed; SupplyModels the optional models the sync reads where their app is
	// installed: the stock history (stock.move, for stock-outs) with stock, and the manufacturing and purchasing
	// models where mrp or purchase is (one the user cannot read is reported but fails nothing: the sync skips it).
	Modules      *ModulesReport `json:"modules,omitempty"`
	SupplyModels []ModelCheck   `json:"supply_models,omitempty"`
	Webhook      *WebhookTest   `json:"webhook,omitempty"`
}

// ModulesReport says which of the apps Sales Engine reads (sale, stock, mrp, purchase) are installed.
type ModulesReport struct {
	Installed []string `json:"installed"`
	Missing   []string `json:"missing,omitempty"`
	// Probed: ir.module.module was not readable; the apps were found by asking for their models.
	Probed bool   `json:"probed,omitempty"`
	Error  string `json:"error,omitempty"`
}

// WebhookTest is the outcome of sending a signed test event.
type WebhookTest struct {
	URL       string `json:"url"`
	Delivered bool   `json:"delivered"`
	Status    int    `json:"status,omitempty"`
	Error     string `json:"error,omitempty"`
}

// RequiredModels are the models a sync reads.
var RequiredModels = []string{"sale.order", "sale.order.line", "product.product", "res.company"}

// Test logs in, checks read access to every model the sync needs and, when the connection has a webhook URL,
// sends it a signed test event. A failure is reported, not returned: the error is for what prevents testing.
func (m *Manager) Test(ctx context.Context, c *store.Connection, opts TestOptions) (*TestReport, error) {
	rep := &TestReport{Connection: c.Name, OK: true}
	client, err := m.Client(c, ClientOptions{Timeout: opts.Timeout, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	sess, err := client.Login(ctx)
	if err != nil {
		rep.OK, rep.LoginError = false, err.Error()
	} else {
		rep.ServerVersion, rep.Protocol = sess.Version.String(), string(sess.Protocol)
		for _, co := range sess.Companies {
			rep.Companies = append(rep.Companies, co.Name)
		}
		for _, model := range RequiredModels {
			mc := modelCheck(ctx, client, model)
			rep.OK = rep.OK && mc.Error == ""
			rep.Models = append(rep.Models, mc)
		}
		testModules(ctx, client, rep)
		v := rep.ServerVersion
		if v != c.ServerVersion {
			_, _ = m.Store.ConnectionUpdate(ctx, &store.ConnectionUpdateParams{ID: c.ID, ServerVersion: &v})
		}
	}
	if c.WebhookURL != "" {
		rep.Webhook = m.testWebhook(ctx, c, opts)
		if !rep.Webhook.Delivered {
			rep.OK = false
		}
	}
	return rep, nil
}

// SupplyModels are what the sync reads where mrp or purchase is installed, by app.
var SupplyModels = map[string][]string{
	odoo.AppMRP:      {"mrp.production", "mrp.bom", "mrp.bom.line"},
	odoo.AppPurchase: {"purchase.order.line", "product.supplierinfo"},
	odoo.AppStock:    {"stock.warehouse.orderpoint"},
}

// StockHistoryModel is the stock history the sync reads where the stock app is installed (stock-outs).
const StockHistoryModel = "stock.move"

// modelCheck counts a model's records, which says whether the API user can read it.
func modelCheck(ctx context.Context, client *odoo.Client, model string) ModelCheck {
	n, err := client.SearchCount(ctx, model, odoo.Domain{})
	mc := ModelCheck{Model: model, Count: n}
	if err != nil {
		mc.Error = err.Error()
	}
	return mc
}

// testModules finds the installed apps and checks read access to the optional models of those installed: the
// stock history where stock is, the manufacturing and purchasing models where mrp or purchase is.
func testModules(ctx context.Context, client *odoo.Client, rep *TestReport) {
	mods, err := client.Modules(ctx)
	if err != nil {
		rep.Modules, rep.OK = &ModulesReport{Error: err.Error()}, false
		return
	}
	rep.Modules = &ModulesReport{Installed: mods.Installed(), Missing: mods.Missing(), Probed: mods.Probed}
	if mods.Has(odoo.AppStock) {
		rep.SupplyModels = append(rep.SupplyModels, modelCheck(ctx, client, StockHistoryModel))
	}
	if !mods.MRP && !mods.Purchase {
		return
	}
	for _, app := range odoo.Apps {
		if !mods.Has(app) {
			continue
		}
		for _, model := range SupplyModels[app] {
			rep.SupplyModels = append(rep.SupplyModels, modelCheck(ctx, client, model))
		}
	}
}

// TestOptions tune Test.
type TestOptions struct {
	Timeout      time.Duration
	Logger       *slog.Logger
	AllowPrivate bool // SALESENGINE_WEBHOOK_ALLOW_PRIVATE
}

func (m *Manager) testWebhook(ctx context.Context, c *store.Connection, opts TestOptions) *WebhookTest {
	wt := &WebhookTest{URL: c.WebhookURL}
	secrets, err := m.WebhookSecrets(c)
	if err != nil {
		wt.Error = err.Error()
		return wt
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	now := time.Now().UTC()
	body, _ := json.Marshal(map[string]any{"type": "connection.test", "timestamp": now.Format(time.RFC3339),
		"data": map[string]any{"connection": map[string]any{"id": c.ID, "name": c.Name}}})
	sender := webhook.NewSender(webhook.SenderConfig{Timeout: opts.Timeout, AllowPrivate: opts.AllowPrivate})
	out := sender.Send(ctx, webhook.SendParams{URL: c.WebhookURL, ID: "evt_test_" + hex.EncodeToString(b[:]),
		Timestamp: now, Body: body, Secrets: secrets})
	wt.Status = out.Status
	wt.Delivered = out.Kind == webhook.OutcomeDelivered
	if !wt.Delivered && out.Err != nil {
		wt.Error = out.Err.Error()
	}
	return wt
}
