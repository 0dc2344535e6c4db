// Shared by the upload and camera pages: post an image to /ocr and show the answer.

const $ = (id) => document.getElementById(id);
const maxUploadBytes = Number(document.body.dataset.maxUploadBytes || 0);

/** POST an image blob to /ocr with the page's options; resolves to the JSON result. */
export async function recognize(blob, filename) {
  if (maxUploadBytes && blob.size > maxUploadBytes) {
    throw new Error(`The image is ${(blob.size / 1048576).toFixed(1)} MB, over the ` +
      `${(maxUploadBytes / 1048576).toFixed(0)} MB limit. Choose a smaller image.`);
  }
  const body = new FormData();
  body.append("image", blob, filename);
  for (const field of ["lang", "preprocess"]) {
    const select = $(`${field}-select`);
    if (select) body.append(field, select.value);
  }
  const response = await fetch("/ocr?format=json", { method: "POST", body });
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(answer?.error?.message || `The server answered ${response.status}. Try again.`);
  }
  return answer;
}

/** Show a spinner with elapsed seconds until the returned function is called. */
export function showBusy() {
  const started = performance.now();
  const tick = () => { $("busy-elapsed").textContent = ((performance.now() - started) / 1000).toFixed(1); };
  tick();
  $("busy").hidden = false;
  $("error").hidden = true;
  const timer = setInterval(tick, 100);
  return () => { clearInterval(timer); $("busy").hidden = true; };
}

export function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

let downloadUrl = null;

/** Put the recognized text in #ocr-text (as text, never as HTML) and enable copy and download. */
export function showResult(result) {
  $("ocr-text").textContent = result.text;
  const seconds = (result.timings_ms.total / 1000).toFixed(1);
  $("result-meta").textContent =
    `${result.words.length} words · confidence ${result.confidence} · ${seconds} s`;
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([result.text], { type: "text/plain" }));
  $("download-link").href = downloadUrl;
  $("result").hidden = false;
}

/** Run one recognition with busy indicator and error reporting. */
export async function recognizeAndShow(blob, filename) {
  const done = showBusy();
  try {
    showResult(await recognize(blob, filename));
  } catch (error) {
    showError(error.message);
  } finally {
    done();
  }
}

$("copy-button").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("ocr-text").textContent);
    $("copy-button").textContent = "Copied";
    setTimeout(() => { $("copy-button").textContent = "Copy"; }, 1500);
  } catch {
    showError("The browser did not allow copying; select the text and copy it by hand.");
  }
});
