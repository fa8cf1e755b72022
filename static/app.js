// Small enhancements only: every page works without this file.
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target instanceof HTMLElement && target.matches("[data-print]")) {
    window.print();
  }
});
