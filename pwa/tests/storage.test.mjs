// Storage and outbox: a record and its outbox entry commit together; entries leave only on an
// acknowledgement that names them; queue numbers are per device and per local day.
import "fake-indexeddb/auto";
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { all, count, destroyDb, getMeta, setMeta, write } from "../db.js";
import { applyAck, peek, pending, problems } from "../outbox.js";
import { findByIdNumber, purgeOld, recordEvent, registerVisit, saveSurvey, visitById, visitsOfDay } from "../records.js";
import { localDay } from "../util.js";

const guest = (over = {}) => ({ id_type: "ktp", id_number: "6171 0115 0590 0001", name: "Budi", phone: "0812345678",
  institution: "CV Maju", address: "Pontianak", purpose: "Rapat", host_id: "3", ...over });

beforeEach(async () => {
  await destroyDb();
  await setMeta("device", { token: "tok", uid: "u", letter: "A", office: { timezone: "Asia/Jakarta" } });
});

test("a registration writes its visit, its event and its outbox entry together", async () => {
  const { visit } = await registerVisit(guest());
  assert.equal(visit.local.queue_number, "A-001");
  assert.equal(visit.local.id_number, "6171011505900001");
  assert.equal(visit.local.host_id, 3);
  assert.equal(await count("events"), 1);
  const entries = await peek(["event"]);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].body.kind, "registration");
  assert.equal(entries[0].body.seq, 1);
  assert.equal(entries[0].body.visit_id, visit.id);
});

test("a failed transaction stores neither the record nor its outbox entry", async () => {
  await assert.rejects(write(["events", "outbox"], async (tx) => {
    await tx.objectStore("events").put({ id: "e1", visit_id: "v1" });
    await tx.objectStore("outbox").add({ kind: "event", rid: "e1", body: {} });
    throw new Error("disk trouble");
  }));
  assert.equal(await count("events"), 0);
  assert.equal(await count("outbox"), 0);
});

test("queue numbers count up per day and restart on a new local day", async () => {
  const a = await registerVisit(guest());
  const b = await registerVisit(guest({ name: "Sari" }));
  assert.deepEqual([a.visit.local.queue_number, b.visit.local.queue_number], ["A-001", "A-002"]);
  await setMeta("queue", { day: "2000-01-01", n: 41 });
  const c = await registerVisit(guest({ name: "Tono" }));
  assert.equal(c.visit.local.queue_number, "A-001");
});

test("sequence numbers grow by one per event across visits", async () => {
  const { visit } = await registerVisit(guest());
  await recordEvent(visit.id, "verification", { ok: true }, { step: "cocokkan_identitas", actor: "staff:1" });
  await registerVisit(guest({ name: "Sari" }));
  const seqs = (await peek(["event"])).map((e) => e.body.seq);
  assert.deepEqual(seqs, [1, 2, 3]);
});

test("staff events update the visit's derived stage and steps", async () => {
  const { visit } = await registerVisit(guest());
  await recordEvent(visit.id, "verification", { ok: false, fields: ["id_number"] }, { step: "cocokkan", actor: "staff:1" });
  let view = await visitById(visit.id);
  assert.equal(view.verified, false);
  assert.deepEqual(view.fields_to_correct, ["id_number"]);
  await recordEvent(visit.id, "correction", { fields: { id_number: "6171011505900002" } }, { step: "perbaiki", actor: "staff:1" });
  await recordEvent(visit.id, "card_issued", { card_number: "17", ktp_held: true }, { actor: "staff:1" });
  view = await visitById(visit.id);
  assert.equal(view.id_number, "6171011505900002");
  assert.equal(view.card_number, "17");
  assert.ok(view.steps.cocokkan && view.steps.perbaiki);
});

test("only an acknowledgement naming an entry removes it; quarantined ones become problems", async () => {
  await registerVisit(guest());
  await registerVisit(guest({ name: "Sari" }));
  const entries = await peek(["event"]);
  assert.equal(await applyAck(entries, {}), 0);
  assert.equal((await pending()).total, 2);
  const removed = await applyAck(entries, { stored: [entries[0].rid], quarantined: [{ id: entries[1].rid, fields: { name: "bad" } }] });
  assert.equal(removed, 2);
  assert.equal((await pending()).total, 0);
  const p = await problems();
  assert.equal(p.length, 1);
  assert.equal(p[0].type, "quarantined");
});

