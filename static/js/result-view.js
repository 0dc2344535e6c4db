// The recognized text on the page: each page a block under its heading, doubtful words marked,
// and corrected in place. #ocr-text stays a <pre> whose innerText is exactly the text: its pages
// are inline <span>s separated by the form feed, their headings CSS generated content (not text),
// and a doubtful word a <mark> around the word's own characters.

import { engines } from "./page-settings.js";
import { focusSuggestions, hideSuggestions, onSuggestionKeys, showSuggestions } from "./suggestions-view.js";

const $ = (id) => document.getElementById(id);
// How the editor shows a page break: a line of its own, since a textarea shows no form feed.
const pageMarker = (number) => `──── Page ${number} ────`;
const PAGE_MARKER_LINE = /\n?^──── Page \d+ ────$\n?/gm;

const pre = $("ocr-text");
const editor = $("ocr-editor");
const editButton = $("edit-button");
// the text shown (pages separated by "\f"), the reading's text, and the doubtful words as
// [start, end) offsets in `text`: in the editor, offsets in its value
let shown = { text: "", original: "", marks: [], lang: "", editable: false };
let tabLeaves = false; // Escape lets the next Tab leave the editor
let before = ""; // the editor's value before the last input

/** Show a finished reading: its text in pages, its doubtful words marked. */
export function showText(result) {
  closeEditor(false);
  const marks = doubtfulWords(result);
  const lang = result.detected_lang || (result.lang === "auto" ? "" : result.lang) || "";
  shown = { text: result.text, original: result.text, marks, lang, editable: true };
  render();
  const readers = new Set((result.pages || [result]).flatMap((page) => page.words || []).map(engineOf));
  $("doubtful-threshold").textContent = [...readers].sort().map((engine) =>
    `${engines[engine].doubtful_below}%${readers.size > 1 ? ` (${engines[engine].name})` : ""}`).join(" or ");
}

/** Show the text of a document still being read: pages, nothing marked, nothing to edit. */
export function showPartialText(text) {
  closeEditor(false);
  shown = { text, original: text, marks: [], lang: "", editable: false };
  render();
}

/** The text as the user has it now, corrections included; pages separated by a form feed. */
export function currentText() {
  return editor.hidden ? shown.text : fromEditor(editor.value, []).text;
}

/** Whether the user changed the text the server read. */
export function isEdited() {
  return currentText() !== shown.original;
}

/** The reading's language, as Tesseract names it ("eng+deu"). */
export function readingLanguage() {
  return shown.lang;
}

/** The engine that read `word`; a word under its engine's `doubtful_below` (the server's
 * low_confidence bar: PP-OCRv6 is surer of itself than Tesseract) is marked doubtful. */
function engineOf(word) {
  return word.engine in engines ? word.engine : "tesseract";
}

/** Each doubtful word's place in result.text, laying the words out as the server joins them
 * (ocr/model/result.py join_words); none when the words do not make the text. */
function doubtfulWords(result) {
  const pages = result.pages || [result];
  const marks = [];
  let offset = 0;
  for (const [index, page] of pages.entries()) {
    if (index > 0) offset += 1; // the form feed
    let text = "";
    let paragraph = null;
    let line = null;
    for (const word of page.words || []) {
      const key = `${word.block}.${word.paragraph}`;
      if (key !== paragraph) {
        if (paragraph !== null) text += "\n\n";
        [paragraph, line] = [key, word.line];
      } else if (word.line !== line) {
        text += "\n";
        line = word.line;
      } else {
        text += " ";
      }
      const start = offset + text.length;
      text += word.text;
      const engine = engineOf(word);
      if (word.confidence < engines[engine].doubtful_below && word.text.trim()) {
        const by = page.engine?.includes("+") ? ` · ${engines[engine].name}` : "";
        marks.push({ start, end: start + word.text.length, title: `confidence ${Math.round(word.confidence)}%${by}` });
      }
    }
    if (text !== (page.text ?? "")) return [];
    offset += text.length;
  }
  return offset === result.text.length ? marks : [];
}

