import { code, escapeText, heading, raw, table } from '../markdown/index.js';
import type { ModelOutcome } from './model.js';
import type { RequiredCheck } from './required-checks.js';
import type { RollbackResult } from './transaction.js';

export type PromotionOutcome = 'promoted' | 'unchanged' | 'dry-run' | 'blocked' | 'rolled-back';

export interface TargetRecord {
  name: string;
  ref: string;
  previous: string | undefined;
  digest: string;
  change: 'unchanged' | 'move' | 'create';
  uploadedBytes?: number;
  blobs?: Record<string, number>;
  referrersCopied?: string[];
}

/** Everything a reviewer needs to know later about one promotion: what moved, from where, by whom, on what. */
export interface PromotionRecord {
  outcome: PromotionOutcome;
  commit: string;
  release: string | undefined;
  source: string | undefined;
  digest: string | undefined;
  targets: TargetRecord[];
  model: ModelOutcome | undefined;
  /** What the model step would do or did, when it did not run (dry run, blocked, no-op). */
  modelPlan?: { model: string; version: string; alias?: string; aliasFrom?: string; targetModel?: string };
  checks: RequiredCheck[];
  promotedBy: string | undefined;
  promotedAt: string;
  runUrl: string | undefined;
  failure?: string;
  rollback?: RollbackResult;
}

const OUTCOME_TEXT: Record<PromotionOutcome, string> = {
  promoted: '✅ Promoted',
  unchanged: '✅ Already promoted: nothing changed',
  'dry-run': '📝 Dry run: nothing changed',
  blocked: '❌ Blocked by required checks: nothing promoted',
  'rolled-back': '❌ Failed and rolled back',
};

function short(digest: string | undefined): string {
  return digest ? digest.slice(0, 19) : '—';
}

export function promotionHeadline(record: PromotionRecord): string {
  switch (record.outcome) {
    case 'promoted':
      return `${short(record.digest)} promoted to ${record.targets.length} target(s)${record.model ? `, ${record.model.model} version ${record.model.version}` : ''}`;
    case 'unchanged':
      return `Every target already had ${short(record.digest)}: nothing changed`;
    case 'dry-run':
      return `Dry run: ${record.targets.filter((target) => target.change !== 'unchanged').length} target(s) would move to ${short(record.digest)}`;
    case 'blocked':
      return `Blocked: ${record.checks
        .filter((check) => !check.passed)
        .map((check) => `${check.name} is ${check.state}`)
        .join(', ')}`;
    case 'rolled-back':
      return `Failed, rolled back: ${record.failure ?? 'unknown failure'}`.slice(0, 300);
  }
}

function modelLines(record: PromotionRecord): string[] {
  const lines: string[] = [];
  const model = record.model;
  if (model) {
    lines.push(`- Model: ${code(`${model.model}`).toString()} version ${code(model.version).toString()}`);
    if (model.copy) {
      lines.push(
        `- Copied to ${code(model.copy.model).toString()} version ${code(model.copy.version).toString()}${model.copy.createdVersion ? '' : ' (existing copy)'}`,
      );
    }
    if (model.alias) {
      lines.push(
        `- Alias ${code(model.alias.alias).toString()} of ${code(model.alias.model).toString()}: version ${escapeText(model.alias.from ?? 'unset')} → ${escapeText(model.alias.to)}${model.alias.moved ? '' : ' (already)'}`,
      );
    }
  } else if (record.modelPlan) {
    const plan = record.modelPlan;
    lines.push(`- Model: ${code(plan.model).toString()} version ${code(plan.version).toString()}`);
    if (plan.alias)
      lines.push(`- Alias ${code(plan.alias).toString()}: version ${escapeText(plan.aliasFrom ?? 'unset')}`);
  }
  return lines;
}

/** The audit record as Markdown: the job summary section, and the body of the release notes section. */
export function renderPromotionRecord(record: PromotionRecord, level: 2 | 3 = 3, withHeading = true): string {
  const parts = [
    ...(withHeading ? [heading(level, raw(`${OUTCOME_TEXT[record.outcome]}`))] : []),
    `**${escapeText(promotionHeadline(record))}**`,
  ];
  const facts = [
    `- Commit: ${code(record.commit).toString()}${record.release ? ` · release ${code(record.release).toString()}` : ''}`,
    ...(record.source ? [`- Source: ${code(record.source).toString()}`] : []),
    ...(record.digest ? [`- Digest: ${code(record.digest).toString()}`] : []),
    ...modelLines(record),
    `- By ${escapeText(record.promotedBy ?? 'unknown')} at ${escapeText(record.promotedAt)}${record.runUrl ? ` · [workflow run](${encodeURI(record.runUrl)})` : ''}`,
  ];
  parts.push(facts.join('\n'));
  if (record.targets.length > 0) {
    parts.push(
      table(
        ['Target', 'Before', 'Now', 'Change', 'Bytes sent'],
        record.targets.map((target) => [
          code(target.ref),
          code(short(target.previous)),
          code(
            short(record.outcome === 'promoted' || record.outcome === 'unchanged' ? target.digest : target.previous),
          ),
          target.change === 'unchanged' ? 'already there' : target.change === 'create' ? 'new tag' : 'moved',
          target.uploadedBytes ?? 0,
        ]),
      ),
    );
  }
  if (record.checks.length > 0) {
    parts.push(
      table(
        ['Required check', 'Kind', 'State'],
        record.checks.map((check) => [
          raw(`${check.passed ? '✅' : '❌'} ${escapeText(check.name)}`),
          check.source,
          check.state,
        ]),
      ),
    );
  }
  if (record.rollback) {
    const { undone, failed } = record.rollback;
    parts.push(
      [
        `**Failure:** ${escapeText(record.failure ?? '')}`,
        undone.length > 0
          ? `**Undone:**\n${undone.map((line) => `- ${escapeText(line)}`).join('\n')}`
          : 'Nothing had changed.',
        ...(failed.length > 0
          ? [
              `**Not undone (fix by hand):**\n${failed.map((entry) => `- ${escapeText(`${entry.step}: ${entry.error}`)}`).join('\n')}`,
            ]
          : []),
      ].join('\n\n'),
    );
  }
  return parts.join('\n\n');
}

export const RELEASE_SECTION_START = '<!-- mlops-actions/promote:start -->';
export const RELEASE_SECTION_END = '<!-- mlops-actions/promote:end -->';

/** Release notes with the promotion section appended, or replaced when a run already wrote one. */
export function withReleaseSection(body: string | null | undefined, record: PromotionRecord): string {
  const section = `${RELEASE_SECTION_START}\n${renderPromotionRecord(record, 2).replace(/^## [^\n]*/, '## Promotion')}\n${RELEASE_SECTION_END}`;
  const text = body ?? '';
  const start = text.indexOf(RELEASE_SECTION_START);
  const end = text.indexOf(RELEASE_SECTION_END);
  if (start >= 0 && end > start) {
    return `${text.slice(0, start)}${section}${text.slice(end + RELEASE_SECTION_END.length)}`;
  }
  return text.trim() === '' ? section : `${text.trimEnd()}\n\n${section}`;
}
