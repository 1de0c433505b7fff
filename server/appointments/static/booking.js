// Booking page: when the guest picks a service/host and a date, list that date's free slots
// from /janji/<code>/slots without reloading. Without JavaScript the "Lihat jam yang kosong"
// button does the same by a GET that re-renders the page. All words come from the server.
const picker = document.querySelector("#slot-picker");
const booking = document.querySelector("#booking-form");

if (picker && booking) {
  const target = picker.querySelector("#target");
  const day = picker.querySelector("#date");
  const note = booking.querySelector("#slots-note");
  const options = booking.querySelector("#slot-options");
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
        Object.assign(input, { type: "radio", name: "time", value: slot.time });
        input.dataset.left = String(slot.left);
        time.textContent = slot.time;
        left.textContent = slot.label;
        span.append(time, " ", left);
        label.append(input, " ", span);
        return label;
      }),
    );
  };

  const refresh = async () => {
    booking.elements.target.value = target.value;
    booking.elements.date.value = day.value;
    if (!target.value || !day.value) {
      show(picker.dataset.choose);
      return;
    }
    const query = new URLSearchParams({ target: target.value, date: day.value });
    history.replaceState(null, "", `?${query}`);
    const mine = ++asked;
    show(picker.dataset.loading);
    let body = null;
    try {
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
      show(body.message || body.heading, body.slots);
    }
  };

  picker.querySelector("#show-slots").remove(); // the list follows every choice by itself
  target.addEventListener("change", refresh);
  day.addEventListener("change", refresh);
}
