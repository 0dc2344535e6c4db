// Shared by the upload and camera pages: post an image to /ocr and show the answer (a job's too).
import { apiFetch } from "./api-key.js";
import { confidenceClass, defaultLang, engineName, maxUploadBytes } from "./page-settings.js";
import { currentText, isEdited, showPartialText, showText } from "./result-view.js";
import { showTables } from "./tables-view.js";
import { stopReading } from "./speech.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
let last = null; // { result, download, page, showing } of the reading shown
let downloadUrl = null;

function selectedOptions() {
  const fields = {};
  const lang = $("lang-select");
  if (lang) fields.lang = [...lang.selectedOptions].map((o) => o.value).join("+") || defaultLang;
  const preprocess = $("preprocess-select");
  if (preprocess) fields.preprocess = preprocess.value;
  const engine = $("engine-select");
  if (engine) fields.engine = engine.value;
  return fields;
}

/** A form with the image and the page's options (and `extra`): what /ocr and /jobs both take. */
export function formData(blob, filename, extra = {}) {
  if (maxUploadBytes && blob.size > maxUploadBytes) {
    throw new Error(`The image is ${(blob.size / 1048576).toFixed(1)} MB, over the ` +
      `${(maxUploadBytes / 1048576).toFixed(0)} MB limit. Choose a smaller image.`);
  }
  const body = new FormData();
  body.append("image", blob, filename);
  for (const [name, value] of Object.entries({ ...selectedOptions(), ...extra })) body.append(name, value);
  return body;
}

/** The response if it succeeded; else throws the server's message, its error code as `code`. */
export async function ok(response) {
  if (response.ok) return response;
  const answer = await response.json().catch(() => null);
  const error = new Error(answer?.error?.message || `The server answered ${response.status}. Try again.`);
  error.code = answer?.error?.code;
  throw error;
}

/** POST an image blob to /ocr with the page's options, asking for `format`; resolves to the response. */
async function post(blob, filename, format, extra = {}) {
  const body = formData(blob, filename, extra);
  return ok(await apiFetch(`/ocr?format=${format}`, { method: "POST", body }));
}

/** Show a spinner with elapsed seconds until the returned function is called. */
function showBusy(what) {
  const started = performance.now();
  const tick = () => { $("busy-elapsed").textContent = ((performance.now() - started) / 1000).toFixed(1); };
  tick();
  $("busy-what").textContent = `${what}…`;
  $("busy").hidden = false;
  $("error").hidden = true;
  const timer = setInterval(tick, 100);
  return () => { clearInterval(timer); $("busy").hidden = true; };
}

/** Show an error where every reading's errors show; an empty message hides it. */
export function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

/** Show the text of a document still being read, its pages so far: nothing yet to view or download. */
export function showPartial(text) {
  last = null;
  stopReading();
  showPartialText(text);
  showTables({});
  $("xlsx-button").hidden = true;
  $("result-meta").textContent = "";
  showWarnings([]);
  $("viewer").hidden = true;
  $("result").classList.add("partial");
  $("result").hidden = false;
}

/** Show a finished reading; `download(format)` resolves to a response holding it in that format. */
export function showReading(result, download) {
  last = { result, download, page: 0, showing: "original" };
  showResult(result);
}

/** Put the recognized text in #ocr-text (as text, never as HTML), with copy, downloads and the viewer. */
function showResult(result) {
  if (result.text !== currentText()) stopReading(); // a live reading of the same text reads on
  showText(result);
  showTables(result);
  $("xlsx-button").hidden = !(result.tables || []).length;
  showWarnings(result.warnings);
  const pages = result.pages || [result];
  const failed = pages.filter((page) => page.error).map((page) => `page ${page.number}: ${page.error.message}`);
  const seconds = (result.timings_ms.total / 1000).toFixed(1);
  $("result-meta").textContent = [
    pages.length > 1 ? `${pages.length} pages` : null,
    `${result.words.length} words`, `confidence ${result.confidence}`,
    result.engine ? `read by ${engineName(result.engine)}` : null,
    result.detected_lang ? `language ${result.detected_lang} (detected)` : null, `${seconds} s`,
  ].filter(Boolean).join(" · ");
  if (failed.length) showError(`Some pages could not be read: ${failed.join("; ")}`);
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([result.text], { type: "text/plain" }));
  $("download-link").href = downloadUrl;
  $("result").classList.remove("partial");
  $("result").hidden = false;
  showPage(0);
}

