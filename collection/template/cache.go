package template

import "sync"

// Cards of one note type share a handful of templates, so rendering keeps the
// parsed forms. Parsed templates are never mutated, so sharing them is safe.
const parseCacheLimit = 512

var parseCache struct {
	sync.Mutex
	m map[string]*Template
}

// parseCached is Parse with a bounded cache (errors are not cached).
func parseCached(src string) (*Template, error) {
	parseCache.Lock()
	t, ok := parseCache.m[src]
	parseCache.Unlock()
	if ok {
		return t, nil
	}
	t, err := Parse(src)
	if err != nil {
		return nil, err
	}
	parseCache.Lock()
	if parseCache.m == nil || len(parseCache.m) >= parseCacheLimit {
		parseCache.m = make(map[string]*Template, 64)
	}
	parseCache.m[src] = t
	parseCache.Unlock()
	return t, nil
}
