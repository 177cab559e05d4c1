import { code, escapeText, heading, raw, table } from '../markdown/index.js';
import { plural, renderChecks, runLink, type SectionOptions } from '../report/render.js';
import type { Report } from '../report/report.js';

/** Labels that say which model is inside (ours, `ai.mlops.model.*`) and where it came from (OCI's). */
const SHOWN_LABEL = /^ai\.mlops\.model\.|^org\.opencontainers\.image\.(revision|version|source)$/;

function bytesText(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte');
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * build-image's section from its report alone: the image by digest, its tags, size and builder, and the labels
 * naming the model. A build that failed before it had a digest shows its checks instead.
 */
export function renderImageSection(report: Report, options: SectionOptions = {}): string {
  const digest = typeof report.digest === 'string' ? report.digest : undefined;
  if (!digest) return renderChecks('Model image', report, options);
  const metadata = (report.metadata ?? {}) as {
    builder?: string;
    pushed?: boolean;
    size?: number;
    labels?: Record<string, string>;
    platforms?: string[];
  };
  const tags = Array.isArray(report.tags) ? (report.tags as string[]) : [];
  const parts: string[] = [];
  if (options.heading !== false) parts.push(heading(3, raw(`${report.status === 'failed' ? '❌' : '✅'} Model image`)));
  const image = typeof report.image === 'string' ? report.image : '';
  const facts = [
    `**${code(image ? `${image}@${digest}` : digest).text}**`,
    ...(metadata.builder ? [`built with ${escapeText(metadata.builder)}`] : []),
    ...(typeof metadata.size === 'number' ? [bytesText(metadata.size)] : []),
    metadata.pushed ? `pushed as ${plural(tags.length, 'tag')}` : 'not pushed',
  ];
  parts.push(facts.join(' · '));
  if (tags.length > 0) parts.push(tags.map((tag) => `- ${code(tag).text}`).join('\n'));
  const labels = Object.entries(metadata.labels ?? {}).filter(([key]) => SHOWN_LABEL.test(key));
  if (labels.length > 0)
    parts.push(
      table(
        ['Label', 'Value'],
        labels.map(([key, value]) => [code(key), code(String(value))]),
      ),
    );
  if (report.run.url) parts.push(runLink(report.run.url));
  return parts.join('\n\n');
}