/** List why the reading may be unreliable above its text, replacing the last reading's; hidden when all is well. */
function showWarnings(warnings) {
  $("ocr-warnings-list").replaceChildren(...warnings.map((warning) => {
    const item = document.createElement("li");
    item.dataset.code = warning.code; // for programs and tests; the message is for people
    item.textContent = warning.message;
    return item;
  }));
  $("ocr-warnings").hidden = warnings.length === 0;
}

// --- the page viewer: original or preprocessed image, word boxes coloured by confidence ---

function pageOf(index) {
  const pages = last.result.pages;
  if (!pages) return { ...last.result, width: last.result.image.width, height: last.result.image.height };
  return pages[index];
}

function showPage(index) {
  const count = last.result.pages ? last.result.pages.length : 1;
  last.page = Math.max(0, Math.min(count - 1, index));
  const page = pageOf(last.page);
  $("page-nav").hidden = count < 2;
  $("page-label").textContent = `Page ${last.page + 1} of ${count}`;
  $("page-prev").disabled = last.page === 0;
  $("page-next").disabled = last.page === count - 1;
  $("viewer").hidden = !page.previews;
  if (!page.previews) return;
  const preprocessed = last.showing === "preprocessed";
  $("viewer-image").src = page.previews[preprocessed ? "preprocessed" : "original"];
  $("show-original").setAttribute("aria-pressed", String(!preprocessed));
  $("show-preprocessed").setAttribute("aria-pressed", String(preprocessed));
  $("viewer-note").hidden = !preprocessed;
  drawBoxes(page, !preprocessed && $("show-boxes").checked);
}

function drawBoxes(page, visible) {
  const svg = $("word-boxes");
  svg.setAttribute("viewBox", `0 0 ${page.width} ${page.height}`);
  svg.replaceChildren();
  if (!visible) return;
  // where both engines' lines were kept, say whose each word is: their confidences differ in scale
  const mixed = page.engine?.includes("+");
  for (const word of page.words) {
    const rect = document.createElementNS(SVG, "rect");
    for (const [name, value] of Object.entries({ x: word.left, y: word.top, width: word.width, height: word.height })) {
      rect.setAttribute(name, value);
    }
    rect.setAttribute("class", confidenceClass(word.confidence));
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${word.text} — confidence ${word.confidence}${mixed ? ` · ${engineName(word.engine)}` : ""}`;
    rect.append(title);
    svg.append(rect);
  }
}

$("page-prev").addEventListener("click", () => showPage(last.page - 1));
$("page-next").addEventListener("click", () => showPage(last.page + 1));
$("show-boxes").addEventListener("change", () => showPage(last.page));
for (const which of ["original", "preprocessed"]) {
  $(`show-${which}`).addEventListener("click", () => { last.showing = which; showPage(last.page); });
}

/** Read one image or document, with busy indicator and error reporting. */
export async function recognizeAndShow(blob, filename) {
  const done = showBusy("Reading text");
  try {
    const result = await (await post(blob, filename, "json", { previews: "1" })).json();
    // the other formats come from the same file, read again by the server in that format
    showReading(result, (format) => post(blob, filename, format));
  } catch (error) {
    showError(error.message);
  } finally {
    done();
  }
}

/** The reading in `format`, from the server; a corrected text's Word document is made from the text alone. */
async function documentOf(format) {
  if (format !== "docx" || !isEdited()) return last.download(format);
  const headers = { "Content-Type": "text/plain; charset=utf-8" };
  return ok(await apiFetch("/export?format=docx", { method: "POST", headers, body: currentText() }));
}

// the .txt holds the text as it is when it is downloaded, corrections included
$("download-link").addEventListener("click", () => {
  if (!last) return;
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([currentText()], { type: "text/plain" }));
  $("download-link").href = downloadUrl;
});

for (const button of document.querySelectorAll("[data-format]")) {
  button.addEventListener("click", async () => {
    if (!last) return;
    const format = button.dataset.format;
    const done = showBusy(`Making ${button.dataset.what || button.textContent.trim()}`);
    try {
      const file = await (await documentOf(format)).blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(file);
      link.download = `ocr.${format === "alto" ? "xml" : format}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) {
      showError(error.message);
    } finally {
      done();
    }
  });
}

$("copy-button").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(currentText());
    $("copy-button").textContent = "Copied";
    setTimeout(() => { $("copy-button").textContent = "Copy"; }, 1500);
  } catch {
    showError("The browser did not allow copying; select the text and copy it by hand.");
  }
});
