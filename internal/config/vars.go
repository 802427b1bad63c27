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
	{Name: "SALESENGINE_LOG_LEVEL", Flag: "--log-level", Default: "info", Help: "Log level: debug, info, warn, error."},
	{Name: "SALESENGINE_LOG_FORMAT", Flag: "--log-format", Default: "text", Help: "Log format: text or json (one JSON object per line, for log collectors)."},
}
