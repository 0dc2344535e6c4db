// The server's constants for the pages (web/page_settings.py), read from the JSON each page
// carries in <script id="page-settings">: engine names and thresholds, limits, the default language.

const settings = JSON.parse(document.getElementById("page-settings").textContent);

/** { tesseract: { name, doubtful_below }, ppocr: ... }: each engine that reads on this server. */
export const engines = settings.engines;
export const defaultLang = settings.default_lang;
export const maxUploadBytes = settings.max_upload_bytes;
export const jobsKept = settings.jobs_kept; // "an hour": how long a finished job can be opened

/** "tesseract+ppocr" -> "Tesseract + PP-OCRv6", for people. */
export function engineName(engine) {
  return engine.split("+").map((part) => engines[part]?.name || part).join(" + ");
}

/** "good", "fair" or "poor": how a word's box is coloured for its confidence. */
export function confidenceClass(confidence) {
  const { good, fair } = settings.box_confidence;
  return confidence >= good ? "good" : confidence >= fair ? "fair" : "poor";
}
