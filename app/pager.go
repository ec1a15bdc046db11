package app

import (
	"context"
	"sync"
)

// PageSize is how many rows the browser loads at a time.
const PageSize = 100

// maxPages bounds the rows kept in memory; pages far from the one being read are dropped first.
const maxPages = 40

// Pager holds one search result (ids in order) and loads the display rows a page at a time,
// so that a 100,000-card result costs one id list plus the pages actually looked at.
// It is safe for concurrent use: the table asks for rows on the UI goroutine and pages load
// in the background.
type Pager struct {
	svc  *Service
	Mode Mode
	ids  []int64

	mu      sync.Mutex
	pages   map[int][]Row
	loading map[int]bool
}

// NewPager makes a pager over a search result.
func (s *Service) NewPager(m Mode, ids []int64) *Pager {
	return &Pager{svc: s, Mode: m, ids: ids, pages: map[int][]Row{}, loading: map[int]bool{}}
}

// Len is the number of rows.
func (p *Pager) Len() int {
	if p == nil {
		return 0
	}
	return len(p.ids)
}

// IDs returns the result ids (do not modify).
func (p *Pager) IDs() []int64 {
	if p == nil {
		return nil
	}
	return p.ids
}

// ID returns the id at row i.
func (p *Pager) ID(i int) (int64, bool) {
	if p == nil || i < 0 || i >= len(p.ids) {
		return 0, false
	}
	return p.ids[i], true
}

// Index returns the row of id, or -1.
func (p *Pager) Index(id int64) int {
	if p == nil {
		return -1
	}
	for i, x := range p.ids {
		if x == id {
			return i
		}
	}
	return -1
}

// Row returns row i if its page is loaded. When it is not, needLoad says whether the caller
// should start loading page i/PageSize (it is not already loading).
func (p *Pager) Row(i int) (r Row, ok bool, needLoad bool) {
	if p == nil || i < 0 || i >= len(p.ids) {
		return Row{}, false, false
	}
	page := i / PageSize
	p.mu.Lock()
	defer p.mu.Unlock()
	if rows, ok := p.pages[page]; ok {
		return rows[i-page*PageSize], true, false
	}
	if p.loading[page] {
		return Row{}, false, false
	}
	p.loading[page] = true
	return Row{}, false, true
}

// LoadPage reads one page of rows (call it off the UI goroutine).
func (p *Pager) LoadPage(ctx context.Context, page int) error {
	start := page * PageSize
	if start < 0 || start >= len(p.ids) {
		return nil
	}
	end := min(start+PageSize, len(p.ids))
	rows, err := p.svc.LoadRows(ctx, p.Mode, p.ids[start:end])
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.loading, page)
	if err != nil {
		return err
	}
	p.pages[page] = rows
	if len(p.pages) > maxPages {
		far, farDist := -1, -1
		for k := range p.pages {
			if d := abs(k - page); d > farDist {
				far, farDist = k, d
			}
		}
		delete(p.pages, far)
	}
	return nil
}

// Invalidate drops the loaded rows (after an edit) so they load again.
func (p *Pager) Invalidate() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.pages = map[int][]Row{}
	p.loading = map[int]bool{}
	p.mu.Unlock()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