/** #ocr-text from `shown`: a span per page, the form feeds between them, marks around doubtful words. */
function render() {
  const pages = shown.text.split("\f");
  const nodes = [];
  let offset = 0;
  let next = 0; // the first mark not yet placed
  for (const [index, page] of pages.entries()) {
    if (index > 0) nodes.push(document.createTextNode("\f"));
    const block = document.createElement("span");
    block.className = "page";
    block.dataset.page = String(index + 1);
    let at = 0; // in the page
    for (; next < shown.marks.length && shown.marks[next].end <= offset + page.length; next += 1) {
      const mark = shown.marks[next];
      if (mark.start < offset + at) continue;
      appendText(block, page.slice(at, mark.start - offset));
      const element = document.createElement("mark");
      element.className = "doubtful";
      element.title = mark.title;
      element.textContent = page.slice(mark.start - offset, mark.end - offset);
      block.append(element);
      at = mark.end - offset;
    }
    appendText(block, page.slice(at));
    nodes.push(block);
    offset += page.length + 1;
  }
  pre.replaceChildren(...nodes);
  pre.classList.toggle("paged", pages.length > 1);
  $("doubtful-legend").hidden = shown.marks.length === 0;
  $("edited-note").hidden = !isEdited();
}

function appendText(element, text) {
  if (text) element.append(text); // no empty text node: an empty page stays :empty for its CSS note
}

// --- correcting in place ---

/** `text` with each match of `pattern` replaced by replacement(n), and `marks` moved with it
 * (a mark inside a replaced part is dropped). */
function replaceTracked(text, pattern, replacement, marks) {
  const cuts = []; // [old end, new end] of each replaced part
  let out = "";
  let last = 0;
  let n = 0;
  for (const match of text.matchAll(pattern)) {
    out += text.slice(last, match.index);
    out += replacement(n++);
    last = match.index + match[0].length;
    cuts.push([match.index, last, out.length]);
  }
  out += text.slice(last);
  const moved = marks.flatMap((mark) => {
    let shift = 0;
    for (const [start, end, newEnd] of cuts) {
      if (mark.end <= start) break;
      if (mark.start < end) return [];
      shift = newEnd - end;
    }
    return [{ ...mark, start: mark.start + shift, end: mark.end + shift }];
  });
  return { text: out, marks: moved };
}

function toEditor(text, marks) {
  return replaceTracked(text, /\f/g, (n) => `\n${pageMarker(n + 2)}\n`, marks);
}

function fromEditor(value, marks) {
  return replaceTracked(value, PAGE_MARKER_LINE, () => "\f", marks);
}

function openEditor() {
  const { text, marks } = toEditor(shown.text, shown.marks);
  shown.marks = marks;
  editor.value = before = text;
  editor.lang = speechLanguage(shown.lang) || "";
  editor.style.height = `${Math.max(pre.offsetHeight, 160)}px`;
  pre.hidden = true;
  editor.hidden = false;
  $("editor-hint").hidden = false;
  $("editor-tab-hint").hidden = marks.length === 0;
  $("doubtful-legend").hidden = true; // the editor shows no marks: Tab finds them
  editButton.textContent = "Done";
  editButton.setAttribute("aria-pressed", "true");
  editor.focus();
  editor.setSelectionRange(0, 0);
  editor.scrollTop = 0;
}

/** Back to the marked text, corrected; `keep` false drops the editor's text (a new reading came). */
function closeEditor(keep = true) {
  if (editor.hidden) return;
  if (keep) {
    const { text, marks } = fromEditor(editor.value, shown.marks);
    Object.assign(shown, { text, marks });
    render();
  }
  editor.hidden = true;
  pre.hidden = false;
  hideSuggestions();
  $("editor-hint").hidden = true;
  editButton.textContent = "Edit";
  editButton.setAttribute("aria-pressed", "false");
}

editButton.addEventListener("click", () => {
  if (!shown.editable) return;
  if (editor.hidden) openEditor();
  else {
    closeEditor();
    editButton.focus();
  }
});

// Marks follow the text as it is typed: those after the change move, a changed one is dropped.
editor.addEventListener("focus", () => { before = editor.value; tabLeaves = false; });
editor.addEventListener("input", () => {
  suggestFor(undefined);
  const after = editor.value;
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < before.length - prefix && suffix < after.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix += 1;
  const changedEnd = before.length - suffix;
  const shift = after.length - before.length;
  shown.marks = shown.marks.flatMap((mark) => {
    if (mark.end <= prefix) return [mark];
    if (mark.start >= changedEnd) return [{ ...mark, start: mark.start + shift, end: mark.end + shift }];
    return [];
  });
  before = after;
  $("edited-note").hidden = !isEdited();
});

