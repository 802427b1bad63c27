package odootest

import (
	"slices"
	"sort"
	"sync"
)

// table holds one model's records sorted by id, plus an index sorted by (write_date, id) so that the
// incremental-sync queries (write_date >= C order write_date, id) do not sort the whole table per page.
type table struct {
	rows   []rec // sorted by id
	nextID int64

	idxMu   sync.Mutex // guards byWD and touched against concurrent readers rebuilding the index
	byWD    []rec      // sorted by (write_date, id); nil = rebuild
	touched map[rec]struct{}
}

func wdLess(a, b rec) int {
	ta, tb := a.recWD(), b.recWD()
	if c := ta.Compare(tb); c != 0 {
		return c
	}
	switch ai, bi := a.recID(), b.recID(); {
	case ai < bi:
		return -1
	case ai > bi:
		return 1
	}
	return 0
}

// newID reserves the next id.
func (t *table) newID() int64 {
	t.nextID++
	return t.nextID
}

// add appends a record whose id is larger than every stored id (ids only grow, as PostgreSQL sequences do).
func (t *table) add(r rec) {
	if n := len(t.rows); n > 0 && t.rows[n-1].recID() >= r.recID() {
		panic("odootest: ids must grow")
	}
	if r.recID() > t.nextID {
		t.nextID = r.recID()
	}
	t.rows = append(t.rows, r)
	t.idxMu.Lock()
	if t.byWD != nil {
		if t.touched == nil {
			t.touched = map[rec]struct{}{}
		}
		t.touched[r] = struct{}{}
	}
	t.idxMu.Unlock()
}

// pos returns the index of id in rows, or -1.
func (t *table) pos(id int64) int {
	i := sort.Search(len(t.rows), func(i int) bool { return t.rows[i].recID() >= id })
	if i < len(t.rows) && t.rows[i].recID() == id {
		return i
	}
	return -1
}

func (t *table) get(id int64) rec {
	if i := t.pos(id); i >= 0 {
		return t.rows[i]
	}
	return nil
}

// remove deletes a record (unlink).
func (t *table) remove(id int64) bool {
	i := t.pos(id)
	if i < 0 {
		return false
	}
	t.rows = slices.Delete(t.rows, i, i+1)
	t.idxMu.Lock()
	t.byWD = nil
	t.touched = nil
	t.idxMu.Unlock()
	return true
}

// touch must be called (under the server's write lock) before or after a record's write_date changes.
func (t *table) touch(r rec) {
	t.idxMu.Lock()
	if t.byWD != nil {
		if t.touched == nil {
			t.touched = map[rec]struct{}{}
		}
		t.touched[r] = struct{}{}
	}
	t.idxMu.Unlock()
}

// wdIndex returns the records sorted by (write_date, id), rebuilding what mutations made stale: drop the
// touched records (one pass), sort them, merge them back. O(n + k log k) for k touched records.
func (t *table) wdIndex() []rec {
	t.idxMu.Lock()
	defer t.idxMu.Unlock()
	if t.byWD == nil {
		idx := slices.Clone(t.rows)
		slices.SortFunc(idx, wdLess)
		t.byWD = idx
		t.touched = nil
		return idx
	}
	if len(t.touched) == 0 {
		return t.byWD
	}
	moved := make([]rec, 0, len(t.touched))
	for r := range t.touched {
		moved = append(moved, r)
	}
	slices.SortFunc(moved, wdLess)
	kept := make([]rec, 0, len(t.byWD))
	for _, r := range t.byWD {
		if _, ok := t.touched[r]; !ok {
			kept = append(kept, r)
		}
	}
	merged := make([]rec, 0, len(kept)+len(moved))
	i, j := 0, 0
	for i < len(kept) && j < len(moved) {
		if wdLess(kept[i], moved[j]) <= 0 {
			merged = append(merged, kept[i])
			i++
		} else {
			merged = append(merged, moved[j])
			j++
		}
	}
	merged = append(merged, kept[i:]...)
	merged = append(merged, moved[j:]...)
	t.byWD = merged
	t.touched = nil
	return merged
}
