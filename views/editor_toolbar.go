package views

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
)

// makeFormatBar is the row of formatting buttons above the fields, with the status line.
// They act on the field that last had the focus (a tapped button takes the focus, so
// "focused" means "last").
func (e *Editor) makeFormatBar() fyne.CanvasObject {
	var bold, italic, under fyne.CanvasObject
	e.boldBtn, bold = textButton("B", fyne.TextStyle{Bold: true}, func() { e.formatField(e.current, app.BoldTags) })
	e.italicBtn, italic = textButton("I", fyne.TextStyle{Italic: true}, func() { e.formatField(e.current, app.ItalicTags) })
	e.underBtn, under = textButton("U", fyne.TextStyle{Underline: true}, func() { e.formatField(e.current, app.UnderlineTags) })
	e.colorBar = canvas.NewRectangle(parseHex(e.lastColor))
	e.colorBar.SetMinSize(fyne.NewSize(14, 3))
	colorBtn := widget.NewButton("", func() { e.formatField(e.current, app.ColorTags(e.lastColor)) })
	colorBtn.Importance = widget.LowImportance
	colorFace := container.NewStack(colorBtn, container.NewCenter(container.NewVBox(
		styledLetter("A", fyne.TextStyle{Bold: true}), e.colorBar)))
	pick := widget.NewButtonWithIcon("", theme.ColorPaletteIcon(), e.pickColor)
	pick.Importance = widget.LowImportance
	e.clearBtn = widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { e.clearFormatting(e.current) })
	e.clearBtn.Importance = widget.LowImportance
	e.attachBtn = widget.NewButtonWithIcon("", theme.MailAttachmentIcon(), e.PromptAttach)
	e.attachBtn.Importance = widget.LowImportance
	// the status line shares the row: the editor's height is scarce
	return container.NewBorder(nil, nil,
		container.NewHBox(bold, italic, under, colorFace, pick, e.clearBtn, widget.NewSeparator(), e.attachBtn), nil,
		e.status)
}

// textButton is a flat button showing a styled letter (Fyne has no bold/italic icons).
func textButton(label string, style fyne.TextStyle, fn func()) (*widget.Button, fyne.CanvasObject) {
	b := widget.NewButton("", fn)
	b.Importance = widget.LowImportance
	// the letter sits over the button and lets taps through to it
	return b, container.NewStack(b, container.NewCenter(styledLetter(label, style)))
}

// styledLetter is a themed piece of text (it follows light and dark mode).
func styledLetter(s string, style fyne.TextStyle) fyne.CanvasObject {
	return widget.NewRichText(&widget.TextSegment{Text: s, Style: widget.RichTextStyle{
		Inline: true, ColorName: theme.ColorNameForeground, SizeName: theme.SizeNameText, TextStyle: style}})
}

// fieldEntryAt is field i's input, or nil.
func (e *Editor) fieldEntryAt(i int) *fieldEntry {
	if i < 0 || i >= len(e.fents) {
		return nil
	}
	return e.fents[i]
}

// formatField wraps field i's selection in a pair of tags (or inserts the pair at the cursor).
func (e *Editor) formatField(i int, tags [2]string) {
	f := e.fieldEntryAt(i)
	if f == nil || f.Disabled() {
		return
	}
	start, end := entrySelection(&f.Entry)
	ed := app.WrapSelection(f.Text, start, end, tags)
	setEntryText(&f.Entry, ed.Text, ed.Cursor)
	e.focusField(i)
}

// clearFormatting strips the formatting tags from field i's selection.
func (e *Editor) clearFormatting(i int) {
	f := e.fieldEntryAt(i)
	if f == nil || f.Disabled() {
		return
	}
	start, end := entrySelection(&f.Entry)
	if start == end {
		e.status.SetText("Select the text whose formatting should go.")
		e.focusField(i)
		return
	}
	ed := app.ClearFormatting(f.Text, start, end)
	setEntryText(&f.Entry, ed.Text, ed.Cursor)
	e.focusField(i)
}

func (e *Editor) focusField(i int) {
	if f := e.fieldEntryAt(i); f != nil && e.win != nil {
		e.win.Canvas().Focus(f)
	}
}

// pickColor asks for a text colour, remembers it for F7 and the colour button, and applies it.
func (e *Editor) pickColor() {
	if e.win == nil {
		return
	}
	i := e.current
	d := dialog.NewColorPicker("Text Colour", "Colour the selected text", func(c color.Color) {
		e.setColor(hexColor(c))
		e.formatField(i, app.ColorTags(e.lastColor))
	}, e.win)
	d.Advanced = true
	d.SetColor(parseHex(e.lastColor))
	d.Show()
}

// setColor makes hex the colour of the colour button.
func (e *Editor) setColor(hex string) {
	e.lastColor = hex
	if e.colorBar != nil {
		e.colorBar.FillColor = parseHex(hex)
		e.colorBar.Refresh()
	}
}

// hexColor writes a colour as #rrggbb (Anki's <font color> form).
func hexColor(c color.Color) string {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return fmt.Sprintf("#%02x%02x%02x", n.R, n.G, n.B)
}

func parseHex(s string) color.Color {
	var r, g, b uint8
	if _, err := fmt.Sscanf(s, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return color.NRGBA{A: 0xff}
	}
	return color.NRGBA{R: r, G: g, B: b, A: 0xff}
}
