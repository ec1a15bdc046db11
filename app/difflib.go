package app

import "sort"

// A sequence matcher over runes with the behaviour of Python's difflib.SequenceMatcher (no
// junk function, autojunk on), which Anki's type-answer comparison uses through the Rust
// difflib crate: longest matching blocks found recursively, then turned into edit opcodes.

type matchBlock struct{ a, b, n int }

type opcode struct {
	tag            byte // 'e'qual, 'r'eplace, 'd'elete, 'i'nsert
	i1, i2, j1, j2 int
}

type matcher struct {
	a, b []rune
	b2j  map[rune][]int
}

func newMatcher(a, b []rune) *matcher {
	m := &matcher{a: a, b: b, b2j: map[rune][]int{}}
	for j, r := range b {
		m.b2j[r] = append(m.b2j[r], j)
	}
	// autojunk: in long sequences, elements more frequent than 1% are not used to start matches
	if n := len(b); n >= 200 {
		limit := n/100 + 1
		for r, js := range m.b2j {
			if len(js) > limit {
				delete(m.b2j, r)
			}
		}
	}
	return m
}

// longest finds the longest matching block in a[alo:ahi] and b[blo:bhi], the earliest in a,
// then in b, among equals.
func (m *matcher) longest(alo, ahi, blo, bhi int) matchBlock {
	besti, bestj, bestn := alo, blo, 0
	j2len := map[int]int{}
	for i := alo; i < ahi; i++ {
		next := map[int]int{}
		for _, j := range m.b2j[m.a[i]] {
			if j < blo {
				continue
			}
			if j >= bhi {
				break
			}
			k := j2len[j-1] + 1
			next[j] = k
			if k > bestn {
				besti, bestj, bestn = i-k+1, j-k+1, k
			}
		}
		j2len = next
	}
	// extend over elements that could not start a match (popular ones)
	for besti > alo && bestj > blo && m.a[besti-1] == m.b[bestj-1] {
		besti, bestj, bestn = besti-1, bestj-1, bestn+1
	}
	for besti+bestn < ahi && bestj+bestn < bhi && m.a[besti+bestn] == m.b[bestj+bestn] {
		bestn++
	}
	return matchBlock{besti, bestj, bestn}
}

func (m *matcher) blocks() []matchBlock {
	type span struct{ alo, ahi, blo, bhi int }
	queue := []span{{0, len(m.a), 0, len(m.b)}}
	var found []matchBlock
	for len(queue) > 0 {
		s := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		x := m.longest(s.alo, s.ahi, s.blo, s.bhi)
		if x.n == 0 {
			continue
		}
		found = append(found, x)
		if s.alo < x.a && s.blo < x.b {
			queue = append(queue, span{s.alo, x.a, s.blo, x.b})
		}
		if x.a+x.n < s.ahi && x.b+x.n < s.bhi {
			queue = append(queue, span{x.a + x.n, s.ahi, x.b + x.n, s.bhi})
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].a != found[j].a {
			return found[i].a < found[j].a
		}
		return found[i].b < found[j].b
	})
	// merge adjacent blocks
	var out []matchBlock
	for _, x := range found {
		if k := len(out) - 1; k >= 0 && out[k].a+out[k].n == x.a && out[k].b+out[k].n == x.b {
			out[k].n += x.n
			continue
		}
		out = append(out, x)
	}
	return append(out, matchBlock{len(m.a), len(m.b), 0})
}

// opcodes describes how to turn a into b.
func opcodes(a, b []rune) []opcode {
	m := newMatcher(a, b)
	var out []opcode
	i, j := 0, 0
	for _, x := range m.blocks() {
		var tag byte
		switch {
		case i < x.a && j < x.b:
			tag = 'r'
		case i < x.a:
			tag = 'd'
		case j < x.b:
			tag = 'i'
		}
		if tag != 0 {
			out = append(out, opcode{tag, i, x.a, j, x.b})
		}
		i, j = x.a+x.n, x.b+x.n
		if x.n > 0 {
			out = append(out, opcode{'e', x.a, i, x.b, j})
		}
	}
	return out
}
