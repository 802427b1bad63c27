package odoo

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestDomainEncoding(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 1, 15, 10, 0, 0, 999, time.FixedZone("CET", 3600))
	tests := []struct {
		d    Domain
		want string
	}{
		{Domain{}, `[]`},
		{Eq("state", "sale"), `[["state","=","sale"]]`},
		{And(), `[]`},
		{And(Eq("a", 1)), `[["a","=",1]]`},
		{And(Eq("a", 1), Domain{}, Ne("b", nil)), `["&",["a","=",1],["b","!=",false]]`},
		{And(Eq("a", 1), Eq("b", 2), Eq("c", 3)), `["&","&",["a","=",1],["b","=",2],["c","=",3]]`},
		{Or(In("state", "sale", "done"), Not(Eq("locked", true))), `["|",["state","in",["sale","done"]],"!",["locked","=",true]]`},
		{And(Or(Eq("a", 1), Eq("b", 2)), Gte("write_date", ts)), `["&","|",["a","=",1],["b","=",2],["write_date",">=","2026-01-15 09:00:00"]]`},
		{Cond("order_id.state", "not in", []string{"cancel"}), `[["order_id.state","not in",["cancel"]]]`},
		{ILike("name", `x" ] , ["id","!=",0`), `[["name","ilike","x\" ] , [\"id\",\"!=\",0"]]`},
		{In[int64]("id"), `[["id","in",[]]]`},
		{And(In("order_id", int64(3), -4, 1<<62), NotIn("id", int64(7))), `["&",["order_id","in",[3,-4,4611686018427387904]],["id","not in",[7]]]`},
	}
	for _, tt := range tests {
		b, err := tt.d.MarshalJSON()
		if err != nil || string(b) != tt.want {
			t.Errorf("got %s, %v; want %s", b, err, tt.want)
		}
	}
}

func TestDomainErrors(t *testing.T) {
	t.Parallel()
	bad := []Domain{
		Cond("state", "== 1 or 1", "x"),
		Eq("", 1),
		Eq("a..b", 1),
		Eq("a b", 1),
		Eq(".a", 1),
		Eq("a'", 1),
		Eq("a", math.NaN()),
		Eq("a", struct{}{}),
		Eq("a", []any{1}),
		Cond("a", "in", 1),
		In("a", []any{1}),
		Not(Domain{}),
		And(Eq("a", 1), Eq("", 2)),
		Or(Eq("a", 1), Not(Domain{})),
		Eq("a", uint64(math.MaxUint64)),
	}
	for i, d := range bad {
		if d.Err() == nil {
			t.Errorf("%d: no error", i)
		}
		if _, err := json.Marshal(d); err == nil {
			t.Errorf("%d: marshalled despite error", i)
		}
		if !strings.HasPrefix(d.Err().Error(), "odoo: domain") {
			t.Errorf("%d: error %q lacks context", i, d.Err())
		}
	}
}
