package app

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
)

// CardPreview is one card of a note rendered from its templates.
type CardPreview struct {
	CardID   int64
	Ord      int
	Name     string // card type name ("Card 1", "Cloze 2")
	Question string // HTML
	Answer   string // HTML
	CSS      string
	Empty    bool // Anki would show "empty front" / missing cloze
}

// PreviewNote renders every card of a note.
func (s *Service) PreviewNote(ctx context.Context, nid int64) ([]CardPreview, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	cards, err := col.CardsOfNote(ctx, nid)
	if err != nil {
		return nil, err
	}
	n, err := col.GetNote(ctx, nid)
	if err != nil {
		return nil, err
	}
	nm := names{notetypes: map[int64]*collection.Notetype{}}
	if nt := n.Notetype(); nt != nil {
		nm.notetypes[nt.ID] = nt
	}
	out := make([]CardPreview, 0, len(cards))
	for _, c := range cards {
		r, err := c.Render(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, CardPreview{CardID: c.ID, Ord: c.Ord, Name: nm.cardName(n.NotetypeID, c.Ord),
			Question: r.Question, Answer: r.Answer, CSS: r.CSS, Empty: r.QuestionEmpty})
	}
	return out, nil
}

var soundTag = regexp.MustCompile(`\[sound:([^\]]+)\]`)

// PageHTML is a complete HTML document for a card side, as Anki's reviewer would show it:
// the note type's CSS, the card inside <div class="card cardN">, media resolved against the
// media folder, [sound:x] as an audio control.
func PageHTML(p CardPreview, answer bool, mediaDir string) string {
	body := p.Question
	if answer {
		body = p.Answer
	}
	body = soundTag.ReplaceAllStringFunc(body, func(m string) string {
		name := html.UnescapeString(soundTag.FindStringSubmatch(m)[1])
		return `<audio controls src="` + html.EscapeString(url.PathEscape(name)) + `"></audio>`
	})
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html><head><meta charset=\"utf-8\">\n")
	if mediaDir != "" {
		u := url.URL{Scheme: "file", Path: filepath.ToSlash(mediaDir) + "/"}
		b.WriteString(`<base href="` + html.EscapeString(u.String()) + `">` + "\n")
	}
	fmt.Fprintf(&b, "<title>%s</title>\n<style>\n%s\n</style></head>\n", html.EscapeString(p.Name), p.CSS)
	fmt.Fprintf(&b, "<body><div class=\"card card%d\">\n%s\n</div></body></html>\n", p.Ord+1, body)
	return b.String()
}

// WritePreviewPage writes PageHTML to a new file in the temporary folder (written to a temp
// name, then renamed) and returns its path, for opening in the system browser.
func WritePreviewPage(p CardPreview, answer bool, mediaDir string) (string, error) {
	dir := filepath.Join(os.TempDir(), "deckhand-preview")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("preview page: %w", err)
	}
	side := "q"
	if answer {
		side = "a"
	}
	dst := filepath.Join(dir, fmt.Sprintf("card-%d-%s.html", p.CardID, side))
	tmp, err := os.CreateTemp(dir, ".page-*")
	if err != nil {
		return "", fmt.Errorf("preview page: %w", err)
	}
	if _, err := tmp.WriteString(PageHTML(p, answer, mediaDir)); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", fmt.Errorf("preview page: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("preview page: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("preview page: %w", err)
	}
	return dst, nil
}
