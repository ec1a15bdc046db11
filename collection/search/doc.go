// Package search turns Anki's search syntax into SQL over a schema-11 collection.
//
// Parse builds a syntax tree with Anki 25.09's grammar (rslib/src/search/parser.rs);
// SQL turns a query into one SELECT of card or note ids with Anki's semantics
// (rslib/src/search/sqlwriter.rs). Deck, note type and preset names live as JSON in
// the col table in schema 11, so the caller resolves them and passes them in a
// Context; name-based terms become id lists here. The SQL calls a few Go functions
// (regular expressions, accent folding, card data JSON) that this package
// registers with modernc.org/sqlite in init, under names starting with "dhs_".
package search
