package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/deckhand-app/deckhand/collection"
)

// OpenOrCreate opens the collection at path, creating a new one there when the file does
// not exist yet (first run).
func OpenOrCreate(ctx context.Context, path string) (*collection.Collection, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		col, err := collection.Create(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("create collection: %w", err)
		}
		return col, nil
	}
	return collection.Open(ctx, path)
}
