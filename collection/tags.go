package collection

import (
	"context"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
)

var tagFold = cases.Fold()

// splitTags splits a notes.tags value (space separated, usually space padded).
func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\u3000' || unicode.IsSpace(r) })
}

// joinTags formats tags for notes.tags the way Anki does in schema 11: " a b " (or "").
func joinTags(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return " " + strings.Join(tags, " ") + " "
}

// normalizeTag cleans one tag: no empty "::" levels, no separators inside.
func normalizeTag(t string) string {
	parts := strings.Split(t, "::")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "::")
}

// canonicalTags normalises, de-duplicates case-insensitively (keeping the case a tag already
// has in the collection), sorts, and registers the tags, like Anki's canonify_tags.
func (tx *Tx) canonicalTags(tags []string) []string {
	var words []string
	for _, t := range tags {
		words = append(words, splitTags(t)...)
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(words))
	for _, w := range words {
		w = normalizeTag(w)
		if w == "" {
			continue
		}
		w = tx.registerTag(w)
		key := tagFold.String(w)
		if !seen[key] {
			seen[key] = true
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return tagFold.String(out[i]) < tagFold.String(out[j]) })
	return out
}

// registerTag adds a tag and its parents to the registry and returns it in the case the
// registry already uses for each level.
func (tx *Tx) registerTag(tag string) string {
	c := tx.c
	parts := strings.Split(tag, "::")
	prefix := ""
	for i, p := range parts {
		name := p
		if i > 0 {
			name = prefix + "::" + p
		}
		if existing, ok := c.findTag(name); ok {
			prefix = existing
			continue
		}
		c.tags[name] = -1
		tx.colDirty = true
		prefix = name
	}
	return prefix
}

func (c *Collection) findTag(name string) (string, bool) {
	if _, ok := c.tags[name]; ok {
		return name, true
	}
	key := tagFold.String(name)
	for t := range c.tags {
		if tagFold.String(t) == key {
			return t, true
		}
	}
	return "", false
}

// AllTags lists the registered tags, sorted.
func (c *Collection) AllTags() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.tags))
	for t := range c.tags {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return tagFold.String(out[i]) < tagFold.String(out[j]) })
	return out
}

// editTags applies edit to the tags of each note and saves the notes that changed.
func (tx *Tx) editTags(nids []int64, edit func([]string) []string) (int, error) {
	changed := 0
	for _, nid := range nids {
		n, err := tx.GetNote(nid)
		if err != nil {
			return changed, err
		}
		before := joinTags(n.Tags)
		n.Tags = tx.canonicalTags(edit(n.Tags))
		if joinTags(n.Tags) == before {
			continue
		}
		n.Mod, n.USN = tx.now.Unix(), -1
		if _, err := tx.tx.ExecContext(tx.ctx, "UPDATE notes SET tags=?, mod=?, usn=-1 WHERE id=?",
			joinTags(n.Tags), n.Mod, nid); err != nil {
			return changed, wrapDB("update tags", err)
		}
		tx.fireNoteUpdated(n)
		changed++
	}
	return changed, nil
}

// AddTags adds space-separated tags to notes; it returns how many notes changed.
func (c *Collection) AddTags(ctx context.Context, nids []int64, tags string) (int, error) {
	var n int
	err := c.TransactUndoable(ctx, "Add Tags", func(tx *Tx) error {
		var err error
		n, err = tx.editTags(nids, func(t []string) []string { return append(t, splitTags(tags)...) })
		return err
	})
	return n, err
}

// RemoveTags removes space-separated tags (case-insensitive) from notes.
func (c *Collection) RemoveTags(ctx context.Context, nids []int64, tags string) (int, error) {
	remove := map[string]bool{}
	for _, t := range splitTags(tags) {
		remove[tagFold.String(normalizeTag(t))] = true
	}
	var n int
	err := c.TransactUndoable(ctx, "Remove Tags", func(tx *Tx) error {
		var err error
		n, err = tx.editTags(nids, func(ts []string) []string {
			out := ts[:0:0]
			for _, t := range ts {
				if !remove[tagFold.String(t)] {
					out = append(out, t)
				}
			}
			return out
		})
		return err
	})
	return n, err
}

// RenameTag renames a tag and all its children ("a" → "b" turns "a::x" into "b::x") on every
// note; it returns how many notes changed.
func (c *Collection) RenameTag(ctx context.Context, oldTag, newTag string) (int, error) {
	oldTag, newTag = normalizeTag(oldTag), normalizeTag(newTag)
	if oldTag == "" || newTag == "" || strings.ContainsAny(newTag, " \u3000") {
		return 0, errInvalidTag(newTag)
	}
	oldKey := tagFold.String(oldTag)
	var n int
	err := c.TransactUndoable(ctx, "Rename Tag", func(tx *Tx) error {
		nids, err := tx.idsWhere("SELECT id FROM notes WHERE tags LIKE ? ESCAPE '\\'", "% "+escapeLike(oldTag)+"%")
		if err != nil {
			return err
		}
		n, err = tx.editTags(nids, func(ts []string) []string {
			out := make([]string, len(ts))
			for i, t := range ts {
				k := tagFold.String(t)
				switch {
				case k == oldKey:
					t = newTag
				case strings.HasPrefix(k, oldKey+"::"):
					t = newTag + t[len(oldTag):]
				}
				out[i] = t
			}
			return out
		})
		if err != nil {
			return err
		}
		for t := range c.tags {
			k := tagFold.String(t)
			if k == oldKey || strings.HasPrefix(k, oldKey+"::") {
				delete(c.tags, t)
				tx.colDirty = true
			}
		}
		return tx.rebuildTagRegistry(false)
	})
	return n, err
}

type errInvalidTag string

func (e errInvalidTag) Error() string { return "invalid tag name " + `"` + string(e) + `"` }

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// ClearUnusedTags removes registered tags no note uses; it returns how many went.
func (c *Collection) ClearUnusedTags(ctx context.Context) (int, error) {
	var removed int
	err := c.TransactUndoable(ctx, "Clear Unused Tags", func(tx *Tx) error {
		before := len(c.tags)
		if err := tx.rebuildTagRegistry(true); err != nil {
			return err
		}
		removed = before - len(c.tags)
		return nil
	})
	return removed, err
}

// rebuildTagRegistry registers every tag in use; with prune it first forgets all tags.
func (tx *Tx) rebuildTagRegistry(prune bool) error {
	c := tx.c
	old := c.tags
	if prune {
		c.tags = map[string]int{}
		tx.colDirty = true
	}
	rows, err := tx.tx.QueryContext(tx.ctx, "SELECT DISTINCT tags FROM notes WHERE tags != ''")
	if err != nil {
		return wrapDB("read tags", err)
	}
	var all []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return wrapDB("read tags", err)
		}
		all = append(all, splitTags(s)...)
	}
	rows.Close()
	for _, t := range all {
		if t = normalizeTag(t); t != "" {
			tx.registerTag(t)
		}
	}
	// Keep the usn of tags that survived, so unchanged tags are not re-sent on sync.
	for t := range c.tags {
		if u, ok := old[t]; ok {
			c.tags[t] = u
		}
	}
	return nil
}
