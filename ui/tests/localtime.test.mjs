// The edit forms' time code in the zone TZ names (src-tauri/tests/ui_time.rs runs this file
// under several zones, with ui/src/localtime.ts compiled to STINT_LOCALTIME_JS).
import { test } from "node:test";
import assert from "node:assert/strict";

const { toLocalInput, resolveLocal, editedTime, offsetOf } = await import(process.env.STINT_LOCALTIME_JS);
const zone = process.env.TZ;

// Per zone: a local time that happens twice (with both instants) and one that is skipped.
const transitions = {
  "Europe/Helsinki": { twice: ["2022-10-30T03:05:00", "2022-10-30T00:05:00.000Z", "2022-10-30T01:05:00.000Z"], skipped: "2022-03-27T03:30:00" },
  "America/New_York": { twice: ["2022-11-06T01:30:00", "2022-11-06T05:30:00.000Z", "2022-11-06T06:30:00.000Z"], skipped: "2022-03-13T02:30:00" },
  "Australia/Lord_Howe": { twice: ["2022-04-03T01:45:00", "2022-04-02T14:45:00.000Z", "2022-04-02T15:15:00.000Z"], skipped: "2022-10-02T02:15:00" },
};

test(`every instant shows as a local time that means it again (${zone})`, () => {
  const from = Date.UTC(2021, 11, 1);
  for (let t = from; t < from + 400 * 86400_000; t += 37 * 60_000 + 13_000) {
    const iso = new Date(t).toISOString();
    const shown = toLocalInput(iso);
    const meant = resolveLocal(shown);
    const back = meant.kind === "one" ? [meant.iso] : meant.kind === "two" ? [meant.earlier, meant.later] : [];
    assert.ok(back.includes(iso), `${iso} shown as ${shown} means ${JSON.stringify(meant)}`);
    // An untouched field is never sent, so it keeps its instant and its milliseconds.
    assert.deepEqual(editedTime(new Date(t + 123).toISOString(), shown, null), { kind: "unchanged" });
  }
});

// Only zones with clock changes have these cases (Asia/Kolkata and UTC have none).
if (transitions[zone]) test(`repeated and skipped local times are never guessed (${zone})`, () => {
  const { twice, skipped } = transitions[zone];
  const [local, earlier, later] = twice;
  assert.deepEqual(resolveLocal(local), { kind: "two", earlier, later });
  assert.notEqual(offsetOf(earlier), offsetOf(later));
  assert.deepEqual(editedTime(null, local, null), { kind: "choose" });
  assert.deepEqual(editedTime(null, local, "later"), { kind: "set", iso: later });
  assert.deepEqual(editedTime(null, local, "earlier"), { kind: "set", iso: earlier });
  // The second of the two, untouched (the Helsinki entry starts at 01:05Z).
  assert.deepEqual(editedTime(later, local, null), { kind: "unchanged" });
  assert.deepEqual(resolveLocal(skipped), { kind: "skipped" });
  assert.deepEqual(editedTime(null, skipped, null), { kind: "skipped" });
});

test(`values without seconds and nonsense (${zone})`, () => {
  assert.equal(resolveLocal("2026-07-01T12:00").kind, "one");
  assert.equal(resolveLocal("2026-07-01T12:00").iso, resolveLocal("2026-07-01T12:00:00").iso);
  for (const bad of ["", "yesterday", "2026-13-01T00:00", "2026-07-01 12:00"]) {
    assert.ok(["invalid", "skipped"].includes(resolveLocal(bad).kind), bad);
  }
});
