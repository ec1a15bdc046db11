// Package gen builds realistic large collections for benchmarks and tests: nested decks,
// the stock note types, HTML and media references in fields, tags, a mix of new, learning
// and review cards, a review history and media files.
package gen

import (
	"context"
	"fmt"
	"math/rand/v2"

	"strings"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

// Options say how big a collection to build.
type Options struct {
	Notes int
	Media int
	Seed  int64
}

// Stats counts what was generated.
type Stats struct {
	Notes, Cards, Revlog, Decks, Media int
}

var words = strings.Fields(`time person year way day thing man world life hand part child eye woman place
work week case point government company number group problem fact water room mother area money story
month lot right study book job word business issue side kind head house service friend father power hour
game line end member law car city community name president team minute idea kid body information back
parent face others level office door health art war history party result change morning reason research
girl guy moment air teacher force education 日本語 勉強 学校 先生 天気 Straße Mädchen français été niño
corazón русский язык ελληνικά`)

func phrase(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String()
}

// field makes a field value of realistic size with occasional markup and media.
func field(r *rand.Rand, mediaN int) string {
	s := phrase(r, 2+r.IntN(12))
	switch r.IntN(10) {
	case 0:
		s = "<b>" + s + "</b>"
	case 1:
		s = s + "<br>" + phrase(r, 3+r.IntN(8))
	case 2:
		s = "<div>" + s + "</div>"
	}
	if mediaN > 0 && r.IntN(20) == 0 {
		if r.IntN(2) == 0 {
			s += fmt.Sprintf(`<img src="gen_%05d.jpg">`, r.IntN(mediaN))
		} else {
			s += fmt.Sprintf("[sound:gen_%05d.mp3]", r.IntN(mediaN))
		}
	}
	return s
}

func clozeText(r *rand.Rand) string {
	n := 1 + r.IntN(4)
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(phrase(r, 1+r.IntN(4)))
		fmt.Fprintf(&b, " {{c%d::%s}} ", i, phrase(r, 1+r.IntN(2)))
	}
	b.WriteString(phrase(r, 2))
	return b.String()
}

