// Live reading on the camera page: read what the camera sees again and again, one frame in flight,
// skipping frames while the picture has not changed; the text goes to #ocr-text and the word boxes
// over the video. Freeze keeps the current reading (and picture) for copying.
import { apiFetch } from "./api-key.js";
import { formData, ok, showError, showReading } from "./ocr-client.js";
import { confidenceClass } from "./page-settings.js";

const $ = (id) => document.getElementById(id);
// Frames are shrunk to this long side: a page held up to a webcam reads as well, and sooner.
const MAX_SIDE = 1280;
// The picture is compared on a gray thumbnail this wide; a mean difference under STILL levels
// (of 255) is a camera's noise, not a new picture: the frame is not sent again.
const THUMB_WIDTH = 32;
const STILL = 3;
const LOOK_AGAIN_MS = 200; // how often a still picture is looked at again
const RETRY_MS = { first: 1000, most: 30000 }; // after a failure, doubling up to `most`
// Errors that may pass; any other (a bad option, an image refused) stops live reading.
const RETRYABLE = new Set(["internal_error", "engine_error", "timeout"]);

/** Wire the Live switch and Freeze button to `video`; `say` shows a status line. Returns { stop }. */
export function setUpLive(video, say) {
  const toggle = $("live-toggle");
  const freezeButton = $("freeze-button");
  const overlay = $("live-overlay");
  const state = { on: false, frozen: false, busy: false, timer: null, lastRead: null, resumeAt: 0, retryMs: 0, shown: null };

  function schedule(ms) {
    clearTimeout(state.timer);
    state.timer = state.on && !state.frozen && !document.hidden ? setTimeout(readOnce, ms) : null;
  }

  async function readOnce() {
    if (!state.on || state.frozen || document.hidden || state.busy) return;
    const wait = state.resumeAt - Date.now();
    if (wait > 0) return schedule(wait);
    if (!video.videoWidth) return schedule(LOOK_AGAIN_MS);
    const frame = grab(video);
    const thumb = thumbnail(frame);
    if (state.lastRead && difference(thumb, state.lastRead) < STILL) {
      say("Live: waiting for the picture to change.");
      return schedule(LOOK_AGAIN_MS);
    }
    state.busy = true;
    try {
      const blob = await jpeg(frame);
      const response = await apiFetch("/ocr?format=json", { method: "POST", body: formData(blob, "live.jpg", liveOptions()) });
      if (response.status === 503 || response.status === 429) return backOff(retryAfterMs(response), "The server is busy");
      const result = await (await ok(response)).json();
      state.lastRead = thumb;
      state.retryMs = 0;
      if (state.on && !state.frozen && !editing()) show(result, blob, frame);
    } catch (error) {
      if (error.code && !RETRYABLE.has(error.code)) {
        showError(error.message); // a bad option or image: sending again will not help
        return setLive(false);
      }
      state.retryMs = Math.min(RETRY_MS.most, state.retryMs ? 2 * state.retryMs : RETRY_MS.first);
      backOff(state.retryMs, error.message.replace(/\.$/, ""));
    } finally {
      state.busy = false;
      schedule(0);
    }
  }

  function backOff(ms, why) {
    state.resumeAt = Date.now() + ms;
    say(`${why}; live reading resumes in ${Math.ceil(ms / 1000)} s.`);
  }

  function show(result, blob, frame) {
    state.shown = { words: result.words, width: frame.width, height: frame.height };
    showReading(result, async (format) => ok(await apiFetch(`/ocr?format=${format}`, { method: "POST", body: formData(blob, "live.jpg", liveOptions()) })));
    drawWords();
    const seconds = (result.timings_ms.total / 1000).toFixed(2);
    say(`Live: ${result.words.length} words, read in ${seconds} s. Freeze keeps this reading.`);
  }

  function drawWords() {
    const { width, height } = overlay.getBoundingClientRect();
    const scale = window.devicePixelRatio || 1;
    overlay.width = Math.round(width * scale);
    overlay.height = Math.round(height * scale);
    const context = overlay.getContext("2d");
    context.clearRect(0, 0, overlay.width, overlay.height);
    const words = state.on && state.shown ? state.shown.words : [];
    overlay.dataset.words = String(words.length); // for programs and tests: the canvas holds no DOM
    if (!words.length) return;
    const box = pictureBox(video, width, height);
    const factor = box.width / state.shown.width;
    context.setTransform(scale, 0, 0, scale, 0, 0);
    context.lineWidth = 2;
    context.font = "600 12px system-ui, sans-serif";
    context.textBaseline = "bottom";
    const style = getComputedStyle(document.documentElement); // the word boxes' colours (style.css)
    for (const word of words) {
      const [x, y] = [box.x + word.left * factor, box.y + word.top * factor];
      context.strokeStyle = style.getPropertyValue(`--${confidenceClass(word.confidence)}`).trim();
      context.strokeRect(x, y, word.width * factor, word.height * factor);
      const label = context.measureText(word.text).width + 6;
      context.fillStyle = "rgba(255, 255, 255, 0.85)";
      context.fillRect(x, y - 15, label, 15);
      context.fillStyle = "#1d2330";
      context.fillText(word.text, x + 3, y - 1);
    }
  }

  function setFrozen(frozen) {
    state.frozen = frozen;
    freezeButton.setAttribute("aria-pressed", String(frozen));
    freezeButton.textContent = frozen ? "Resume" : "Freeze";
    if (frozen) {
      video.pause(); // the picture stays under its word boxes
      say("Frozen: copy the text below, or press Resume.");
    } else {
      video.play().catch(() => {});
      state.lastRead = null; // read the picture as it is now, changed or not
      schedule(0);
    }
  }

  function setLive(on) {
    state.on = on;
    toggle.checked = on;
    freezeButton.disabled = !on;
    if (state.frozen) setFrozen(false);
    state.lastRead = null;
    state.resumeAt = 0;
    drawWords();
    if (on) {
      say("Live: reading what the camera sees…");
      schedule(0);
    } else {
      clearTimeout(state.timer);
    }
  }

  toggle.addEventListener("change", () => {
    setLive(toggle.checked);
    if (!toggle.checked) say("Live reading is off: press Capture to read a frame, or switch Live on again.");
  });
  freezeButton.addEventListener("click", () => setFrozen(!state.frozen));
  // A hidden tab sends nothing; reading starts again where it left off when the tab is shown.
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) clearTimeout(state.timer);
    else schedule(0);
  });
  window.addEventListener("resize", drawWords);
  return { stop: () => setLive(false) };
}

