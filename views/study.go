package views

import (
	"context"
	"fmt"
	"image/color"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection/sched"
)

// StudyScreen is Anki's reviewer: the card's question, Show Answer (Space), then the answer
// and the four ease buttons with their next intervals (1–4), the remaining counts with the
// current card's queue underlined, a type-in-the-answer box, and the review keys (e edit,
// * mark, - / = bury, @ / ! suspend, u undo, r replay, Ctrl+1…7 flags). When the deck is
// done it shows the congratulations screen.
type StudyScreen struct {
	Content fyne.CanvasObject

	svc *app.Service
	run *runner
	win fyne.Window
	a   fyne.App

	study       *app.Study
	card        *app.StudyCard
	answerShown bool
	busy        bool // an answer or action is being saved: keys wait
	typed       string

	deck       *widget.Label
	counts     [3]*canvas.Text
	flag       *canvas.Rectangle
	mark       *widget.Label
	Text       *widget.RichText
	TypeEntry  *widget.Entry
	typeBox    *fyne.Container
	showBtn    *widget.Button
	easeBtns   [4]*widget.Button
	easeLabels [4]*widget.Label
	easeRow    *fyne.Container
	bottom     *fyne.Container
	cardView   *fyne.Container
	congrats   *fyne.Container
	congText   *widget.Label
	congHead   *widget.Label
	unbury     *widget.Button
	message    *widget.Label

	// OnExit is called when the user leaves the study screen (Decks, s, Escape).
	OnExit func()
	// OnChanged is called after the collection changed (deck counts need a refresh).
	OnChanged func()
}

// EaseNames are the answer buttons, Again to Easy.
var EaseNames = [4]string{"Again", "Hard", "Good", "Easy"}

