// A tiny element builder: h("button", {class: "big", onclick: fn}, "text").

/** Create an element with attributes, listeners (on*) and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "value") el.value = value;
    else if (key === "checked") el.checked = !!value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace the children of an element. */
export function mount(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** A labelled form field with an error slot. */
export function field(id, label, input, hint = null) {
  input.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
  input.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: "field", dataset: { field: id } }, h("label", { for: id }, label), input, hint, error);
}

/** Show or clear a field's error message. */
export function setError(root, id, message) {
  const error = root.querySelector(`#${id}-error`);
  const input = root.querySelector(`#${id}`);
  if (error) error.textContent = message || "";
  if (input) input.setAttribute("aria-invalid", message ? "true" : "false");
}

/**
 * A visible "n/max" counter under a long field (`text(n, max)` words it); past the limit it
 * turns red. Nothing is cut: the form refuses an over-long value with a field error.
 */
export function charCounter(input, max, text) {
  const counter = h("p", { class: "counter", id: `${input.id || input.name}-count` });
  const update = () => {
    const n = input.value.length;
    counter.textContent = text(n, max);
    counter.classList.toggle("over", n > max);
  };
  input.addEventListener("input", update);
  update();
  return counter;
}