/** The page's options for a live frame: Tesseract alone where the choice is `auto`. PP-OCRv6
 * takes seconds a frame; a frame it would help is one to Capture. */
function liveOptions() {
  const engine = $("engine-select")?.value;
  return !engine || engine === "auto" ? { engine: "tesseract" } : {};
}

/** Whether the user is correcting the text: a live reading must not replace it. */
function editing() {
  const editor = $("ocr-editor");
  return Boolean(editor && !editor.hidden);
}

/** The video's current picture on a canvas, at most MAX_SIDE on its long side. */
function grab(video) {
  const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  return canvas;
}

function jpeg(canvas) {
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
}

/** A small gray version of the picture, to tell a new picture from the last one read. */
function thumbnail(canvas) {
  const height = Math.max(1, Math.round((THUMB_WIDTH * canvas.height) / canvas.width));
  const small = document.createElement("canvas");
  small.width = THUMB_WIDTH;
  small.height = height;
  const context = small.getContext("2d", { willReadFrequently: true });
  context.drawImage(canvas, 0, 0, THUMB_WIDTH, height);
  const { data } = context.getImageData(0, 0, THUMB_WIDTH, height);
  const gray = new Uint8Array(THUMB_WIDTH * height);
  for (let i = 0; i < gray.length; i++) gray[i] = (data[4 * i] * 3 + data[4 * i + 1] * 6 + data[4 * i + 2]) / 10;
  return gray;
}

/** Mean absolute difference of two thumbnails, in gray levels; a different size is a new picture. */
function difference(a, b) {
  if (a.length !== b.length) return Infinity;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Retry-After in milliseconds (seconds or an HTTP date), at least one second. */
function retryAfterMs(response) {
  const header = response.headers.get("Retry-After") || "";
  const seconds = /^\d+$/.test(header.trim()) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
  return Math.max(1, Number.isFinite(seconds) ? seconds : 1) * 1000;
}

/** Where the picture sits in the video element (it keeps its shape: bars fill the rest). */
function pictureBox(video, width, height) {
  const scale = Math.min(width / video.videoWidth, height / video.videoHeight);
  const [w, h] = [video.videoWidth * scale, video.videoHeight * scale];
  return { x: (width - w) / 2, y: (height - h) / 2, width: w, height: h };
}
