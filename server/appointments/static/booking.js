// Free slots of a date, on the booking page (service/host and date chosen by the guest) and in
// the status page's "Minta waktu lain" (the booking's own service/host, given in data-target).
// When the guest picks, the list comes from /janji/<code>/slots without reloading and the
// choice is written into the address (so a reload or the language switch keeps it). Without
// JavaScript the "Lihat jam yang kosong" button does the same by a GET that re-renders the
// page. All words come from the server.
const picker = document.querySelector("#slot-picker");
const form = picker && document.getElementById(picker.dataset.form || "booking-form");

if (picker && form) {
  const fixed = picker.dataset.target || ""; // the status page: the booking's own target
  const target = picker.querySelector("#target");
  const day = picker.querySelector("#date");
  const dateName = picker.dataset.dateName || "date";
  const timeName = picker.dataset.timeName || "time";
  const held = picker.dataset.held || ""; // "YYYY-MM-DD HH:MM" the booking holds now
  const note = form.querySelector("#slots-note");
  const options = form.querySelector("#slot-options");
  let asked = 0;

  const show = (text, slots = []) => {
    note.textContent = text;
    options.replaceChildren(
      ...slots.map((slot) => {
        const label = document.createElement("label");
        const input = document.createElement("input");
        const span = document.createElement("span");
        const time = document.createElement("strong");
        const left = document.createElement("small");
        label.className = "opt";
        Object.assign(input, { type: "radio", name: timeName, value: slot.time });
        input.dataset.left = String(slot.left);
        time.textContent = slot.time;
        left.textContent = slot.label;
        span.append(time, " ", left);
        label.append(input, " ", span);
        return label;
      }),
    );
  };

  // The address and the language switch carry the choice (never anything personal).
  const remember = (query) => {
    history.replaceState(null, "", `?${query}${location.hash}`);
    for (const link of document.querySelectorAll("a[data-lang-switch]")) {
      const args = new URLSearchParams(query);
      args.set("lang", link.lang);
      link.search = `?${args}`;
    }
  };

  const refresh = async () => {
    const key = fixed || target.value;
    if (!fixed) form.elements.target.value = key;
    form.elements[dateName].value = day.value;
    if (!key || !day.value) {
      show(picker.dataset.choose);
      return;
    }
    remember(new URLSearchParams(fixed ? { date: day.value } : { target: key, date: day.value }));
    const mine = ++asked;
    show(picker.dataset.loading);
    let body = null;
    try {
      const query = new URLSearchParams({ target: key, date: day.value });
      const response = await fetch(`${picker.dataset.slotsUrl}?${query}`, {
        headers: { Accept: "application/json" },
      });
      body = await response.json();
    } catch {
      body = null;
    }
    if (mine !== asked) return; // a later choice has its own answer on the way
    if (!body) {
      show(picker.dataset.failed);
    } else if (body.error) {
      show(Object.values(body.error.fields || {})[0] || body.error.message);
    } else {
      // Asking for the slot the booking already holds changes nothing: leave it out.
      const slots = body.slots.filter((slot) => `${body.date} ${slot.time}` !== held);
      show(slots.length ? body.heading : body.message || picker.dataset.full, slots);
    }
  };

  picker.querySelector("#show-slots").remove(); // the list follows every choice by itself
  target?.addEventListener("change", refresh);
  day.addEventListener("change", refresh);
}
