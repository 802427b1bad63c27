package plan

import (
	"fmt"
	"slices"
	"strings"
)

// Component is one line of a bill of materials: PerUnit units of SKU go into each unit of the parent.
type Component struct {
	SKU     string
	PerUnit float64 // quantity of the component per unit of the parent (the BoM line's quantity / the BoM's quantity), >= 0
}

// edge is a BoM line between two inputs, by index: child goes into each unit of the parent perUnit times.
type edge struct {
	child   int
	perUnit float64
}

// bomEdges resolves every input's components to indexes, adding up the lines of one BoM that name the same
// component (Odoo allows that) and skipping zero quantities (as Odoo's MRP does). A component that is not an
// input, or a negative or unusable quantity, is an error naming both SKUs.
func bomEdges(inputs []NetInput, index map[string]int) ([][]edge, error) {
	edges := make([][]edge, len(inputs))
	for i := range inputs {
		in := &inputs[i]
		for _, c := range in.Components {
			if !usable(c.PerUnit) || c.PerUnit < 0 {
				return nil, fmt.Errorf("plan: SKU %q: component %q: quantity per unit %g is not usable (want a finite number from 0 to %g)", in.SKU, c.SKU, c.PerUnit, MaxQuantity)
			}
			j, ok := index[c.SKU]
			if !ok {
				return nil, fmt.Errorf("plan: SKU %q: component %q is not in the input (every component needs its own input, even without sales)", in.SKU, c.SKU)
			}
			if c.PerUnit == 0 {
				continue
			}
			if k := slices.IndexFunc(edges[i], func(e edge) bool { return e.child == j }); k >= 0 {
				edges[i][k].perUnit += c.PerUnit
				continue
			}
			edges[i] = append(edges[i], edge{child: j, perUnit: c.PerUnit})
		}
	}
	return edges, nil
}

// lowLevelCodes returns each input's low-level code (0 for a product no BoM uses; otherwise one more than the
// highest code of the products whose BoMs use it) and the planning order: by low-level code, then input order,
// so every parent is planned before its components and a component's demand is complete when it is planned.
// A cycle (a product that is, through its BoMs, its own component) is an error naming the products, found by
// Kahn's algorithm: the products left with unplanned parents when no product is left to plan.
func lowLevelCodes(edges [][]edge, sku func(int) string) (order, level []int, err error) {
	n := len(edges)
	parents := make([]int32, n)
	for _, es := range edges {
		for _, e := range es {
			parents[e.child]++
		}
	}
	level = make([]int, n)
	queue := make([]int, 0, n)
	for i, p := range parents {
		if p == 0 {
			queue = append(queue, i)
		}
	}
	for head := 0; head < len(queue); head++ {
		i := queue[head]
		for _, e := range edges[i] {
			level[e.child] = max(level[e.child], level[i]+1)
			if parents[e.child]--; parents[e.child] == 0 {
				queue = append(queue, e.child)
			}
		}
	}
	if len(queue) < n {
		return nil, nil, cycleError(edges, parents, sku)
	}
	// Counting sort by level keeps input order within a level.
	maxLevel := 0
	for _, l := range level {
		maxLevel = max(maxLevel, l)
	}
	start := make([]int, maxLevel+2)
	for _, l := range level {
		start[l+1]++
	}
	for l := 1; l < len(start); l++ {
		start[l] += start[l-1]
	}
	order = make([]int, n)
	for i, l := range level {
		order[start[l]] = i
		start[l]++
	}
	return order, level, nil
}

// cycleError names one cycle among the products Kahn's algorithm could not plan (left[i] > 0: some parent is
// unplanned). Each of them has an unplanned parent, so walking up from any of them repeats a product within n
// steps; the products between the two visits form the cycle.
func cycleError(edges [][]edge, left []int32, sku func(int) string) error {
	parentOf := make(map[int]int)
	start := -1
	for p, es := range edges {
		if left[p] == 0 {
			continue
		}
		for _, e := range es {
			if left[e.child] > 0 {
				if _, seen := parentOf[e.child]; !seen {
					parentOf[e.child] = p
				}
				start = e.child
			}
		}
	}
	seenAt := map[int]int{}
	var path []int
	for i := start; ; i = parentOf[i] {
		if k, ok := seenAt[i]; ok {
			path = path[k:]
			break
		}
		seenAt[i] = len(path)
		path = append(path, i)
	}
	// path walks from components up to parents; name it parent first, closing the loop.
	names := make([]string, 0, len(path)+1)
	for k := len(path) - 1; k >= 0; k-- {
		names = append(names, fmt.Sprintf("%q", sku(path[k])))
	}
	names = append(names, names[0])
	return fmt.Errorf("plan: bill of materials cycle: %s (each uses the next as a component); fix the BoMs in Odoo", strings.Join(names, " -> "))
}
