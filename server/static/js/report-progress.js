// Poll a report job (data-report-job = its status URL) and show progress, then the download.
const holder = document.querySelector("[data-report-job]");

async function poll() {
  let status;
  try {
    const response = await fetch(holder.dataset.reportJob, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    status = await response.json();
  } catch (error) {
    setTimeout(poll, 5000); // offline or restarting: try again a little later
    return;
  }
  const bar = holder.querySelector("progress");
  const message = holder.querySelector("[data-report-message]");
  const link = holder.querySelector("[data-report-download]");
  bar.value = status.progress;
  bar.textContent = `${status.progress}%`;
  if (status.state === "done") {
    message.textContent = holder.dataset.doneText || "Selesai.";
    link.href = status.download_url;
    link.hidden = false;
    link.focus();
    return;
  }
  if (status.state === "failed") {
    message.textContent = `${holder.dataset.failedText || "Gagal:"} ${status.error || ""}`;
    return;
  }
  message.textContent = `${holder.dataset.runningText || "Sedang dibuat…"} ${status.progress}%`;
  setTimeout(poll, 1000);
}

if (holder && holder.querySelector("[data-report-download]").hidden) {
  poll();
}
