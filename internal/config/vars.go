package config

// Vars is every configuration variable Sales Engine reads. The README's configuration table and
// .env.example list exactly these (a test checks it).
var Vars = []Var{
	{Name: "DATABASE_URL", Flag: "--database-url", Secret: true, Default: "",
		Help: "Where data lives: postgres://user:pass@host:5432/db (or postgresql://) for PostgreSQL; sqlite:PATH, file:PATH or a plain path for SQLite. Empty: SQLite file salesengine.db in the working directory (unless DB_HOST is set)."},
	{Name: "DB_HOST", Help: "PostgreSQL host, for users of the previous system; used only when DATABASE_URL is unset."},
	{Name: "DB_PORT", Default: "5432", Help: "PostgreSQL port (with DB_HOST)."},
	{Name: "DB_NAME", Default: "postgres", Help: "PostgreSQL database name (with DB_HOST)."},
	{Name: "DB_USER", Default: "postgres", Help: "PostgreSQL user (with DB_HOST)."},
	{Name: "DB_PASSWORD", Secret: true, Help: "PostgreSQL password (with DB_HOST)."},
	{Name: "DB_SSLMODE", Default: "prefer", Help: "PostgreSQL sslmode (with DB_HOST): disable, prefer, require, verify-full."},
	{Name: "SALESENGINE_ENCRYPTION_KEY", Aliases: []string{"POLLER_ENCRYPTION_KEY"}, Secret: true,
		Help: "Fernet key(s) that encrypt Odoo API keys and webhook secrets at rest. Comma-separated list to rotate: the first encrypts, all decrypt. Make one with 'salesengine key generate'. Also read as POLLER_ENCRYPTION_KEY."},
	{Name: "ODOO_URL", Help: "Single-Odoo setup (previous system): URL of an Odoo that becomes the connection named 'default'."},
	{Name: "ODOO_DB", Help: "Database of the 'default' connection."},
	{Name: "ODOO_USERNAME", Help: "Login of the 'default' connection."},
	{Name: "ODOO_PASSWORD", Secret: true, Help: "Password or API key of the 'default' connection."},
	{Name: "ODOO_PROD_URL", Help: "Same as ODOO_URL (previous system's production name); ODOO_URL wins when both are set."},
	{Name: "ODOO_PROD_DB", Help: "Same as ODOO_DB, production name."},
	{Name: "ODOO_PROD_USERNAME", Help: "Same as ODOO_USERNAME, production name."},
	{Name: "ODOO_PROD_PASSWORD", Secret: true, Help: "Same as ODOO_PASSWORD, production name."},
	{Name: "USE_TEST_ODOO", Default: "false", Help: "true: the 'default' connection uses the ODOO_TEST_* settings instead."},
	{Name: "ODOO_TEST_URL", Help: "URL of the test Odoo (with USE_TEST_ODOO=true)."},
	{Name: "ODOO_TEST_DB", Help: "Database of the test Odoo."},
	{Name: "ODOO_TEST_USERNAME", Help: "Login of the test Odoo."},
	{Name: "ODOO_TEST_PASSWORD", Secret: true, Help: "Password or API key of the test Odoo."},
	{Name: "POLLER_DEFAULT_WEBHOOK_URL", Help: "Webhook URL given to new connections (and to 'default') when none is given."},
	{Name: "SALESENGINE_WEBHOOK_ALLOW_PRIVATE", Default: "false", Help: "true lets webhooks reach private, loopback and link-local addresses (local development, the demo, tests). Off by default so a webhook URL cannot be aimed at internal services."},
	{Name: "SALESENGINE_LOG_LEVEL", Flag: "--log-level", Default: "info", Help: "Log level: debug, info, warn, error."},
	{Name: "SALESENGINE_LOG_FORMAT", Flag: "--log-format", Default: "text", Help: "Log format: text or json (one JSON object per line, for log collectors)."},
}
