package collection

import (
	"fmt"
	"strings"
)

// Helpers for sync (sync/colsync) that the raw API in raw.go lacks.

// SetCreated sets col.crt, the creation stamp a newer sync peer sends with its config.
func (tx *Tx) SetCreated(crt int64) error {
	if crt <= 0 {
		return fmt.Errorf("set creation time: %d", crt)
	}
	tx.c.crt = crt
	_, err := tx.tx.ExecContext(tx.ctx, "UPDATE col SET crt=? WHERE id=1", crt)
	return wrapDB("update col", err)
}

// PutSyncedNote is PutNote for a note received from a sync peer: tags the registry did not
// know are registered with tagUSN instead of -1, so that receiving a note never makes its
// tags look like local changes (Anki leaves the registry to the tags list of applyChanges).
func (tx *Tx) PutSyncedNote(n *Note, tagUSN int) error {
	var fresh []string
	for _, t := range n.Tags {
		name := ""
		for i, p := range strings.Split(t, "::") {
			if i == 0 {
				name = p
			} else {
				name += "::" + p
			}
			if _, ok := tx.c.findTag(name); !ok {
				fresh = append(fresh, name)
			}
		}
	}
	if err := tx.PutNote(n); err != nil {
		return err
	}
	for _, name := range fresh {
		if usn, ok := tx.c.tags[name]; ok && usn == -1 {
			tx.c.tags[name] = tagUSN
		}
	}
	return nil
}
