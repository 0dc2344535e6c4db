// Read aloud: the browser's own speech synthesis (Web Speech API) speaks the text as corrected,
// in a voice of the reading's language where the browser has one. No audio is made on the server.
import { currentText, readingLanguage, speechLanguage } from "./result-view.js";

const button = document.getElementById("read-aloud-button");
const supported = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
let speaking = null; // { utterances } being spoken; kept, or Chrome may collect them and never say "end"

if (supported) {
  button.hidden = false; // without speech synthesis the button stays hidden
  button.addEventListener("click", () => (speaking ? stopReading() : readAloud()));
  window.addEventListener("pagehide", stopReading);
}

/** Speak the text a paragraph at a time: Chrome cuts long utterances short, and pauses between
 * paragraphs read as they should. Lines inside a paragraph are read on, as one sentence runs. */
function readAloud() {
  const paragraphs = currentText()
    .split(/\f|\n[ \t]*\n/)
    .map((paragraph) => paragraph.replace(/\s+/g, " ").trim())
    .filter(Boolean);
  if (!paragraphs.length) return;
  window.speechSynthesis.cancel();
  const lang = speechLanguage(readingLanguage());
  const voice = lang ? voiceFor(lang) : null;
  const run = { utterances: [] };
  const finished = () => { if (speaking === run) showSpeaking(null); };
  for (const paragraph of paragraphs) {
    const utterance = new SpeechSynthesisUtterance(paragraph);
    if (lang) utterance.lang = voice?.lang || lang;
    if (voice) utterance.voice = voice;
    utterance.addEventListener("error", finished);
    run.utterances.push(utterance);
  }
  run.utterances.at(-1).addEventListener("end", finished);
  showSpeaking(run);
  for (const utterance of run.utterances) window.speechSynthesis.speak(utterance);
}

/** Stop speaking at once (a new reading, Stop, leaving the page). */
export function stopReading() {
  if (!supported || !speaking) return;
  showSpeaking(null);
  window.speechSynthesis.cancel();
}

function showSpeaking(run) {
  speaking = run;
  button.textContent = run ? "Stop" : "Read aloud";
  button.setAttribute("aria-pressed", String(Boolean(run)));
}

/** The browser's voice for a BCP 47 language: that very one ("zh-TW"), else one of the language
 * ("en" for "en-GB"), the browser's default first; null when it has none. */
function voiceFor(lang) {
  const name = (voice) => voice.lang.replace("_", "-").toLowerCase(); // Android writes en_US
  const wanted = lang.toLowerCase();
  const base = wanted.split("-")[0];
  const voices = [...window.speechSynthesis.getVoices()].sort((a, b) => Number(b.default) - Number(a.default));
  return voices.find((voice) => name(voice) === wanted) ||
    voices.find((voice) => name(voice).split("-")[0] === base) || null;
}
