package app

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection/media"
	"github.com/deckhand-app/deckhand/collection/text"
)

// MediaReport is Tools > Check Media's result.
type MediaReport struct {
	media.CheckReport
	Notes int // notes scanned
}

// Lines is the report as Anki words it: missing files with their notes, unused files, renames.
func (r MediaReport) Lines() []string {
	var out []string
	missing := make([]string, 0, len(r.Missing))
	for name := range r.Missing {
		missing = append(missing, name)
	}
	sort.Strings(missing)
	out = append(out, fmt.Sprintf("Missing files: %d", len(missing)))
	for _, name := range missing {
		out = append(out, fmt.Sprintf("  %s (used by %d %s)", name, len(r.Missing[name]), plural(len(r.Missing[name]), "note", "notes")))
	}
	out = append(out, fmt.Sprintf("Unused files: %d", len(r.Unused)))
	for _, name := range r.Unused {
		out = append(out, "  "+name)
	}
	if len(r.Renamed) > 0 {
		out = append(out, fmt.Sprintf("Renamed files: %d", len(r.Renamed)))
		old := make([]string, 0, len(r.Renamed))
		for k := range r.Renamed {
			old = append(old, k)
		}
		sort.Strings(old)
		for _, k := range old {
			out = append(out, "  "+k+" → "+r.Renamed[k])
		}
	}
	if len(missing) == 0 && len(r.Unused) == 0 && len(r.Renamed) == 0 {
		out = append(out, "No unused or missing files found.")
	}
	return out
}

// CheckMedia compares the media folder with the files the notes refer to.
func (s *Service) CheckMedia(ctx context.Context, progress Progress) (MediaReport, error) {
	col, err := s.c()
	if err != nil {
		return MediaReport{}, err
	}
	if col.Media == nil {
		return MediaReport{}, fmt.Errorf("check media: the collection has no media folder")
	}
	total, _ := col.Scalar(ctx, "SELECT count() FROM notes")
	refs := map[string][]int64{}
	var rep MediaReport
	err = col.Iterate(ctx, "SELECT id, flds FROM notes", nil, func(row []any) error {
		rep.Notes++
		if progress != nil && rep.Notes%1000 == 0 {
			progress(rep.Notes, int(i64(total)), "Checking media…")
		}
		nid := i64(row[0])
		var flds string
		switch v := row[1].(type) {
		case string:
			flds = v
		case []byte:
			flds = string(v)
		}
		seen := map[string]bool{}
		for _, f := range strings.Split(flds, "\x1f") {
			for _, name := range text.MediaRefs(f) {
				if !seen[name] {
					seen[name] = true
					refs[name] = append(refs[name], nid)
				}
			}
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("check media: %w", err)
	}
	cr, err := col.Media.Check(ctx, refs)
	if err != nil {
		return rep, err
	}
	rep.CheckReport = cr
	if progress != nil {
		progress(1, 1, "Done")
	}
	return rep, nil
}
