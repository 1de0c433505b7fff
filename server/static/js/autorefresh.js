// Reload a list page every N seconds (data-autorefresh="N"), unless the user is typing.
const holder = document.querySelector("[data-autorefresh]");
if (holder) {
  const seconds = Math.max(10, Number(holder.dataset.autorefresh) || 30);
  setInterval(() => {
    const active = document.activeElement;
    const typing = active && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName) && active.value;
    if (!typing && document.visibilityState === "visible") {
      window.location.assign(window.location.pathname + window.location.search);
    }
  }, seconds * 1000);
}