func newStudyScreen(a fyne.App, svc *app.Service, run *runner, win fyne.Window) *StudyScreen {
	s := &StudyScreen{a: a, svc: svc, run: run, win: win, Text: widget.NewRichText()}
	s.Text.Wrapping = fyne.TextWrapWord
	s.deck = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.deck.Truncation = fyne.TextTruncateEllipsis
	var countObjs []fyne.CanvasObject
	for i, name := range []fyne.ThemeColorName{ColorNameNewCount, ColorNameLearnCount, ColorNameDueCount} {
		s.counts[i] = canvas.NewText("0", theme.Color(name))
		s.counts[i].TextStyle.Bold = true
		s.counts[i].TextSize = theme.TextSize() * 1.15
		if i > 0 {
			plus := canvas.NewText("+", theme.Color(theme.ColorNameForeground))
			plus.TextSize = s.counts[i].TextSize
			countObjs = append(countObjs, plus)
		}
		countObjs = append(countObjs, s.counts[i])
	}
	s.flag = canvas.NewRectangle(color.Transparent)
	s.flag.SetMinSize(fyne.NewSize(14, 14))
	s.flag.CornerRadius = 3
	s.mark = widget.NewLabel("")
	back := widget.NewButtonWithIcon("Decks", theme.NavigateBackIcon(), s.Exit)
	back.Importance = widget.LowImportance
	top := container.NewBorder(nil, nil, back,
		container.NewHBox(s.mark, container.NewCenter(s.flag), container.NewHBox(countObjs...)), s.deck)

	s.TypeEntry = widget.NewEntry()
	s.TypeEntry.SetPlaceHolder("Type the answer, then press Enter")
	s.TypeEntry.OnSubmitted = func(string) { s.ShowAnswer() }
	s.typeBox = container.NewCenter(container.NewGridWrap(fyne.NewSize(420, s.TypeEntry.MinSize().Height), s.TypeEntry))
	s.typeBox.Hide()

	s.showBtn = widget.NewButton("Show Answer", s.ShowAnswer)
	s.showBtn.Importance = widget.HighImportance
	var cells []fyne.CanvasObject
	imps := [4]widget.Importance{widget.DangerImportance, widget.MediumImportance, widget.SuccessImportance, widget.HighImportance}
	for i := range 4 {
		ease := i + 1
		s.easeLabels[i] = widget.NewLabel("")
		s.easeLabels[i].Alignment = fyne.TextAlignCenter
		s.easeBtns[i] = widget.NewButton(fmt.Sprintf("%s (%d)", EaseNames[i], ease), func() { s.Answer(ease) })
		s.easeBtns[i].Importance = imps[i]
		cells = append(cells, container.NewVBox(s.easeLabels[i], s.easeBtns[i]))
	}
	s.easeRow = container.NewGridWithColumns(4, cells...)
	s.easeRow.Hide()
	edit := widget.NewButtonWithIcon("Edit (E)", theme.DocumentCreateIcon(), s.EditNote)
	more := widget.NewButtonWithIcon("More (M)", theme.MoreVerticalIcon(), nil)
	more.OnTapped = func() {
		c := s.win.Canvas()
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(more)
		widget.ShowPopUpMenuAtPosition(s.moreMenu(), c, pos.Add(fyne.NewPos(0, -260)))
	}
	middle := container.NewStack(container.NewCenter(container.NewGridWrap(fyne.NewSize(260, s.showBtn.MinSize().Height*1.3), s.showBtn)),
		container.NewCenter(container.NewGridWrap(fyne.NewSize(560, s.easeRow.MinSize().Height), s.easeRow)))
	s.bottom = container.NewBorder(nil, nil, container.NewCenter(edit), container.NewCenter(more), middle)

	s.message = widget.NewLabel("")
	s.message.Alignment = fyne.TextAlignCenter
	s.message.Hide()
	pad := container.NewPadded
	s.cardView = container.NewBorder(nil, container.NewVBox(s.message, widget.NewSeparator(), pad(s.bottom)), nil, nil,
		container.NewVScroll(pad(container.NewVBox(s.Text, s.typeBox))))

	heading := widget.NewLabelWithStyle("Congratulations! You have finished this deck for now.", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	heading.Wrapping = fyne.TextWrapWord
	s.congHead = heading
	s.congText = widget.NewLabel("")
	s.congText.Wrapping = fyne.TextWrapWord
	s.congText.Alignment = fyne.TextAlignCenter
	s.unbury = widget.NewButton("Unbury", s.Unbury)
	decks := widget.NewButtonWithIcon("Back to Decks", theme.NavigateBackIcon(), s.Exit)
	decks.Importance = widget.HighImportance
	s.congrats = container.NewBorder(container.NewVBox(layout.NewSpacer(), heading), nil, nil, nil,
		container.NewVBox(container.NewGridWrap(fyne.NewSize(620, 0)), s.congText,
			container.NewCenter(container.NewHBox(s.unbury, decks))))
	s.congrats.Hide()

	body := container.NewStack(s.cardView, container.NewCenter(container.NewGridWrap(fyne.NewSize(640, 420), s.congrats)))
	s.Content = container.NewBorder(container.NewVBox(pad(top), widget.NewSeparator()), nil, nil, nil, body)
	return s
}

// Start studies a deck (0: the current deck).
func (s *StudyScreen) Start(deckID int64) {
	s.card, s.study, s.answerShown, s.busy = nil, nil, false, true
	s.Text.Segments = nil
	s.Text.Refresh()
	s.run.Go(func() func() {
		ctx := context.Background()
		st, err := s.svc.StartStudy(ctx, deckID)
		var card *app.StudyCard
		if err == nil {
			card, err = st.Next(ctx)
		}
		return func() {
			s.busy = false
			if err != nil {
				s.fail(err)
				return
			}
			s.study = st
			s.deck.SetText(s.deckName(deckID))
			s.setCard(card)
		}
	})
}

func (s *StudyScreen) deckName(id int64) string {
	if s.study != nil {
		id = s.study.DeckID
	}
	n, _ := s.svc.DeckName(id)
	return n
}

// Card is the card shown (nil on the congratulations screen).
func (s *StudyScreen) Card() *app.StudyCard { return s.card }

// AnswerShown reports whether the answer side is shown.
func (s *StudyScreen) AnswerShown() bool { return s.answerShown }

// Finished reports whether the congratulations screen is shown.
func (s *StudyScreen) Finished() bool { return s.congrats.Visible() }

// CongratsText is the congratulations screen's text, heading first (tests).
func (s *StudyScreen) CongratsText() string { return s.congHead.Text + "\n\n" + s.congText.Text }

// Message is the last notice ("Card buried.", errors).
func (s *StudyScreen) Message() string {
	if !s.message.Visible() {
		return ""
	}
	return s.message.Text
}

// CountsText reads the counts as "new+learn+review" (tests).
func (s *StudyScreen) CountsText() string {
	return s.counts[0].Text + "+" + s.counts[1].Text + "+" + s.counts[2].Text
}

// EaseLabels are the intervals above the ease buttons.
func (s *StudyScreen) EaseLabels() [4]string {
	var out [4]string
	for i, l := range s.easeLabels {
		out[i] = l.Text
	}
	return out
}

func (s *StudyScreen) fail(err error) {
	s.say(err.Error())
}

func (s *StudyScreen) say(msg string) {
	s.message.SetText(msg)
	if msg == "" {
		s.message.Hide()
	} else {
		s.message.Show()
	}
}

func (s *StudyScreen) setCard(c *app.StudyCard) {
	s.card, s.answerShown, s.typed = c, false, ""
	if c == nil {
		s.showCongrats()
		return
	}
	s.congrats.Hide()
	s.cardView.Show()
	s.setCounts(c.Counts, c.Kind)
	s.setFlag(c.Flag)
	if c.Marked {
		s.mark.SetText("★")
	} else {
		s.mark.SetText("")
	}
	if c.DeckName != "" {
		s.deck.SetText(c.DeckName)
	}
	s.render(c.Question, c.CSS)
	s.TypeEntry.SetText("")
	if c.Type.Active() {
		s.TypeEntry.Enable()
		s.typeBox.Show()
		s.win.Canvas().Focus(s.TypeEntry)
	} else {
		s.typeBox.Hide()
		s.win.Canvas().Unfocus()
	}
	for i, l := range s.easeLabels {
		l.SetText(c.Intervals[i])
	}
	s.easeRow.Hide()
	s.showBtn.Show()
}

func (s *StudyScreen) setCounts(c sched.Counts, kind sched.QueueKind) {
	vals := [3]int{c.New, c.Learning, c.Review}
	cur := map[sched.QueueKind]int{sched.KindNew: 0, sched.KindLearn: 1, sched.KindDayLearn: 1, sched.KindReview: 2}[kind]
	names := [3]fyne.ThemeColorName{ColorNameNewCount, ColorNameLearnCount, ColorNameDueCount}
	for i, t := range s.counts {
		t.Text = fmt.Sprint(vals[i])
		t.TextStyle.Underline = s.card != nil && i == cur
		t.Color = theme.Color(names[i])
		t.Refresh()
	}
}

func (s *StudyScreen) setFlag(flag int) {
	if flag >= 1 && flag <= 7 {
		c := NewTheme(nil).Color(FlagColorName(flag), fyne.CurrentApp().Settings().ThemeVariant())
		if n, ok := c.(color.NRGBA); ok {
			n.A = 0xff
			c = n
		}
		s.flag.FillColor = c
	} else {
		s.flag.FillColor = color.Transparent
	}
	s.flag.Refresh()
}

var soundRef = regexp.MustCompile(`\[sound:([^\]]+)\]`)

func (s *StudyScreen) render(html, css string) {
	s.Text.Segments = HTMLToSegments(html, HTMLOptions{MediaDir: s.svc.MediaDir(), CSS: css, OnPlay: s.play})
	s.Text.Refresh()
}

// play opens a sound with the system's player (Anki's card audio comes in many formats).
func (s *StudyScreen) play(name string) {
	media := s.svc.MediaDir()
	if media == "" || s.a == nil {
		return
	}
	if u, err := url.Parse(storage.NewFileURI(filepath.Join(media, name)).String()); err == nil {
		_ = s.a.OpenURL(u)
	}
}

// Replay plays the first sound of the side shown (r).
func (s *StudyScreen) Replay() {
	if s.card == nil {
		return
	}
	side := s.card.Question
	if s.answerShown {
		side = s.card.AnswerHTML(s.typed)
	}
	if m := soundRef.FindStringSubmatch(side); m != nil {
		s.play(m[1])
	}
}

// ShowAnswer reveals the answer (Space / Enter), comparing a typed answer.
func (s *StudyScreen) ShowAnswer() {
	if s.card == nil || s.answerShown || s.busy {
		return
	}
	s.answerShown = true
	s.typed = s.TypeEntry.Text
	s.render(s.card.AnswerHTML(s.typed), s.card.CSS)
	s.typeBox.Hide()
	s.win.Canvas().Unfocus()
	s.showBtn.Hide()
	s.easeRow.Show()
	s.say("")
}

// Answer grades the card (1 Again … 4 Easy) and shows the next one.
func (s *StudyScreen) Answer(ease int) {
	if !s.answerShown || ease < 1 || ease > 4 {
		return
	}
	s.advance(func(ctx context.Context, st *app.Study) (string, error) {
		leech, err := st.Answer(ctx, ease)
		if leech {
			return "The card was a leech: it was tagged leech (and suspended if the options say so).", err
		}
		return "", err
	})
}

func (s *StudyScreen) changed() {
	if s.OnChanged != nil {
		s.OnChanged()
	}
}

// Undo reverts the newest change (Ctrl+Z, u): the last answer comes back as the card shown,
// as in Anki; anything else done since (a bury, a flag, an edit) is undone first and study
// goes on with the next card.
func (s *StudyScreen) Undo() { s.undoRedo(false) }

// Redo re-applies the change undone last (Ctrl+Shift+Z, Ctrl+Y) and goes on with the next card.
func (s *StudyScreen) Redo() { s.undoRedo(true) }

func (s *StudyScreen) undoRedo(redo bool) {
	if s.study == nil || s.busy {
		return
	}
	if !redo && !s.study.CanUndo() && s.svc.UndoLabel() == "" {
		s.say("Nothing to undo.")
		return
	}
	if redo && s.svc.RedoLabel() == "" {
		s.say("Nothing to redo.")
		return
	}
	s.busy = true
	st := s.study
	s.run.Go(func() func() {
		ctx := context.Background()
		var card *app.StudyCard
		var label string
		var err error
		if redo {
			card, label, err = st.RedoLast(ctx)
		} else {
			card, label, err = st.UndoLast(ctx)
		}
		return func() {
			s.busy = false
			if err != nil {
				s.fail(err)
				return
			}
			s.setCard(card)
			switch {
			case redo:
				s.say("Redone: " + label + ".")
			case label == "Answer Card":
				s.say("Answer undone.")
			default:
				s.say("Undone: " + label + ".")
			}
			s.changed()
		}
	})
}

// act runs a card action that removes the card from today's study, then shows the next.
func (s *StudyScreen) act(done string, fn func(ctx context.Context, st *app.Study) error) {
	s.advance(func(ctx context.Context, st *app.Study) (string, error) { return done, fn(ctx, st) })
}

// advance runs fn off the UI goroutine, then shows the next card and fn's message.
func (s *StudyScreen) advance(fn func(ctx context.Context, st *app.Study) (string, error)) {
	if s.card == nil || s.busy {
		return
	}
	s.proceed(fn)
}

// proceed runs fn off the UI goroutine, then shows the next card (or the congratulations
// screen) and fn's message.
func (s *StudyScreen) proceed(fn func(ctx context.Context, st *app.Study) (string, error)) {
	s.busy = true
	st := s.study
	s.run.Go(func() func() {
		ctx := context.Background()
		msg, err := fn(ctx, st)
		var next *app.StudyCard
		if err == nil {
			next, err = st.Next(ctx)
		}
		return func() {
			s.busy = false
			if err != nil {
				s.fail(err)
				return
			}
			s.setCard(next)
			s.say(msg)
			s.changed()
		}
	})
}

// BuryCard buries the card until tomorrow (-).
func (s *StudyScreen) BuryCard() {
	s.act("Card buried.", func(ctx context.Context, st *app.Study) error { return st.BuryCard(ctx) })
}

// BuryNote buries the note's cards (=).
func (s *StudyScreen) BuryNote() {
	s.act("Note buried.", func(ctx context.Context, st *app.Study) error { return st.BuryNote(ctx) })
}

// SuspendCard suspends the card (@).
func (s *StudyScreen) SuspendCard() {
	s.act("Card suspended.", func(ctx context.Context, st *app.Study) error { return st.SuspendCard(ctx) })
}

// SuspendNote suspends the note's cards (!).
func (s *StudyScreen) SuspendNote() {
	s.act("Note suspended.", func(ctx context.Context, st *app.Study) error { return st.SuspendNote(ctx) })
}

// ToggleFlag sets or clears a flag on the card (Ctrl+1…7).
func (s *StudyScreen) ToggleFlag(flag int) {
	if s.card == nil || s.busy {
		return
	}
	st := s.study
	s.run.Go(func() func() {
		f, err := st.ToggleFlag(context.Background(), flag)
		return func() {
			if err != nil {
				s.fail(err)
				return
			}
			s.setFlag(f)
		}
	})
}

// ToggleMark marks or unmarks the note (*).
func (s *StudyScreen) ToggleMark() {
	if s.card == nil || s.busy {
		return
	}
	st := s.study
	s.run.Go(func() func() {
		marked, err := st.ToggleMark(context.Background())
		return func() {
			if err != nil {
				s.fail(err)
				return
			}
			if marked {
				s.mark.SetText("★")
			} else {
				s.mark.SetText("")
			}
		}
	})
}

// EditNote edits the card's note in a dialog (e); the card is shown again afterwards.
func (s *StudyScreen) EditNote() {
	if s.card == nil {
		return
	}
	ed := newEditor(s.svc, s.run, s.win)
	d := dialog.NewCustom("Edit Note", "Close", ed.Content, s.win)
	d.SetOnClosed(func() {
		ed.Flush()
		s.reload()
	})
	d.Resize(fyne.NewSize(720, 520))
	d.Show()
	// Loading the note fills the editor's widgets when it finishes: start it only once the
	// dialog is laid out, so nothing here measures those widgets while they are being filled
	// (Fyne's test driver applies results on the worker goroutine).
	ed.ShowNote(s.card.NoteID)
}

func (s *StudyScreen) reload() {
	if s.card == nil {
		return
	}
	st, answer := s.study, s.answerShown
	s.run.Go(func() func() {
		card, err := st.Reload(context.Background())
		return func() {
			if err != nil {
				s.fail(err)
				return
			}
			typed := s.typed
			s.setCard(card)
			if answer {
				s.TypeEntry.SetText(typed)
				s.ShowAnswer()
			}
		}
	})
}

// Unbury restores the deck's buried cards and studies on (congratulations screen).
func (s *StudyScreen) Unbury() {
	if s.study == nil || s.busy {
		return
	}
	s.proceed(func(ctx context.Context, st *app.Study) (string, error) { return "", st.Unbury(ctx) })
}

func (s *StudyScreen) showCongrats() {
	s.cardView.Hide()
	s.typeBox.Hide()
	s.setCounts(sched.Counts{}, sched.KindNew)
	s.setFlag(0)
	s.mark.SetText("")
	s.congText.SetText("")
	s.unbury.Hide()
	s.congrats.Show()
	st := s.study
	if st == nil {
		return
	}
	s.run.Go(func() func() {
		cg, err := st.Congrats(context.Background())
		return func() {
			if err != nil {
				s.congText.SetText(err.Error())
				return
			}
			// the first line is the heading
			s.congText.SetText(strings.Join(cg.Lines()[1:], "\n\n"))
			if cg.Buried > 0 {
				s.unbury.Show()
			} else {
				s.unbury.Hide()
			}
		}
	})
}

// Exit leaves the study screen.
func (s *StudyScreen) Exit() {
	s.win.Canvas().Unfocus()
	if s.OnExit != nil {
		s.OnExit()
	}
}

func (s *StudyScreen) moreMenu() *fyne.Menu {
	flags := make([]*fyne.MenuItem, 0, 8)
	for i, n := range FlagNames {
		flag := i + 1
		flags = append(flags, fyne.NewMenuItem(fmt.Sprintf("%s (Ctrl+%d)", n, flag), func() { s.ToggleFlag(flag) }))
	}
	flag := fyne.NewMenuItem("Flag Card", nil)
	flag.ChildMenu = fyne.NewMenu("", flags...)
	return fyne.NewMenu("",
		flag,
		fyne.NewMenuItem("Bury Card (-)", s.BuryCard),
		fyne.NewMenuItem("Bury Note (=)", s.BuryNote),
		fyne.NewMenuItem("Suspend Card (@)", s.SuspendCard),
		fyne.NewMenuItem("Suspend Note (!)", s.SuspendNote),
		fyne.NewMenuItem("Toggle Mark (*)", s.ToggleMark),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Edit Note (E)", s.EditNote),
		fyne.NewMenuItem("Replay Audio (R)", s.Replay),
		fyne.NewMenuItem("Undo (Ctrl+Z)", s.Undo),
	)
}

// TypedKey handles Space/Enter and Escape (the canvas passes keys when nothing has focus).
func (s *StudyScreen) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeySpace, fyne.KeyReturn, fyne.KeyEnter:
		if s.answerShown {
			s.Answer(3) // Anki: after the reveal, Space/Enter is Good
		} else {
			s.ShowAnswer()
		}
	case fyne.KeyEscape:
		s.Exit()
	case fyne.KeyF5:
		s.Replay()
	}
}

// TypedRune handles the reviewer's single-key shortcuts.
func (s *StudyScreen) TypedRune(r rune) {
	switch r {
	case '1', '2', '3', '4':
		s.Answer(int(r - '0'))
	case 'e', 'E':
		s.EditNote()
	case '*':
		s.ToggleMark()
	case '-':
		s.BuryCard()
	case '=':
		s.BuryNote()
	case '@':
		s.SuspendCard()
	case '!':
		s.SuspendNote()
	case 'u', 'U':
		s.Undo()
	case 'r', 'R':
		s.Replay()
	case 's', 'S':
		s.Exit()
	case 'm', 'M':
		if s.card != nil {
			widget.ShowPopUpMenuAtPosition(s.moreMenu(), s.win.Canvas(), fyne.NewPos(s.win.Canvas().Size().Width-260, s.win.Canvas().Size().Height-320))
		}
	}
}
