// Camera page: live preview, camera choice, capture a frame and read it, or read it live (live.js).
import { setUpLive } from "./live.js";
import { recognizeAndShow, showError } from "./ocr-client.js";

const video = document.getElementById("camera-video");
const status = document.getElementById("camera-status");
const startButton = document.getElementById("camera-start");
const captureButton = document.getElementById("capture-button");
const select = document.getElementById("camera-select");
const selectLabel = document.getElementById("camera-select-label");
const fallback = document.getElementById("camera-fallback");
const capturePreview = document.getElementById("capture-preview");
const liveToggle = document.getElementById("live-toggle");
// Frames are shrunk to this longest side before upload: enough for text, small to send.
const MAX_SIDE = 1920;
let stream = null;

function say(message) { status.textContent = message; }

function offerFallback(message) {
  say(message);
  fallback.hidden = false;
  captureButton.disabled = true;
  live.stop();
  liveToggle.disabled = true;
}

async function start(deviceId) {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    offerFallback("This browser allows the camera only on https:// or http://localhost pages. " +
      "Open the page that way, or take a photo with the button below.");
    return;
  }
  stream?.getTracks().forEach((track) => track.stop());
  const video_ = deviceId ? { deviceId: { exact: deviceId } } : { facingMode: "environment", width: { ideal: 1920 } };
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: video_, audio: false });
  } catch (error) {
    const reasons = {
      NotAllowedError: "Camera access was denied. Allow the camera in the browser's site settings and reload, or take a photo below.",
      NotFoundError: "No camera was found. Connect one and reload, or choose a photo below.",
      NotReadableError: "The camera is in use by another program. Close it and press Start camera.",
    };
    offerFallback(reasons[error.name] || `The camera could not start (${error.message}).`);
    startButton.hidden = false;
    return;
  }
  video.srcObject = stream;
  try {
    await video.play();
  } catch {
    startButton.hidden = false; // autoplay needs a user gesture in this browser
    say("Press Start camera to begin.");
    return;
  }
  startButton.hidden = true;
  fallback.hidden = true;
  captureButton.disabled = false;
  liveToggle.disabled = false;
  say("Point the camera at the text and press Capture, or switch Live on.");
  await listCameras(stream.getVideoTracks()[0]?.getSettings().deviceId);
}

async function listCameras(activeId) {
  const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
  selectLabel.hidden = cameras.length < 2;
  select.replaceChildren(...cameras.map((camera, index) => {
    const option = new Option(camera.label || `Camera ${index + 1}`, camera.deviceId);
    option.selected = camera.deviceId === activeId;
    return option;
  }));
}

function captureFrame() {
  const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
}

captureButton.addEventListener("click", async () => {
  if (!video.videoWidth) {
    showError("The camera has no picture yet; wait a moment and press Capture again.");
    return;
  }
  live.stop(); // the captured reading stays, with its picture and boxes below
  const frame = await captureFrame();
  if (capturePreview.src) URL.revokeObjectURL(capturePreview.src);
  capturePreview.src = URL.createObjectURL(frame);
  capturePreview.hidden = false;
  await recognizeAndShow(frame, "capture.jpg");
  hidePreviewOnceViewerShows();
});

// The viewer below the text shows the same frame with its word boxes once the answer is in.
function hidePreviewOnceViewerShows() {
  capturePreview.hidden = !document.getElementById("viewer").hidden;
}

const live = setUpLive(video, say);
startButton.addEventListener("click", () => start(select.value || undefined));
select.addEventListener("change", () => start(select.value));
start();

fallback.addEventListener("submit", (event) => {
  const file = document.getElementById("camera-file").files[0];
  if (!file) return; // let the browser ask for the required file
  event.preventDefault();
  capturePreview.src = URL.createObjectURL(file);
  capturePreview.hidden = false;
  recognizeAndShow(file, file.name).then(hidePreviewOnceViewerShows);
});
