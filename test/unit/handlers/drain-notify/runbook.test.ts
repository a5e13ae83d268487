// docs/runbook.md has a section for every link drain-notify's messages and the drain alarms can carry: every outcome,
// a start, an unknown outcome, and the alarms' own sections; and its own links between sections resolve.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  DRAIN_OUTCOMES,
  RUNBOOK_ALARM_SECTIONS,
  runbookAnchor,
  UNKNOWN_OUTCOME,
} from "../../../../contracts/drain-outcomes";
import { buildNotification, type DrainReport } from "../../../../handlers/drain-notify/core";

const RUNBOOK = readFileSync(path.join(__dirname, "../../../../docs/runbook.md"), "utf8");

/** A heading's anchor as GitHub renders it: lower case, punctuation other than '-' and '_' dropped, spaces to '-'. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

const anchors = new Set(
  RUNBOOK.replace(/```[\s\S]*?```/g, "")
    .split("\n")
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => slug(line.replace(/^#+ /, ""))),
);

const report = (outcome: string, status: string): DrainReport => ({
  executionArn: "arn:aws:states:eu-west-1:123456789012:execution:demo-drain:i-0abc1234def567890-1",
  executionName: "i-0abc1234def567890-1",
  status,
  outcome,
  instanceId: "i-0abc1234def567890",
  startDate: null,
  stopDate: null,
  lifecycleActionStartedAt: null,
  deadline: null,
  lastReading: null,
  carriedLastBytes: null,
  snapshots: [],
  error: null,
  problems: [],
});

describe("docs/runbook.md", () => {
  it("has a heading for every section a message or an alarm links", () => {
    // Prepare
    const linked = [
      ...Object.keys(DRAIN_OUTCOMES).map(runbookAnchor),
      runbookAnchor(UNKNOWN_OUTCOME),
      ...Object.values(RUNBOOK_ALARM_SECTIONS),
    ];
    // Act
    const missing = linked.filter((a) => !anchors.has(a));
    // Assess
    expect(missing).toEqual([]);
  });

  it.each([
    ...Object.entries(DRAIN_OUTCOMES).map(([outcome, info]) => [outcome, info.status] as const),
    ["Started", "RUNNING"] as const,
    [UNKNOWN_OUTCOME, "FAILED"] as const,
    ["SomeStateOfANewerDefinition", "FAILED"] as const,
  ])("the message for %s links a section that exists", (outcome, status) => {
    // Act
    const { message } = buildNotification(report(outcome, status), "docs/runbook.md");
    // Assess
    const links = [...message.matchAll(/docs\/runbook\.md#([\w-]+)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((a) => !anchors.has(a!))).toEqual([]);
  });

  it("links only to its own sections", () => {
    // Act
    const internal = [...RUNBOOK.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    // Assess
    expect(internal.length).toBeGreaterThan(0);
    expect(internal.filter((a) => !anchors.has(a))).toEqual([]);
  });
});