// Generate writes a new collection at path (which must not exist).
func Generate(ctx context.Context, path string, opt Options) (Stats, error) {
	var st Stats
	if opt.Notes < 0 || opt.Media < 0 {
		return st, fmt.Errorf("generate: counts must not be negative")
	}
	r := rand.New(rand.NewPCG(uint64(opt.Seed), 0x9e3779b97f4a7c15))
	col, err := collection.Create(ctx, path)
	if err != nil {
		return st, fmt.Errorf("generate: %w", err)
	}
	defer col.Close()
	basic, _ := col.NotetypeByName("Basic")
	reversed, _ := col.NotetypeByName("Basic (and reversed card)")
	cloze, _ := col.NotetypeByName("Cloze")
	if basic == nil || reversed == nil || cloze == nil {
		return st, fmt.Errorf("generate: stock note types missing")
	}
	tags := make([]string, 200)
	for i := range tags {
		tags[i] = fmt.Sprintf("%s::%s_%d", words[i%20], words[(i*7)%len(words)], i)
	}
	today := col.Timing().Today
	now := time.Now()
	const batch = 5000
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		for _, top := range []string{"Languages", "Science", "History", "Medicine"} {
			for _, mid := range []string{"Vocabulary", "Grammar", "Topics"} {
				for _, leaf := range []string{"Level 1", "Level 2"} {
					if _, err := tx.AddDeck(top + "::" + mid + "::" + leaf); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("generate decks: %w", err)
	}
	decks := col.Decks()
	var leafIDs []int64
	for _, d := range decks {
		if strings.Count(d.Name, "::") == 2 {
			leafIDs = append(leafIDs, d.ID)
		}
	}
	for done := 0; done < opt.Notes; done += batch {
		n := min(batch, opt.Notes-done)
		err := col.Transact(ctx, func(tx *collection.Tx) error {
			for i := 0; i < n; i++ {
				if err := ctx.Err(); err != nil {
					return err
				}
				var note *collection.Note
				var err error
				switch k := r.IntN(100); {
				case k < 20:
					note, err = tx.NewNote(basic.ID)
				case k < 75:
					note, err = tx.NewNote(reversed.ID)
				default:
					note, err = tx.NewNote(cloze.ID)
				}
				if err != nil {
					return err
				}
				if note.NotetypeID == cloze.ID {
					note.Fields[0] = clozeText(r)
					note.Fields[1] = field(r, opt.Media)
				} else {
					note.Fields[0] = field(r, opt.Media)
					note.Fields[1] = field(r, opt.Media)
				}
				for t := r.IntN(4); t > 0; t-- {
					note.Tags = append(note.Tags, tags[r.IntN(len(tags))])
				}
				if err := tx.AddNote(note, leafIDs[r.IntN(len(leafIDs))]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return st, fmt.Errorf("generate notes: %w", err)
		}
	}
	if err := schedule(ctx, col, r, today, now); err != nil {
		return st, err
	}
	if err := makeMedia(ctx, col, r, opt.Media); err != nil {
		return st, err
	}
	c, err := col.Counts(ctx)
	if err != nil {
		return st, err
	}
	return Stats{Notes: c.Notes, Cards: c.Cards, Revlog: c.Revlog, Decks: c.Decks, Media: c.Media}, nil
}

// schedule gives about half the cards a review history: learning, review and a few
// suspended or buried cards, with revlog rows that match their state.
func schedule(ctx context.Context, col *collection.Collection, r *rand.Rand, today int, now time.Time) error {
	return col.Transact(ctx, func(tx *collection.Tx) error {
		q := tx.Q()
		rows, err := q.QueryContext(ctx, "SELECT id FROM cards ORDER BY id")
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		upd, err := q.PrepareContext(ctx, `UPDATE cards SET type=?, queue=?, due=?, ivl=?, factor=?, reps=?, lapses=?,
			left=?, flags=?, mod=?, usn=-1 WHERE id=?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		rev, err := q.PrepareContext(ctx, `INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)
			VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer rev.Close()
		// Reviews are spread over the last year, so rated:/introduced: searches find some.
		yearMs := int64(365 * 24 * time.Hour / time.Millisecond)
		usedRev := map[int64]bool{}
		for _, id := range ids {
			k := r.IntN(100)
			if k < 45 {
				continue // new
			}
			var typ, queue, ivl, factor, reps, lapses, left, flags int
			var due int64
			switch {
			case k < 52:
				typ, queue, left = 1, 1, 2
				due = now.Unix() + int64(r.IntN(3600)) - 600
				reps = 1
			default:
				typ, queue = 2, 2
				ivl = 1 + r.IntN(200)
				due = int64(today - r.IntN(5) + r.IntN(ivl+1))
				factor = 1300 + r.IntN(1500)
				reps = 2 + r.IntN(10)
				lapses = r.IntN(3)
				if r.IntN(40) == 0 {
					queue = -1
				} else if r.IntN(80) == 0 {
					queue = -3
				}
			}
			if r.IntN(25) == 0 {
				flags = 1 + r.IntN(7)
			}
			if _, err := upd.ExecContext(ctx, typ, queue, due, ivl, factor, reps, lapses, left, flags, now.Unix(), id); err != nil {
				return err
			}
			for i := 0; i < reps; i++ {
				revID := now.UnixMilli() - r.Int64N(yearMs)
				for usedRev[revID] {
					revID++
				}
				usedRev[revID] = true
				ease := 3
				if r.IntN(6) == 0 {
					ease = 1
				}
				if _, err := rev.ExecContext(ctx, revID, id, ease, max(1, ivl*(i+1)/reps), max(0, ivl*i/reps),
					max(factor, 2500), 2000+r.IntN(15000), min(i, 1)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func makeMedia(ctx context.Context, col *collection.Collection, r *rand.Rand, n int) error {
	buf := make([]byte, 32<<10)
	for i := 0; i < n; i++ {
		size := 1024 + r.IntN(len(buf)-1024)
		for j := 0; j < size; j++ {
			buf[j] = byte(r.Uint32())
		}
		ext := ".jpg"
		if i%2 == 1 {
			ext = ".mp3"
		}
		if _, err := col.Media.AddData(ctx, fmt.Sprintf("gen_%05d%s", i, ext), buf[:size]); err != nil {
			return fmt.Errorf("generate media: %w", err)
		}
	}
	return nil
}
