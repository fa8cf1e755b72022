// The categories' icons are emoji. A screen or kiosk without an emoji font
// would show empty boxes where they are, so there they are hidden: the
// words beside each icon say the same.
function emojiShows(text) {
  const canvas = document.createElement("canvas");
  canvas.width = 32;
  canvas.height = 32;
  const g = canvas.getContext("2d", { willReadFrequently: true });
  if (!g) return true;
  g.textBaseline = "top";
  g.font = "28px sans-serif";
  g.fillText(text, 0, 0);
  const px = g.getImageData(0, 0, 32, 32).data;
  // Drawn in black, only a colour emoji has pixels that are not grey.
  for (let i = 0; i < px.length; i += 4) {
    if (px[i + 3] && (px[i] !== px[i + 1] || px[i + 1] !== px[i + 2])) return true;
  }
  return false;
}
if (!emojiShows("\u{1F527}")) document.documentElement.classList.add("no-emoji");
