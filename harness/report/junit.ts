import type { ClassGrades, GoalGrade, LabGrade } from '../grade/types.ts';
import type { VerdictStatus } from '../checks/goal.ts';

// Build output carries ANSI colours; after that, XML 1.0 forbids every C0 control but tab, LF and
// CR, plus lone surrogates and U+FFFE/U+FFFF: one of those makes the whole report unparsable.
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const clean = (s: string): string => s.replace(ANSI, '').replace(NOT_XML, '');

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const xmlText = (s: string): string => clean(s).replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
// In attributes, newlines and tabs must be character references or parsers normalise them to spaces.
export const xmlAttr = (s: string): string =>
  clean(s).replace(/[&<>"'\t\n\r]/g, (c) => ENTITIES[c] ?? `&#${c.charCodeAt(0)};`);

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const secs = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

// The JUnit schema's timestamp is ISO 8601 without a zone.
function timestamp(iso: string): string | undefined {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().slice(0, 19);
}

interface Case {
  name: string;
  status: VerdictStatus;
  ms: number;
  message?: string;
  body?: string;
}

function goalCase(g: GoalGrade): Case {
  return {
    name: g.title,
    status: g.status,
    ms: g.durationMs,
    message: g.message ?? `expected ${g.expected}, measured ${g.measured}`,
    body: `goal: ${g.id}\nexpected: ${g.expected}\nmeasured: ${g.measured}\npoints: ${g.points}/${g.maxPoints}`,
  };
}

function labCases(lab: LabGrade): Case[] {
  const cases = lab.goals.map(goalCase);
  // A lab that failed or errored without any goal saying so (no goals at all, or a build that
  // broke) gets its own testcase, so CI does not show it green.
  if (lab.status !== 'pass' && !cases.some((c) => c.status === lab.status)) {
    const reason = lab.reason ?? (lab.status === 'error' ? 'The lab could not be graded.' : 'The lab failed.');
    cases.push({ name: `lab ${lab.slug}`, status: lab.status, ms: 0, message: reason, body: reason });
  }
  return cases;
}

function caseXml(slug: string, c: Case): string {
  const open = `    <testcase classname="${xmlAttr(slug)}" name="${xmlAttr(c.name)}" time="${secs(c.ms)}"`;
  if (c.status === 'pass') return `${open}/>`;
  const tag = c.status === 'fail' ? 'failure' : 'error';
  return `${open}>\n      <${tag} message="${xmlAttr(c.message ?? '')}" type="${c.status}">${xmlText(c.body ?? '')}</${tag}>\n    </testcase>`;
}

interface Counts { tests: number; failures: number; errors: number; ms: number }
const countsAttrs = (n: Counts): string => `tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" time="${secs(n.ms)}"`;

function suiteXml(lab: LabGrade): { xml: string; n: Counts } {
  const cases = labCases(lab);
  const n: Counts = {
    tests: cases.length,
    failures: cases.filter((c) => c.status === 'fail').length,
    errors: cases.filter((c) => c.status === 'error').length,
    ms: lab.durationMs,
  };
  const ts = timestamp(lab.gradedAt);
  const props: [string, string][] = [['lesson', lab.lesson], ['title', lab.title], ['status', lab.status], ['points', String(lab.points)], ['maxPoints', String(lab.maxPoints)], ['engine', lab.engine]];
  if (lab.imageBytes !== undefined) props.push(['imageBytes', String(lab.imageBytes)]);
  if (lab.reason) props.push(['reason', lab.reason]);
  const propXml = props.map(([k, v]) => `      <property name="${k}" value="${xmlAttr(v)}"/>`);
  const xml = [
    `  <testsuite name="${xmlAttr(`${lab.student}/${lab.slug}`)}" ${countsAttrs(n)} skipped="0"${ts ? ` timestamp="${ts}"` : ''}>`,
    `    <properties>\n${propXml.join('\n')}\n    </properties>`,
    ...cases.map((c) => caseXml(lab.slug, c)),
    `  </testsuite>`,
  ].join('\n');
  return { xml, n };
}

/** The class as JUnit XML: one testsuite per student and lab, one testcase per goal. */
export function toJUnit(grades: ClassGrades, name = 'stagecraft'): string {
  const order = new Map(grades.lessons.map((l, i) => [l.slug, i]));
  const rank = (slug: string): number => order.get(slug) ?? grades.lessons.length;
  const labs = [...grades.labs].sort((a, b) => cmp(a.student, b.student) || rank(a.slug) - rank(b.slug) || cmp(a.slug, b.slug));
  const suites = labs.map(suiteXml);
  const total = suites.reduce<Counts>((t, { n }) => ({ tests: t.tests + n.tests, failures: t.failures + n.failures, errors: t.errors + n.errors, ms: t.ms + n.ms }), { tests: 0, failures: 0, errors: 0, ms: 0 });
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${xmlAttr(name)}" ${countsAttrs(total)}>`, ...suites.map((s) => s.xml), '</testsuites>', ''].join('\n');
}
