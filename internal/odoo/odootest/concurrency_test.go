package odootest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"
)

// TestPollWhileMutating runs clients over all three transports while the data changes (meaningful under
// -race): every answer must stay well-formed.
func TestPollWhileMutating(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Version: "19", Seed: 12, Data: smallData()})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 30; i++ {
			if _, err := s.SimulateActivity(5, time.Minute); err != nil {
				t.Error(err)
				return
			}
		}
		close(stop)
	}()
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				switch w {
				case 0:
					env := kw(t, s, "sale.order.line", "search_read", []any{[]any{[]any{"write_date", ">=", "2025-12-01 00:00:00"}}},
						map[string]any{"fields": []any{"write_date", "order_id"}, "limit": 200, "order": "write_date asc, id asc"})
					if _, bad := env["error"]; bad {
						t.Error(env["error"])
						return
					}
				case 1:
					body := xmlPost(t, s, "object", xmlCallBody("execute_kw", xs("odoo"), xi("2"), xs("admin"), xs("stock.quant"), xs("search_count"),
						"<array><data><value><array><data></data></array></value></data></array>", "<struct></struct>"))
					if _, code, msg := decodeResponse(t, body); code != 0 {
						t.Error(msg)
						return
					}
				case 2:
					status, _, b := json2(t, s, "product.product/search_read", `{"fields": ["qty_available"], "limit": 50}`, nil)
					var v []map[string]any
					if status != 200 || json.Unmarshal(b, &v) != nil {
						t.Errorf("JSON-2 %d %s", status, b)
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
}
