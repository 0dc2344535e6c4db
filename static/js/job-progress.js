// Upload page, multi-page documents: read as a job on the server, its progress and pages shown as they come.
import { apiFetch } from "./api-key.js";
import { formData, ok, recognizeAndShow, showError, showPartial, showReading } from "./ocr-client.js";
import { jobsKept } from "./page-settings.js";

const progress = document.getElementById("job-status");
const bar = document.getElementById("job-progress");
const label = document.getElementById("job-progress-label");
const FINISHED = ["done", "failed", "cancelled"];
const POLL_MS = 1000;
const LEFT = Symbol("another reading replaced the job on the page");
let current = null; // { id, texts } of the job shown; texts[n - 1] is page n's text (or error) once known

/** Queue a document as a job and follow it; a server without a queue reads it at once, as /ocr. */
export async function readDocument(blob, filename) {
  leaveJob();
  const upload = (current = {}); // the next reading replaces an upload as it replaces a job
  showError("");
  showProgress(null);
  try {
    const body = formData(blob, filename, { previews: "1" });
    const job = await (await ok(await apiFetch("/jobs", { method: "POST", body }))).json();
    if (current === upload) followJob(job.id);
  } catch (error) {
    if (current !== upload) return;
    progress.hidden = true;
    if (error.code === "jobs_unavailable") recognizeAndShow(blob, filename);
    else showError(error.message);
  }
}

/** Show job `id` until it finishes, then its result. The URL names it, so a reload resumes it. */
export async function followJob(id) {
  const job = (current = { id, texts: [] });
  history.replaceState(null, "", `?job=${encodeURIComponent(id)}`);
  try {
    let status = await get(job, `/jobs/${id}`);
    // a job finished before it was opened shows its result at once, without fetching each page
    while (!FINISHED.includes(status.status)) {
      showProgress(status);
      await showPages(job, status.pages);
      await pause(POLL_MS);
      status = await get(job, `/jobs/${id}`);
    }
    showProgress(status);
    const result = await get(job, `/jobs/${id}/result?format=json`);
    showReading(result, async (format) => ok(await apiFetch(`/jobs/${id}/result?format=${format}`)));
  } catch (error) {
    if (job !== current) return; // LEFT, or an answer that came after the job was left
    showError(error.code === "not_found"
      ? `This job no longer exists: jobs are kept ${jobsKept} after they finish. Choose the file again to read it.`
      : error.message);
  }
}

/** Stop showing the job (it goes on running on the server): the next reading is not one. */
export function leaveJob() {
  current = null;
  progress.hidden = true;
  history.replaceState(null, "", location.pathname);
}

/** Fetch each page once, as soon as it is read, and show the pages known so far in page order. */
async function showPages(job, pages) {
  let changed = false;
  for (const { number, status, error } of pages) {
    if (job.texts[number - 1] !== undefined) continue;
    if (status === "done") job.texts[number - 1] = (await get(job, `/jobs/${job.id}/pages/${number}`)).text;
    else if (status === "failed") job.texts[number - 1] = `[page ${number} could not be read: ${error.message}]`;
    else continue;
    changed = true;
  }
  // setting the same text again would lose the reader's selection and scroll, once a second
  if (changed) showPartial(textSoFar(job.texts));
}

/** Pages separated by a form feed, as a document's text is; a page still being read holds its place. */
function textSoFar(texts) {
  return Array.from(texts, (text, index) => text ?? `[page ${index + 1} is being read]`).join("\f");
}

/** "page 7 of 42", the bar filled as far; without a status (uploading), a bar that only says it is busy. */
function showProgress(status) {
  if (status) {
    bar.max = status.pages_total;
    bar.value = status.pages_done;
  } else {
    bar.removeAttribute("value");
  }
  label.textContent = status ? `page ${status.pages_done} of ${status.pages_total}` : "uploading…";
  progress.hidden = false;
}

/** GET one of the job's JSON answers, waiting as long as the server asks (409 not ready, 503 unavailable);
 * throws LEFT once another reading has replaced the job, so nothing stale is shown. */
async function get(job, path) {
  for (;;) {
    const response = await apiFetch(path);
    if (job !== current) throw LEFT;
    if (response.status !== 409 && response.status !== 503) {
      const answer = await (await ok(response)).json();
      if (job !== current) throw LEFT;
      return answer;
    }
    await pause(1000 * Number(response.headers.get("Retry-After")) || POLL_MS);
  }
}

function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
