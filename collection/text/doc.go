// Package text holds the pure text helpers Anki applies to note fields: HTML stripping,
// entity decoding, the sort-field and checksum values, media references, AV tags and
// diacritic folding. Each function mirrors the behaviour of Anki's rslib/src/text.rs
// (and the crates it uses), including its quirks, because values such as csum are
// compared across applications.
package text
