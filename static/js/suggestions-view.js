// Spellings for the doubtful word selected in the editor (GET /suggestions), as buttons in
// #suggestions: choosing one replaces the word. The keyboard: ↓ from the word goes to the
// buttons, ← and → move along them, Enter or Space chooses, Escape goes back to the word.

const $ = (id) => document.getElementById(id);
const list = $("suggestions");
const buttons = $("suggestions-list");
let asked = 0; // the last question's number: an answer to an older one is dropped

/** Ask for `word`'s spellings in `lang` and show them; `choose(spelling)` puts one in its place. */
export async function showSuggestions(word, lang, choose) {
  const question = ++asked;
  const query = new URLSearchParams({ word, lang: lang || "eng" });
  let found = [];
  try {
    const response = await fetch(`/suggestions?${query}`);
    if (response.ok) found = (await response.json()).suggestions;
  } catch {
    found = []; // no suggestions is no harm: the word can still be typed
  }
  if (question !== asked) return;
  $("suggestions-word").textContent = word;
  $("suggestions-none").hidden = found.length > 0;
  buttons.replaceChildren(...found.map((spelling) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary suggestion";
    button.textContent = spelling;
    button.addEventListener("mousedown", (event) => event.preventDefault()); // the word stays selected
    button.addEventListener("click", () => choose(spelling));
    return button;
  }));
  list.hidden = false;
}

export function hideSuggestions() {
  asked += 1;
  list.hidden = true;
  buttons.replaceChildren();
}

/** Focus the first suggestion; false when there is none to go to. */
export function focusSuggestions() {
  const first = buttons.querySelector("button");
  if (list.hidden || !first) return false;
  first.focus();
  return true;
}

/** ← → between the buttons; `back()` on Escape returns to the word. */
export function onSuggestionKeys(back) {
  buttons.addEventListener("keydown", (event) => {
    const all = [...buttons.querySelectorAll("button")];
    const at = all.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      back();
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      const step = event.key === "ArrowRight" ? 1 : all.length - 1;
      all[(at + step) % all.length]?.focus();
    }
  });
}
