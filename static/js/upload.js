// Upload page: file chooser, drag-and-drop and paste, with a preview and the result in the page.
import { followJob, leaveJob, readDocument } from "./job-progress.js";
import { recognizeAndShow } from "./ocr-client.js";

const form = document.getElementById("upload-form");
const input = document.getElementById("image-input");
const dropZone = document.getElementById("drop-zone");
const preview = document.getElementById("preview");
let chosen = null;
let previewUrl = null;

function choose(file) {
  if (!file) return;
  chosen = file;
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(file);
  preview.src = previewUrl;
  // browsers show neither PDF, TIFF nor HEIC in an <img>: the viewer shows their pages after reading
  preview.hidden = !/^image\/(png|jpeg|gif|webp|bmp)$/.test(file.type);
  input.required = false;
  read(file);
}

/** A PDF or TIFF may have many pages: it is read as a job, page by page; an image is read at once. */
function read(file) {
  const filename = file.name || "pasted.png";
  if (/^(application\/pdf|image\/tiff)$/.test(file.type) || /\.(pdf|tiff?)$/i.test(filename)) {
    readDocument(file, filename);
  } else {
    leaveJob();
    recognizeAndShow(file, filename);
  }
}

input.addEventListener("change", () => choose(input.files[0]));

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (chosen) read(chosen);
  else input.click();
});

for (const type of ["dragenter", "dragover"]) {
  dropZone.addEventListener(type, (event) => { event.preventDefault(); dropZone.classList.add("dragging"); });
}
for (const type of ["dragleave", "drop"]) {
  dropZone.addEventListener(type, () => dropZone.classList.remove("dragging"));
}
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  choose(event.dataTransfer.files[0]);
});

document.addEventListener("paste", (event) => {
  const item = [...event.clipboardData.items].find((i) => i.type.startsWith("image/"));
  if (item) choose(item.getAsFile());
});

// /?job=<id>: the job this page started before a reload, or a link to one, still running or finished
const jobId = new URLSearchParams(location.search).get("job");
if (jobId) followJob(jobId);