// Tab selects the next doubtful word, Shift+Tab the one before; past the last one, or after
// Escape, Tab leaves the editor as it leaves any field.
editor.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    tabLeaves = true;
    return;
  }
  if (event.key !== "Tab" || event.altKey || event.ctrlKey || event.metaKey) {
    tabLeaves = false;
    return;
  }
  if (tabLeaves) return;
  const { selectionStart, selectionEnd } = editor;
  const target = event.shiftKey
    ? shown.marks.findLast((mark) => mark.end <= selectionStart)
    : shown.marks.find((mark) => mark.start >= selectionEnd);
  if (!target) return;
  event.preventDefault();
  editor.setSelectionRange(target.start, target.end);
  scrollToSelection(target.start);
  suggestFor(target);
});

// --- suggestions for the doubtful word the caret is in ---

/** The doubtful word holding the editor's selection, or undefined. */
function selectedMark() {
  const { selectionStart, selectionEnd } = editor;
  return shown.marks.find((mark) => mark.start <= selectionStart && selectionEnd <= mark.end);
}

let suggested = null; // the mark whose suggestions are shown

function suggestFor(mark) {
  if (mark === suggested) return;
  suggested = mark;
  if (!mark) {
    hideSuggestions();
    return;
  }
  showSuggestions(editor.value.slice(mark.start, mark.end), shown.lang, (spelling) => {
    editor.focus();
    editor.setSelectionRange(mark.start, mark.end);
    // as typing it would: the input event moves the marks, and undo takes the word back
    if (!document.execCommand("insertText", false, spelling)) {
      editor.setRangeText(spelling, mark.start, mark.end, "end");
      editor.dispatchEvent(new Event("input"));
    }
    suggestFor(undefined);
  });
}

// a click or the arrows into a doubtful word shows its suggestions; out of it, they go
for (const type of ["mouseup", "keyup"]) {
  editor.addEventListener(type, (event) => { if (event.key !== "Tab") suggestFor(selectedMark()); });
}
editor.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" && !event.shiftKey && selectedMark() && focusSuggestions()) event.preventDefault();
});
onSuggestionKeys(() => {
  editor.focus();
  if (suggested) editor.setSelectionRange(suggested.start, suggested.end);
});

/** Bring the selection into view: a textarea scrolls to its caret only while typing. */
function scrollToSelection(start) {
  const lines = editor.value.slice(0, start).split("\n").length - 1;
  const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 20;
  const top = lines * lineHeight;
  if (top < editor.scrollTop || top > editor.scrollTop + editor.clientHeight - 2 * lineHeight) {
    editor.scrollTop = Math.max(0, top - editor.clientHeight / 3);
  }
}

// --- Tesseract's language codes as BCP 47, for speech and spell checking ---

const LANGUAGES = {
  eng: "en", deu: "de", fra: "fr", spa: "es", ita: "it", por: "pt", nld: "nl", pol: "pl", rus: "ru",
  ukr: "uk", tur: "tr", swe: "sv", dan: "da", nor: "nb", fin: "fi", ces: "cs", slk: "sk", slv: "sl",
  hrv: "hr", srp: "sr", bul: "bg", ron: "ro", hun: "hu", ell: "el", ara: "ar", heb: "he", hin: "hi",
  jpn: "ja", kor: "ko", chi_sim: "zh-CN", chi_tra: "zh-TW", vie: "vi", tha: "th", ind: "id", msa: "ms",
  cat: "ca", eus: "eu", glg: "gl", est: "et", lav: "lv", lit: "lt", isl: "is", gle: "ga", cym: "cy",
  afr: "af", swa: "sw", fas: "fa", urd: "ur", ben: "bn", tam: "ta", tel: "te", mar: "mr", guj: "gu",
};

/** "eng+deu" -> "en": the first language of the reading, or "" when it has no BCP 47 name here. */
export function speechLanguage(lang) {
  return LANGUAGES[(lang || "").split("+")[0]] || "";
}
