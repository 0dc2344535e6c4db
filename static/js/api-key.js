// The one way the pages call the API (POST /ocr, /jobs, POST /export): fetch() with the tab's API key.
// A server started with OCR_API_KEYS answers 401 without a valid key: the page then asks for the
// key once, in a dialog, keeps it in this tab's sessionStorage (a reload keeps it, closing the tab
// forgets it) and sends the call again with `Authorization: Bearer <key>`. A refused key is asked
// for again, saying so. A server without keys never answers 401: nothing is ever asked.

const STORE = "ocr-api-key";
let unstored = null; // the key, where the browser refuses sessionStorage
let asking = null; // the open dialog's answer: calls meeting a 401 meanwhile wait for the same one

/** fetch(url, init) with the tab's API key; on a 401 asks for a key and sends the call again.
 * Resolves to the response; throws an Error with `code` "unauthorized" when the user cancels the dialog. */
export async function apiFetch(url, init = {}) {
  for (;;) {
    const key = storedKey();
    const response = await fetch(url, withKey(init, key));
    if (response.status !== 401 || !(await wantsKey(response))) return response;
    if (storedKey() !== key) continue; // another call got a key meanwhile: try that one
    if ((await askForKey(Boolean(key))) === null) {
      const error = new Error("This server reads text only with an API key, and none was entered. Try again to enter it.");
      error.code = "unauthorized";
      throw error;
    }
  }
}

function withKey(init, key) {
  if (!key) return init;
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${key}`);
  return { ...init, headers };
}

/** Whether a 401 is this server's asking for an API key (not, say, a proxy's own login). */
async function wantsKey(response) {
  const answer = await response.clone().json().catch(() => null);
  return answer?.error?.code === "unauthorized";
}

function storedKey() {
  try {
    return sessionStorage.getItem(STORE) || unstored;
  } catch {
    return unstored;
  }
}

function storeKey(key) {
  unstored = key;
  try {
    if (key) sessionStorage.setItem(STORE, key);
    else sessionStorage.removeItem(STORE);
  } catch {
    // storage off (a private mode): the key lasts as long as the page
  }
}

/** Ask for the key (saying the last one was refused, if `refused`); resolves to it, stored, or null when cancelled. */
function askForKey(refused) {
  if (refused) storeKey(null);
  asking ??= showDialog(refused).then((key) => {
    asking = null;
    if (key) storeKey(key);
    return key;
  });
  return asking;
}

const FORM = `
  <form method="dialog">
    <h2 id="api-key-title">API key needed</h2>
    <p id="api-key-why">This server reads text only for those with an API key. Enter yours once:
      this tab keeps it until it is closed.</p>
    <p id="api-key-message" class="error" role="alert" hidden></p>
    <label for="api-key-input">API key</label>
    <input id="api-key-input" name="key" type="password" autocomplete="off" spellcheck="false" required>
    <div class="dialog-actions">
      <button type="submit" id="api-key-submit" value="ok">Use this key</button>
      <button type="button" id="api-key-cancel" class="secondary">Cancel</button>
    </div>
  </form>`;
// what a header can carry; other characters would make fetch() throw
const PRINTABLE = /^[\x20-\x7e]+$/;

/** The key dialog, made on first use: a modal <dialog> (focus kept inside it, Escape cancels). */
function dialog() {
  let element = document.getElementById("api-key-dialog");
  if (element) return element;
  element = document.createElement("dialog");
  element.id = "api-key-dialog";
  element.className = "api-key-dialog";
  element.setAttribute("aria-labelledby", "api-key-title");
  element.setAttribute("aria-describedby", "api-key-why");
  element.innerHTML = FORM; // fixed markup, nothing from the user or the server
  element.querySelector("#api-key-cancel").addEventListener("click", () => element.close(""));
  const input = element.querySelector("#api-key-input");
  input.addEventListener("input", () => input.setCustomValidity(""));
  element.querySelector("form").addEventListener("submit", (event) => {
    const key = input.value.trim();
    if (!PRINTABLE.test(key)) {
      event.preventDefault();
      input.setCustomValidity("An API key is made of letters, digits and punctuation (ASCII).");
      input.reportValidity();
    }
  });
  document.body.append(element);
  return element;
}

function showDialog(refused) {
  const element = dialog();
  if (typeof element.showModal !== "function") {
    return Promise.resolve(window.prompt("This server needs an API key. Enter it:")?.trim() || null);
  }
  const input = element.querySelector("#api-key-input");
  const message = element.querySelector("#api-key-message");
  message.textContent = refused ? "The server did not accept that key. Check it and enter it again." : "";
  message.hidden = !refused;
  input.value = "";
  element.returnValue = "";
  element.showModal();
  input.focus();
  return new Promise((resolve) => {
    element.addEventListener("close", () => resolve(element.returnValue === "ok" ? input.value.trim() : null), {
      once: true,
    });
  });
}
