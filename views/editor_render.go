package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Each field's input is its HTML source; a field can also show its rendering below the
// source (the eye button or Ctrl+Shift+X, Anki's HTML-editor toggle the other way round),
// with the same HTML → RichText conversion the card preview uses.

// fieldView is the widgets of one field besides its input.
type fieldView struct {
	rendered *widget.RichText
	frame    fyne.CanvasObject // rendered, with a background, hidden until toggled
	toggle   *widget.Button
}

func (e *Editor) newFieldView(i int) *fieldView {
	v := &fieldView{rendered: widget.NewRichText()}
	v.rendered.Wrapping = fyne.TextWrapWord
	// a bar on the left, like a quotation, tells the rendering from an input
	bar := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	bar.SetMinSize(fyne.NewSize(3, 0))
	v.frame = container.NewBorder(nil, nil, bar, nil, v.rendered)
	v.frame.Hide()
	v.toggle = widget.NewButtonWithIcon("", theme.VisibilityIcon(), func() { e.ToggleRendered(i) })
	v.toggle.Importance = widget.LowImportance
	return v
}

// ToggleRendered shows or hides field i's rendering.
func (e *Editor) ToggleRendered(i int) {
	if i < 0 || i >= len(e.views) {
		return
	}
	v := e.views[i]
	if v.frame.Visible() {
		v.frame.Hide()
		v.toggle.SetIcon(theme.VisibilityIcon())
	} else {
		v.frame.Show()
		v.toggle.SetIcon(theme.VisibilityOffIcon())
		e.renderField(i)
	}
	e.fields.Refresh()
	e.focusField(i)
}

// RenderedShown reports whether field i shows its rendering (tests).
func (e *Editor) RenderedShown(i int) bool {
	return i >= 0 && i < len(e.views) && e.views[i].frame.Visible()
}

// Rendered is field i's rendering (tests).
func (e *Editor) Rendered(i int) *widget.RichText {
	if i < 0 || i >= len(e.views) {
		return nil
	}
	return e.views[i].rendered
}

// renderField redraws field i's rendering when it is shown.
func (e *Editor) renderField(i int) {
	if i < 0 || i >= len(e.views) || i >= len(e.fents) || !e.views[i].frame.Visible() {
		return
	}
	v := e.views[i]
	v.rendered.Segments = HTMLToSegments(e.fents[i].Text, HTMLOptions{MediaDir: e.svc.MediaDir()})
	v.rendered.Refresh()
}
