// The tablet mints the phone-survey token exactly as the server checks it (shared vector).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { LINK_HOURS, mintSurveyLink, mintSurveyToken } from "../surveylink.js";

const vector = JSON.parse(readFileSync(new URL("../../sync/test_vectors/survey_link.json", import.meta.url), "utf8"));

test("the minted token matches the server's (sync/test_vectors/survey_link.json)", async () => {
  const token = await mintSurveyToken({ token: vector.device_token, uid: vector.device_uid, visitId: vector.visit_id, expiresAt: vector.expires_at * 1000 });
  assert.equal(token, vector.token);
});

test("another device token gives another signature", async () => {
  const token = await mintSurveyToken({ token: `${vector.device_token}x`, uid: vector.device_uid, visitId: vector.visit_id, expiresAt: vector.expires_at * 1000 });
  assert.equal(token.split(".").slice(0, 4).join("."), vector.token.split(".").slice(0, 4).join("."));
  assert.notEqual(token, vector.token);
});

test("the link expires LINK_HOURS after now and lives under /p/survey/", async () => {
  const now = (vector.expires_at - LINK_HOURS * 3600) * 1000;
  const url = await mintSurveyLink({ base: "https://sitamu.example.go.id/", token: vector.device_token, uid: vector.device_uid, visitId: vector.visit_id, now });
  assert.equal(url, `https://sitamu.example.go.id/p/survey/${vector.token}`);
});
