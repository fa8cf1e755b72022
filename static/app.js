// Small enhancements only: every page works without this file.
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target instanceof HTMLElement && target.matches("[data-print]")) {
    window.print();
  }
});

// Photos straight from a phone are often larger than the server takes
// (8 MB each, 40 MB in all: src/photos and src/web). Before the form goes,
// large photos are redrawn smaller; what still cannot go stops the form
// here, so nothing the person wrote is lost to a refused upload.
const PHOTO_MAX = 8 * 1024 * 1024;
const BODY_MAX = 36 * 1024 * 1024;
const SHRINK_ABOVE = 2 * 1024 * 1024;
const LONG_SIDE = 2560;

async function smaller(file) {
  if (file.size <= SHRINK_ABOVE || !("createImageBitmap" in window)) return file;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((done) => canvas.toBlob(done, "image/jpeg", 0.85));
    if (!blob || blob.size >= file.size) return file;
    const name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
    return new File([blob], name, { type: "image/jpeg" });
  } catch {
    return file;
  }
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.dataset.photosReady === "yes") return;
  const input = form.querySelector("input[type=file][data-shrink]");
  if (!input || !input.files || input.files.length === 0) return;
  const chosen = Array.from(input.files);
  const total = chosen.reduce((sum, f) => sum + f.size, 0);
  if (total <= BODY_MAX && chosen.every((f) => f.size <= SHRINK_ABOVE)) return;
  event.preventDefault();
  if (form.dataset.photosReady === "working") return;
  form.dataset.photosReady = "working";
  const problem = form.querySelector("#photo-problem");
  const say = (text, state) => {
    if (problem) {
      problem.textContent = text;
      problem.dataset.state = state;
      problem.hidden = false;
    }
  };
  say(input.dataset.shrinking, "shrinking");
  const files = await Promise.all(chosen.map(smaller));
  const sent = files.reduce((sum, f) => sum + f.size, 0);
  if (files.some((f) => f.size > PHOTO_MAX) || sent > BODY_MAX) {
    delete form.dataset.photosReady;
    say(input.dataset.tooLarge, "too-large");
    input.setAttribute("aria-describedby", "photo-problem");
    input.focus();
    return;
  }
  const smallerFiles = new DataTransfer();
  files.forEach((f) => smallerFiles.items.add(f));
  input.files = smallerFiles.files;
  if (problem) problem.hidden = true;
  form.dataset.photosReady = "yes";
  form.requestSubmit(event.submitter ?? undefined);
});

document.addEventListener("change", (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && input.matches("[data-shrink]") && input.form) {
    delete input.form.dataset.photosReady;
  }
});
