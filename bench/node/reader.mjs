// Reads a legacy .apkg with the npm package anki-reader and walks every deck's cards and
// every media file, as an app showing the package would. Prints one JSON line:
// {"ms": time from reading the file to the end of the walk, "cards", "media", "maxRSSKB"}.
import { readFileSync } from 'node:fs';
import { readAnkiPackage } from 'anki-reader';

const path = process.argv[2];
const t0 = performance.now();
const pkg = await readAnkiPackage(new Blob([readFileSync(path)]));
let cards = 0;
for (const deck of Object.values(pkg.collection.getDecks())) {
  for (const card of Object.values(deck.getCards())) {
    card.getRawCard();
    cards++;
  }
}
let media = 0;
for (const blob of Object.values(pkg.media)) {
  await blob.arrayBuffer();
  media++;
}
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, cards, media, maxRSSKB: process.resourceUsage().maxRSS }));
