package media

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deckhand-app/deckhand/collection/medianame"
)

// Adopt records in the media database a file that an importer has already moved into the
// folder (after staging it outside, so that a failed import leaves the folder untouched),
// with its known SHA-1, marking it for the next media sync.
func (f *Folder) Adopt(ctx context.Context, name, sha1hex string) error {
	if !medianame.IsSafe(name) {
		return fmt.Errorf("adopt media %q: not a plain file name", name)
	}
	if err := medianame.CheckSHA1Hex(sha1hex); err != nil {
		return fmt.Errorf("adopt media %q: %w", name, err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, name)); err != nil {
		return fmt.Errorf("adopt media %q: %w", name, err)
	}
	return f.record(ctx, name, sha1hex)
}
