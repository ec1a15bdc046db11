// Writes a legacy .apkg with the npm package anki-apkg-export: one Basic card per line of a
// tab-separated file (front, back, space-separated tags) and every file of a media folder.
// Usage: node writer.cjs NOTES.tsv MEDIA_DIR OUT.apkg. Prints one JSON line:
// {"ms": time from reading the input to the written package, "notes", "media", "maxRSSKB"}.
const fs = require('node:fs');
const path = require('node:path');
const AnkiExport = require('anki-apkg-export').default;

const [tsv, mediaDir, out] = process.argv.slice(2);
const t0 = performance.now();
const apkg = new AnkiExport('Deckhand benchmark');
let notes = 0;
for (const line of fs.readFileSync(tsv, 'utf8').split('\n')) {
  if (line === '') continue;
  const [front, back, tags] = line.split('\t');
  apkg.addCard(front, back, { tags: tags ? tags.split(' ') : [] });
  notes++;
}
let media = 0;
for (const name of fs.readdirSync(mediaDir)) {
  apkg.addMedia(name, fs.readFileSync(path.join(mediaDir, name)));
  media++;
}
apkg.save().then((zip) => {
  fs.writeFileSync(out, zip, 'binary');
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, notes, media, maxRSSKB: process.resourceUsage().maxRSS }));
}).catch((err) => { console.error(err.stack || err); process.exit(1); });
