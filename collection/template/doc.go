// Package template implements Anki's card template language: parsing, card
// generation rules (which templates produce cards, the legacy "req" cache), cloze
// deletions and rendering of both card sides with Anki's exact HTML output,
// following rslib's template.rs, template_filters.rs, cloze.rs and latex.rs.
package template
