// Command deckhand-cli works on Deckhand/Anki collections without the GUI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
)

const usage = `usage: deckhand-cli [--col PATH] COMMAND [ARGS]

Commands:
  init PATH                         create a new, empty collection at PATH
  info [--json]                     count notes, cards, decks, note types, reviews, media
  decks                             print the deck tree with new / learning / due counts
  add --deck D --type T --field NAME=VALUE... [--tags "a b"]
                                    add a note (the deck is created when missing)
  check [--json]                    check the database and repair what Anki repairs
  gen --notes N --media M OUT       generate a realistic large collection at OUT
  due [--deck D] [--json]           today's new / learning / review counts
  study --deck D --answer EASE [--json]
                                    answer the next card (1 again … 4 easy)
  search QUERY [--notes] [--sort COLUMN] [--desc]
                                    print the ids of matching cards (or notes), one per line
  render CARD_ID [--json]           print a card's question and answer HTML
  import FILE [--update newer|always|never] [--keep-scheduling] [--deck NAME] [--json]
                                    import .apkg, .colpkg (replaces the collection), AnkiApp
                                    .xml/.zip/.db, or .csv/.tsv/.txt
  export OUT [--deck NAME | --notes IDS] [--format apkg|apkg-legacy|apkg-legacy1|colpkg|ankiapp|csv|tsv]
             [--with-scheduling] [--no-media]
                                    export a deck, notes or everything
  import-text FILE [--notetype T] [--deck D] [--dupes update|keep|skip] [--delimiter tab|comma|…]
                                    import CSV/TSV or AnkiApp with all text-import options
  export-text OUT --format ankiapp|csv|tsv [--deck NAME | --notes IDS]
  sync --server URL --user NAME [--protocol auto|v11|legacy] [--full-upload|--full-download]
                                    sync with an Anki sync server (password: DECKHAND_PASSWORD or prompt)
  logout                            forget the saved sync login

--col defaults to the collection in your Deckhand data folder.
`

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deckhand-cli:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("see deckhand-cli --help")

func run(ctx context.Context, args []string, out io.Writer) error {
	global := flag.NewFlagSet("deckhand-cli", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	colPath := global.String("col", "", "collection file")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(out, usage)
			return nil
		}
		return fmt.Errorf("%v (%w)", err, errUsage)
	}
	rest := global.Args()
	if len(rest) == 0 {
		fmt.Fprint(out, usage)
		return errors.New("no command given")
	}
	cmd, cmdArgs := rest[0], rest[1:]
	switch cmd {
	case "help":
		fmt.Fprint(out, usage)
		return nil
	case "init":
		return cmdInit(ctx, cmdArgs, out)
	case "gen":
		return cmdGen(ctx, cmdArgs, out)
	}
	commands := map[string]func(context.Context, *collection.Collection, []string, io.Writer) error{
		"info":   cmdInfo,
		"decks":  cmdDecks,
		"add":    cmdAdd,
		"check":  cmdCheck,
		"due":    cmdDue,
		"study":  cmdStudy,
		"search": cmdSearch,
		"render": cmdRender,
		"import": cmdImport, "export": cmdExport,
		"sync": cmdSync, "logout": cmdLogout,
		"import-text": cmdImportText, "export-text": cmdExportText,
	}
	fn, ok := commands[cmd]
	if !ok {
		return fmt.Errorf("unknown command %q (%w)", cmd, errUsage)
	}
	path := *colPath
	if path == "" {
		var err error
		if path, err = app.DefaultCollectionPath(); err != nil {
			return err
		}
	}
	col, err := app.OpenOrCreate(ctx, path)
	if err != nil {
		return err
	}
	err = fn(ctx, col, cmdArgs, out)
	if cerr := col.Close(); err == nil {
		err = cerr
	}
	return err
}

// multiFlag collects repeated --field NAME=VALUE flags.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}
