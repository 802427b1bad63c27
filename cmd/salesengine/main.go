// Command salesengine syncs sales from Odoo, delivers order webhooks, forecasts demand and plans production.
package main

func main() {}
