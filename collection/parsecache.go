package collection

import (
	"sync"

	"github.com/deckhand-app/deckhand/collection/template"
)

// parseCache keeps parsed templates so that adding many notes parses each template once.
type parseCache struct {
	mu sync.Mutex
	m  map[parsedKey]parseResult
}

type parseResult struct {
	t   *template.Template
	err error
}

func newParseCache() *parseCache { return &parseCache{m: map[parsedKey]parseResult{}} }

func (p *parseCache) get(k parsedKey) (*template.Template, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.m[k]; ok {
		return r.t, r.err
	}
	if len(p.m) > 4096 {
		p.m = map[parsedKey]parseResult{} // edits leave stale keys behind; start over
	}
	t, err := template.Parse(k.qfmt)
	p.m[k] = parseResult{t, err}
	return t, err
}