test("a version of an event that lost to another (same id, different content) leaves the tablet's view", async () => {
  const { visit } = await registerVisit(guest());
  await recordEvent(visit.id, "card_issued", { card_number: "17", id_held: "ktp" }, { actor: "staff:1" });
  let view = await visitById(visit.id);
  assert.deepEqual(view.custody_outstanding, ["card", "id_document"]);
  const entries = await peek(["event"]);
  const card = entries.find((e) => e.body.kind === "card_issued");
  await applyAck(entries, { stored: [entries[0].rid], conflict: [{ id: card.rid, message: "same id, different content" }] });
  assert.equal(await count("events"), 1);
  view = await visitById(visit.id);
  assert.deepEqual(view.custody_outstanding, []);
  assert.equal(view.name, "Budi");
  assert.equal((await problems())[0].type, "conflict");
});

test("one survey response per visit", async () => {
  const { visit } = await registerVisit(guest());
  const answers = { persyaratan: 4, prosedur: 3, waktu: null, biaya: 4, produk: 3, kompetensi: 4, perilaku: 4, pengaduan: 3, sarana: 3 };
  await saveSurvey({ visit_id: visit.id, answers, profile: { gender: "L" } });
  await assert.rejects(saveSurvey({ visit_id: visit.id, answers, profile: {} }), /already/);
  assert.equal((await pending()).survey, 1);
});

test("a returning guest is found by identity number", async () => {
  await registerVisit(guest());
  const found = await findByIdNumber("6171011505900001");
  assert.equal(found.name, "Budi");
  assert.equal(await findByIdNumber("6171011505900009"), null);
});

test("purge removes synced visits older than the retention, keeps unsynced and recent ones", async () => {
  const old = await registerVisit(guest());
  const unsynced = await registerVisit(guest({ name: "Sari" }));
  await registerVisit(guest({ name: "Hari ini" }));
  for (const v of [old, unsynced]) {
    await recordEvent(v.visit.id, "checked_out", {}, { actor: "staff:1" });
    await write(["visits"], async (tx) => {
      const r = await tx.objectStore("visits").get(v.visit.id);
      r.day = "2026-01-01";
      await tx.objectStore("visits").put(r);
    });
  }
  // The old visit's events reached the server; the other's did not.
  const entries = (await peek(["event"])).filter((e) => e.body.visit_id === old.visit.id);
  await applyAck(entries, { stored: entries.map((e) => e.rid) });
  const purged = await purgeOld(0);
  assert.equal(purged, 1);
  const left = (await all("visits")).map((v) => v.local.name).sort();
  assert.deepEqual(left, ["Hari ini", "Sari"]);
  assert.equal((await all("events")).filter((e) => e.visit_id === old.visit.id).length, 0);
  assert.equal((await visitsOfDay(localDay(new Date(), "Asia/Jakarta"))).length, 1);
});

test("clock offset is stamped on new events", async () => {
  await setMeta("clock_offset_ms", -1200);
  await registerVisit(guest());
  assert.equal((await peek(["event"]))[0].body.clock_offset_ms, -1200);
  assert.equal(await getMeta("seq"), 1);
});

test("when storage is full the visit is still saved, without its photo, and the caller is told", async () => {
  // Make the blob store behave like a full disk (the only way to reach a quota error in node).
  const proto = Object.getPrototypeOf((await (await import("../db.js")).openDb()).transaction("blobs").store);
  const realPut = proto.put;
  proto.put = function put(value, key) {
    if (this.name === "blobs") return Promise.reject(new DOMException("The quota has been exceeded.", "QuotaExceededError"));
    return realPut.call(this, value, key);
  };
  try {
    const photo = new Blob([new Uint8Array(2048)], { type: "image/jpeg" });
    const { visit, photoDropped } = await registerVisit(guest(), { photo });
    assert.equal(photoDropped, true);
    assert.equal(visit.local.photo_sha, null);
    assert.equal(await count("events"), 1);
    assert.equal((await pending()).blob, 0);
    assert.equal(visit.local.queue_number, "A-001");
  } finally {
    proto.put = realPut;
  }
});

test("a survey answered by phone (a used link the pull delivered) counts as the visit's one response", async () => {
  const { visit } = await registerVisit(guest());
  const { hasSurvey } = await import("../records.js");
  assert.equal(await hasSurvey(visit.id), false);
  await write(["pulled"], (tx) => tx.objectStore("pulled").put({ key: "survey_link:5", entity: "survey_link", id: "5",
    data: { id: 5, visit_id: visit.id, used: true } }));
  assert.equal(await hasSurvey(visit.id), true);
});
